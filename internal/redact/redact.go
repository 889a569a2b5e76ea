package redact

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"
)

// Hasher hashes names: the first 12 hex digits of SHA-256 of the name, or
// of HMAC-SHA256 keyed with the salt when there is one. Equal names get
// equal hashes, in every output and in every run with the same salt.
// Without a salt a guessed name (a namespace called "kube-system") can be
// confirmed by hashing it; a salt kept private prevents that.
type Hasher struct {
	salt  []byte
	cache map[string]string
}

// New returns a Hasher with the salt ("" for none). A Hasher is not safe
// for concurrent use.
func New(salt string) *Hasher {
	h := &Hasher{cache: map[string]string{}}
	if salt != "" {
		h.salt = []byte(salt)
	}
	return h
}

// Name is s's hash; "" stays "".
func (h *Hasher) Name(s string) string {
	if s == "" {
		return ""
	}
	if v, ok := h.cache[s]; ok {
		return v
	}
	var sum []byte
	if h.salt != nil {
		m := hmac.New(sha256.New, h.salt)
		m.Write([]byte(s))
		sum = m.Sum(nil)
	} else {
		s := sha256.Sum256([]byte(s))
		sum = s[:]
	}
	v := hex.EncodeToString(sum[:6])
	if len(h.cache) < 1<<16 { // bounded: a caller may hash millions of names
		h.cache[s] = v
	}
	return v
}

// URL keeps a URL's scheme and port and hashes its host (and drops any
// user, path and query): "https://etcd-0.corp.example:2380" becomes
// "https://host-1a2b3c4d5e6f:2380". Anything that does not parse as a URL
// with a host is hashed whole.
func (h *Hasher) URL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "url-" + h.Name(s)
	}
	out := u.Scheme + "://host-" + h.Name(u.Hostname())
	if p := u.Port(); p != "" {
		out += ":" + p
	}
	return out
}

// Path hashes a file path, keeping the names etcd itself gives its files
// (member, snap, db) so a resolved path still reads as a data dir layout:
// "/srv/acme/etcd/member/snap/db" becomes "path-1a2b3c4d5e6f/member/snap/db".
func (h *Hasher) Path(p string) string {
	if p == "" || p == "-" {
		return p
	}
	rest := strings.TrimRight(p, "/")
	var tail []string
	for {
		i := strings.LastIndex(rest, "/")
		base := rest[i+1:]
		if !etcdNames[base] {
			break
		}
		tail = append([]string{base}, tail...)
		if i < 0 {
			rest = ""
			break
		}
		rest = rest[:i]
	}
	if rest == "" {
		return strings.Join(tail, "/") // nothing but etcd's own names
	}
	out := "path-" + h.Name(rest)
	for _, t := range tail {
		out += "/" + t
	}
	return out
}

var etcdNames = map[string]bool{"member": true, "snap": true, "db": true}
