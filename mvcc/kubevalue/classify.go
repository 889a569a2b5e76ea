package kubevalue

import "bytes"

// MaxPrefix is the most bytes Classify reads of a value. kube-apiserver's
// envelopes put everything Classify reports in the first few dozen bytes:
// the protobuf TypeMeta comes first, the JSON serializer writes "kind" and
// "apiVersion" first, and an encryption prefix is short.
const MaxPrefix = 256

// maxName bounds an apiVersion, kind, provider or key name.
const maxName = 128

// Encoding is how a value is stored.
type Encoding uint8

const (
	// Unknown: none of kube-apiserver's envelopes, or one that does not
	// hold together within the prefix.
	Unknown Encoding = iota
	// Protobuf: "k8s\x00" then a runtime.Unknown message.
	Protobuf
	// JSON: an object ("{"), as written for custom resources.
	JSON
	// Encrypted: "k8s:enc:<provider>:<version>:<key name>:" then ciphertext.
	Encrypted
)

var encodingNames = [...]string{"unknown", "protobuf", "json", "encrypted"}

func (e Encoding) String() string {
	if int(e) < len(encodingNames) {
		return encodingNames[e]
	}
	return "unknown"
}

// Class is what a value's prefix tells. The byte slices alias the value
// and are valid only as long as it is; they are nil when not shown.
type Class struct {
	Encoding Encoding
	// APIVersion and Kind are the object's TypeMeta (Protobuf) or its
	// top-level "apiVersion" and "kind" (JSON) when they lie in the prefix.
	APIVersion, Kind []byte
	// Provider ("aescbc", "aesgcm", "secretbox", "kms"), ProviderVersion
	// ("v1", "v2") and KeyName are set for Encrypted.
	Provider, ProviderVersion, KeyName []byte
}

var (
	protoMagic = []byte("k8s\x00")
	encMagic   = []byte("k8s:enc:")
)

// Classify reads at most MaxPrefix bytes of v.
func Classify(v []byte) Class {
	w := v[:min(len(v), MaxPrefix)]
	switch {
	case bytes.HasPrefix(w, protoMagic):
		return classifyProtobuf(v, w)
	case bytes.HasPrefix(w, encMagic):
		return classifyEncrypted(v, w)
	}
	if i := skipSpace(w, 0); i < len(w) && w[i] == '{' {
		return classifyJSON(w, i, len(w) == len(v))
	}
	return Class{}
}

// providers are kube-apiserver's encrypting providers and the envelope
// versions each writes; identity writes the plain envelope.
var providers = []struct{ name, version string }{
	{"aescbc", "v1"}, {"aesgcm", "v1"}, {"secretbox", "v1"}, {"kms", "v1"}, {"kms", "v2"},
}

// classifyEncrypted reads "k8s:enc:<provider>:<version>:<key name>:"; the
// whole prefix must lie in the window and ciphertext must follow it.
func classifyEncrypted(v, w []byte) Class {
	rest := w[len(encMagic):]
	var fields [3][]byte
	for i := range fields {
		j := bytes.IndexByte(rest, ':')
		if j <= 0 || j > maxName {
			return Class{}
		}
		fields[i], rest = rest[:j], rest[j+1:]
	}
	known := false
	for _, p := range providers {
		known = known || (string(fields[0]) == p.name && string(fields[1]) == p.version)
	}
	if !known || !isName(fields[2]) {
		return Class{}
	}
	headLen := len(w) - len(rest)
	if len(v) <= headLen {
		return Class{} // an envelope with no ciphertext
	}
	return Class{Encoding: Encrypted, Provider: fields[0], ProviderVersion: fields[1], KeyName: fields[2]}
}

// isName accepts a key name as printable ASCII without ':' (the envelope's
// separator) or space; anything else is not one kube-apiserver wrote.
func isName(b []byte) bool {
	if len(b) == 0 || len(b) > maxName {
		return false
	}
	for _, c := range b {
		if c <= ' ' || c > '~' || c == ':' {
			return false
		}
	}
	return true
}

// classifyProtobuf reads runtime.Unknown's field 1 (TypeMeta: apiVersion
// field 1, kind field 2) from the window, and checks that the next field's
// declared length, if its header is in the window, fits in the value.
func classifyProtobuf(v, w []byte) Class {
	p := len(protoMagic)
	tag, p, ok := varint(w, p)
	if !ok || tag != 1<<3|2 {
		return Class{}
	}
	n, p, ok := varint(w, p)
	if !ok || n > uint64(len(w)-p) {
		return Class{} // TypeMeta runs past the window or the value
	}
	tm := w[p : p+int(n)]
	p += int(n)
	c := Class{Encoding: Protobuf}
	for q := 0; q < len(tm); {
		var t, l uint64
		if t, q, ok = varint(tm, q); !ok || t&7 != 2 {
			return Class{}
		}
		if l, q, ok = varint(tm, q); !ok || l > uint64(len(tm)-q) {
			return Class{}
		}
		s := tm[q : q+int(l)]
		q += int(l)
		switch t >> 3 {
		case 1:
			if !isAPIVersion(s) {
				return Class{}
			}
			c.APIVersion = s
		case 2:
			if !isKind(s) {
				return Class{}
			}
			c.Kind = s
		default:
			return Class{} // TypeMeta has no other fields
		}
	}
	// The next field (raw, 2; contentEncoding, 3; contentType, 4) must be
	// length-delimited and fit in the value. A header cut by the end of
	// the window cannot be checked; cut by the end of the value, it lies.
	whole := len(w) == len(v)
	if p < len(w) {
		t, q, ok := varint(w, p)
		if !ok {
			if q < len(w) || whole {
				return Class{}
			}
			return c
		}
		if t&7 != 2 || t>>3 < 2 || t>>3 > 4 {
			return Class{}
		}
		l, q2, ok := varint(w, q)
		if !ok {
			if q2 < len(w) || whole {
				return Class{}
			}
			return c
		}
		if l > uint64(len(v)-q2) {
			return Class{}
		}
	}
	return c
}

// varint reads a base-128 varint of at most 10 bytes at b[p:].
func varint(b []byte, p int) (uint64, int, bool) {
	var x uint64
	for shift := uint(0); shift < 64; shift += 7 {
		if p >= len(b) {
			return 0, p, false
		}
		c := b[p]
		p++
		x |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return x, p, true
		}
	}
	return 0, p, false
}

// isKind accepts a Go type name ("Pod", "CronTab"); empty is allowed
// (TypeMeta is marshalled even when unset).
func isKind(b []byte) bool {
	if len(b) > maxName {
		return false
	}
	for _, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// isAPIVersion accepts "v1" or "<group>/<version>" with DNS characters.
func isAPIVersion(b []byte) bool {
	if len(b) > maxName {
		return false
	}
	for _, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '/') {
			return false
		}
	}
	return true
}
