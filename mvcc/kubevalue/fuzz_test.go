package kubevalue

import (
	"bytes"
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/internal/boltkv"
	"github.com/dbinspect/dbinspect/internal/fixtures"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

// registryValues returns the /registry/ values of the k8s-values fixture
// (written by the real Kubernetes serializers and transformers), each
// revision's value keyed by its key, in bucket order.
func registryValues(t testing.TB) []mvccpb.KeyValue {
	t.Helper()
	r, err := boltkv.Open(fixtures.Path(t, fixtures.KubeValuesFixture(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []mvccpb.KeyValue
	err = r.ForEach("key", func(_, v []byte) error {
		var kv mvccpb.KeyValue
		if err := kv.Unmarshal(v); err != nil {
			return err
		}
		if strings.HasPrefix(string(kv.Key), "/registry/") {
			out = append(out, kv)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestClassifyRealValues: every value the real libraries wrote is
// classified as what its key says it is.
func TestClassifyRealValues(t *testing.T) {
	want := map[string]Encoding{
		"namespaces": Protobuf, "pods": Protobuf, "serviceaccounts": Encrypted,
		"stable.example.com": JSON, "example.dbinspect.io": Encrypted,
	}
	seen := map[Encoding]int{}
	for _, kv := range registryValues(t) {
		if len(kv.Value) == 0 {
			continue // a delete
		}
		key := string(kv.Key)
		c := Classify(kv.Value)
		seen[c.Encoding]++
		resource := strings.SplitN(strings.TrimPrefix(key, "/registry/"), "/", 2)[0]
		if w, ok := want[resource]; ok && c.Encoding != w {
			t.Errorf("%s: %v, want %v", key, c.Encoding, w)
		}
		if c.Encoding == Protobuf || c.Encoding == JSON {
			if len(c.Kind) == 0 || len(c.APIVersion) == 0 {
				t.Errorf("%s: %v without apiVersion/kind: %+v", key, c.Encoding, c)
			}
		}
		if c.Encoding == Encrypted && !bytes.HasPrefix(kv.Value, []byte("k8s:enc:"+string(c.Provider)+":"+string(c.ProviderVersion)+":"+string(c.KeyName)+":")) {
			t.Errorf("%s: encrypted class %+v does not match its prefix", key, c)
		}
	}
	for _, e := range []Encoding{Protobuf, JSON, Encrypted, Unknown} {
		if seen[e] == 0 {
			t.Errorf("the fixture has no %v value", e)
		}
	}
}

// FuzzClassify: never a panic, nothing read past MaxPrefix, and every
// slice of the class lies inside the prefix and is a valid name.
func FuzzClassify(f *testing.F) {
	f.Add([]byte("k8s:enc:kms:v2:name:x"))
	f.Add([]byte(`{"kind":"A","apiVersion":"v1"}`))
	f.Add(unknown("v1", "Pod", []byte("raw")))
	// Seeds: the prefix of one value of each kind of envelope the real
	// libraries wrote (cut, so the corpus stays small).
	seeded := map[string]bool{}
	for _, kv := range registryValues(f) {
		c := Classify(kv.Value)
		id := c.Encoding.String() + string(c.Kind) + string(c.Provider) + string(c.KeyName)
		if len(kv.Value) == 0 || seeded[id] {
			continue
		}
		seeded[id] = true
		f.Add(kv.Value[:min(len(kv.Value), MaxPrefix+16)])
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		c := Classify(v)
		// Bytes past the prefix change nothing but whether the value is whole.
		if len(v) > MaxPrefix {
			w := bytes.Clone(v)
			for i := MaxPrefix; i < len(w); i++ {
				w[i] = ^w[i]
			}
			if c2 := Classify(w); c2.Encoding != c.Encoding || !bytes.Equal(c2.Kind, c.Kind) || !bytes.Equal(c2.KeyName, c.KeyName) {
				t.Fatalf("bytes past the prefix changed %+v to %+v", c, c2)
			}
		}
		prefix := v[:min(len(v), MaxPrefix)]
		for _, s := range [][]byte{c.APIVersion, c.Kind, c.Provider, c.ProviderVersion, c.KeyName} {
			if len(s) > 0 && !bytes.Contains(prefix, s) {
				t.Fatalf("%q not in the prefix", s)
			}
		}
		if c.Encoding == Unknown && (c.Kind != nil || c.APIVersion != nil || c.KeyName != nil) {
			t.Fatalf("unknown with names: %+v", c)
		}
		if len(c.Kind) > 0 && !isKind(c.Kind) || len(c.APIVersion) > 0 && !isAPIVersion(c.APIVersion) {
			t.Fatalf("not names: %+v", c)
		}
		if c.Encoding == Encrypted && !isName(c.KeyName) {
			t.Fatalf("key name %q", c.KeyName)
		}
	})
}
