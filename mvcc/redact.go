package mvcc

import (
	"strings"

	"github.com/dbinspect/dbinspect/internal/redact"
)

// redactor replaces key segments by stable hashes.
//
// The rule: a key is split on the separator; every non-empty segment
// becomes the first 12 hex digits of its SHA-256, so equal segments get
// equal hashes and prefix structure survives. For Kubernetes keys
// (/registry/<resource>/..., with a Kubernetes-aware scan) "registry" and
// the resource segments stay readable: they name API types, which the
// prefix breakdown exists to show, while namespaces and object names can
// be customer data and are hashed (the namespace stays readable with
// keepNamespace). A CRD's group (e.g. "example.com") is part of its
// resource name and stays readable too. Hashes are internal/redact's, so
// a name hashes alike here and in the report's members, URLs and paths.
type redactor struct {
	sep           string
	k8s           bool
	keepNamespace bool
	h             *redact.Hasher
}

func newRedactor(sep string, k8s bool) *redactor {
	return &redactor{sep: sep, k8s: k8s, h: redact.New("")}
}

// KeyRedactor is the redaction rule above with o's separator, Kubernetes
// awareness, kept namespace and salt, for key names read outside the key
// scan (a WAL's requests); nil when o does not redact keys.
func KeyRedactor(o Options) func(key string) string {
	if !o.RedactKeys {
		return nil
	}
	r := newRedactor(o.PrefixSeparator, o.K8s)
	r.keepNamespace, r.h = o.RedactKeepNamespace, redact.New(o.RedactSalt)
	return r.key
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
			if r.keepNamespace && p.namespaceEnd > keep {
				keep = p.namespaceEnd
			}
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

func (r *redactor) segment(s string) string { return r.h.Name(s) }
