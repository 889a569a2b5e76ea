package mvcc

import (
	"strings"
	"testing"
)

func TestParseK8sKey(t *testing.T) {
	tests := []struct {
		key, resource, namespace string
		ok                       bool
	}{
		{"/registry/pods/default/nginx", "pods", "default", true},
		{"/registry/namespaces/default", "namespaces", "", true},
		{"/registry/services/specs/kube-system/dns", "services/specs", "kube-system", true},
		{"/registry/services/endpoints/default/kubernetes", "services/endpoints", "default", true},
		{"/registry/cert-manager.io/certificates/ns1/c1", "cert-manager.io/certificates", "ns1", true},
		{"/registry/apiregistration.k8s.io/apiservices/v1.apps", "apiregistration.k8s.io/apiservices", "", true},
		{"/registry/health", "health", "", true},
		{"/app/config", "", "", false},
	}
	for _, tt := range tests {
		p, ok := parseK8sKey(tt.key)
		if ok != tt.ok {
			t.Errorf("%s: ok = %v", tt.key, ok)
			continue
		}
		if !ok {
			continue
		}
		res := strings.TrimSuffix(tt.key[len(k8sRoot):p.resourceEnd], "/")
		var ns string
		if p.namespaceEnd > 0 {
			ns = tt.key[p.resourceEnd : p.namespaceEnd-1]
		}
		if res != tt.resource || ns != tt.namespace {
			t.Errorf("%s: resource %q namespace %q, want %q %q", tt.key, res, ns, tt.resource, tt.namespace)
		}
	}
}

func TestGenericPrefix(t *testing.T) {
	tests := []struct {
		key, sep string
		depth    int
		want     string
	}{
		{"/a/b/c/d", "/", 2, "/a/b/"},
		{"/a/b", "/", 2, "/a/"},
		{"a/b/c", "/", 1, "a/"},
		{"plain", "/", 2, ""},
		{"x::y::z", "::", 1, "x::"},
	}
	for _, tt := range tests {
		if got := genericPrefix(tt.key, tt.sep, tt.depth); got != tt.want {
			t.Errorf("genericPrefix(%q, %q, %d) = %q, want %q", tt.key, tt.sep, tt.depth, got, tt.want)
		}
	}
}

// Ensure that the prefix breakdown adds up and that redaction hashes
// namespaces and names stably while keeping Kubernetes resources readable.
func TestPrefixesAndRedaction(t *testing.T) {
	m := newModel()
	m.txn(t, op{key: "/registry/pods/team-a/web-1", value: make([]byte, 100)})
	m.txn(t, op{key: "/registry/pods/team-a/web-1", value: make([]byte, 100)})
	m.txn(t, op{key: "/registry/pods/team-b/web-1", value: make([]byte, 10)})
	m.txn(t, op{key: "/registry/namespaces/team-a", value: make([]byte, 10)})
	m.txn(t, op{key: "/custom/tenant-x/thing", value: make([]byte, 10)})
	opts := DefaultOptions()
	sum, err := Scan(m.kv, opts)
	if err != nil {
		t.Fatal(err)
	}
	var total uint64
	byPrefix := map[string]PrefixStat{}
	for _, p := range sum.Prefixes {
		total += p.LiveBytes + p.HistoryBytes
		byPrefix[p.Prefix] = p
	}
	if total != sum.KeyBucketBytes {
		t.Errorf("prefix bytes %d != key bucket bytes %d", total, sum.KeyBucketBytes)
	}
	pods := byPrefix["/registry/pods/"]
	if pods.Keys != 2 || pods.Revisions != 3 || pods.Resource != "pods" || pods.HistoryBytes == 0 {
		t.Errorf("pods prefix = %+v", pods)
	}
	if sum.Prefixes[0].Prefix != "/registry/pods/" {
		t.Errorf("largest prefix = %q, want /registry/pods/", sum.Prefixes[0].Prefix)
	}
	if _, ok := byPrefix["/custom/tenant-x/"]; !ok {
		t.Errorf("no depth-2 prefix for a non-Kubernetes key: %v", sum.Prefixes)
	}
	if len(sum.PrefixesByNamespace) != 2 {
		t.Errorf("namespace prefixes = %+v", sum.PrefixesByNamespace)
	}

	opts.RedactKeys = true
	red, err := Scan(m.kv, opts)
	if err != nil {
		t.Fatal(err)
	}
	out := red.TopKeys.ByRevisions[0].Key
	if !strings.HasPrefix(out, "/registry/pods/") || strings.Contains(out, "team-a") || strings.Contains(out, "web-1") {
		t.Errorf("redacted key %q", out)
	}
	if again := redactKey("/registry/pods/team-a/web-1", "/", true); again != out {
		t.Errorf("redaction is not stable: %q vs %q", again, out)
	}
	for _, p := range append(red.Prefixes, red.PrefixesByNamespace...) {
		if strings.Contains(p.Prefix, "team-") || strings.Contains(p.Prefix, "tenant-x") || strings.Contains(p.Namespace, "team-") {
			t.Errorf("redacted prefix leaks a name: %+v", p)
		}
	}
	if got := redactKey("abc", "", false); got == "abc" || got == "" {
		t.Errorf("redaction with no separator gave %q", got)
	}
	if n := len(strings.Split(redactKey("/custom/tenant-x/thing", "/", true), "/")); n != 4 {
		t.Errorf("redaction changed the key's structure (%d segments)", n)
	}
}

// Ensure that keys with no separator (kube-apiserver's compact_rev_key, a
// bare name) are counted under the named row "(no prefix)", not a blank
// one, that the row stays readable under redaction, and that keys with a
// prefix keep theirs.
func TestKeysWithoutPrefixGetANamedRow(t *testing.T) {
	tests := []struct {
		name   string
		keys   []string
		opts   func(*Options)
		want   map[string]uint64 // row -> keys
		redact bool
	}{
		{"k8s compact key beside /registry", []string{"compact_rev_key", "/registry/pods/a/b", "plain"}, nil,
			map[string]uint64{"(no prefix)": 2, "/registry/pods/": 1}, false},
		{"redacted", []string{"compact_rev_key", "/app/x"}, func(o *Options) { o.RedactKeys, o.LiveKeySet = true, true },
			map[string]uint64{"(no prefix)": 1}, true},
		{"no leading separator keeps its prefix", []string{"app/x", "bare"}, nil,
			map[string]uint64{"app/": 1, "(no prefix)": 1}, false},
		{"other separator", []string{"a::b", "ab"}, func(o *Options) { o.PrefixSeparator = "::" },
			map[string]uint64{"a::": 1, "(no prefix)": 1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newModel()
			for _, k := range tt.keys {
				m.txn(t, op{key: k, value: make([]byte, 10)})
			}
			opts := DefaultOptions()
			if tt.opts != nil {
				tt.opts(&opts)
			}
			sum, err := Scan(m.kv, opts)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]uint64{}
			for _, p := range sum.Prefixes {
				if p.Prefix == "" {
					t.Errorf("a prefix row has no name: %+v", p)
				}
				got[p.Prefix] = p.Keys
			}
			for row, keys := range tt.want {
				if got[row] != keys {
					t.Errorf("row %q holds %d keys, want %d (rows %v)", row, got[row], keys, got)
				}
			}
			if tt.redact {
				for _, l := range sum.LiveKeySet.Labels {
					if l == "" {
						t.Errorf("live key set (diff's per-prefix keys) has an unnamed label: %q", sum.LiveKeySet.Labels)
					}
				}
			}
		})
	}
}
