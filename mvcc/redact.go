package mvcc

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// redactor replaces key segments by stable hashes.
//
// The rule: a key is split on the separator; every non-empty segment
// becomes the first 12 hex digits of its SHA-256, so equal segments get
// equal hashes and prefix structure survives. For Kubernetes keys
// (/registry/<resource>/..., with a Kubernetes-aware scan) "registry" and
// the resource segments stay readable: they name API types, which the
// prefix breakdown exists to show, while namespaces and object names can
// be customer data and are hashed. A CRD's group (e.g. "example.com") is
// part of its resource name and stays readable too.
type redactor struct {
	sep   string
	k8s   bool
	cache map[string]string
}

func newRedactor(sep string, k8s bool) *redactor {
	return &redactor{sep: sep, k8s: k8s, cache: map[string]string{}}
}

// redactKey applies the redaction rule above to one key or prefix.
func redactKey(key, sep string, k8s bool) string {
	return newRedactor(sep, k8s).key(key)
}

// label redacts a prefix row's name; the rows dbinspect names itself
// ("(other)", NoPrefix) hold no key name and stay readable.
func (r *redactor) label(l string) string {
	if l == "(other)" || l == NoPrefix {
		return l
	}
	return r.key(l)
}

func (r *redactor) key(key string) string {
	keep := 0 // bytes at the start of key kept readable
	if r.k8s && r.sep == "/" {
		if p, ok := parseK8sKey(key); ok {
			keep = p.resourceEnd
		}
	}
	var b strings.Builder
	b.WriteString(key[:keep])
	rest := key[keep:]
	if r.sep == "" {
		b.WriteString(r.segment(rest))
		return b.String()
	}
	for {
		seg, after, found := strings.Cut(rest, r.sep)
		b.WriteString(r.segment(seg))
		if !found {
			break
		}
		b.WriteString(r.sep)
		rest = after
	}
	return b.String()
}

func (r *redactor) segment(s string) string {
	if s == "" {
		return ""
	}
	if h, ok := r.cache[s]; ok {
		return h
	}
	sum := sha256.Sum256([]byte(s))
	h := hex.EncodeToString(sum[:6])
	r.cache[s] = h
	return h
}
