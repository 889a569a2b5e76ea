package main

import (
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/internal/boltkv"
	"github.com/dbinspect/dbinspect/internal/fixtures"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

// storedPairs reads every key and value etcd stored, through bbolt.
func storedPairs(t *testing.T, path string) (keys, values []string) {
	t.Helper()
	r, err := boltkv.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	seen := map[string]bool{}
	err = r.ForEach("key", func(_, v []byte) error {
		var kv mvccpb.KeyValue
		if err := kv.Unmarshal(v); err != nil {
			return err
		}
		if k := string(kv.Key); !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
		values = append(values, string(kv.Value))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys, values
}

// Ensure no stored value appears in any output, and that with
// --redact-keys no key name does either, in text, JSON and HTML alike.
func TestNoValueOrRedactedKeyInAnyOutput(t *testing.T) {
	f := fixtures.Get(t, "k8s-v3.6")
	path := fixtures.Path(t, f)
	keys, values := storedPairs(t, path)
	var probes []string
	for _, v := range values {
		// A value's distinctive middle: short values could occur anywhere
		// by chance, so probe only values long enough to be specific.
		if len(v) >= 16 {
			probes = append(probes, v[len(v)/2-8:len(v)/2+8])
		}
	}
	if len(probes) < 100 {
		t.Fatalf("only %d values to probe; the fixture is not what this test expects", len(probes))
	}
	var outputs []string
	for _, args := range [][]string{
		{"report", path}, {"report", "-o", "json", path}, {"report", "-o", "html", path},
		{"keys", "--redact-keys", path}, {"report", "--redact-keys", "-o", "json", path},
		{"report", "--redact-keys", "-o", "html", path}, {"report", "--redact-keys", path},
	} {
		code, out, errOut := runCLI(t, args...)
		if code != 0 {
			t.Fatalf("%q: exit %d: %s", args, code, errOut)
		}
		for _, p := range probes {
			if strings.Contains(out, p) {
				t.Fatalf("dbinspect %q printed bytes of a stored value", args[:len(args)-1])
			}
		}
		if strings.Contains(strings.Join(args, " "), "--redact-keys") {
			outputs = append(outputs, out)
		}
	}
	for _, out := range outputs {
		for _, k := range keys {
			name := k[strings.LastIndex(k, "/")+1:]
			if len(name) >= 6 && strings.Contains(out, "/"+name) {
				t.Fatalf("a redacted report names key %q", k)
			}
		}
	}
}
