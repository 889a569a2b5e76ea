package mvcc

import (
	"hash/maphash"
	"math/rand/v2"
	"slices"
	"testing"
)

// Ensure the live key set holds exactly the model's live keys, each under
// the prefix the prefix list names it by (hashed alike when redacting),
// sorted by hash, and nothing when not asked for.
func TestLiveKeySet(t *testing.T) {
	m := newModel()
	randomWorkload(t, m, rand.New(rand.NewPCG(7, 8)), 300, 6)
	for _, redact := range []bool{false, true} {
		o := DefaultOptions()
		o.LiveKeySet, o.RedactKeys = true, redact
		sum, err := Scan(m.kv, o)
		if err != nil {
			t.Fatal(err)
		}
		set := sum.LiveKeySet
		want := map[uint64]string{}
		for k, mk := range m.keys {
			if mk.live {
				label := "/app/cfg/"
				if p, ok := parseK8sKey(k); ok {
					label = k[:p.resourceEnd]
				}
				if redact {
					label = redactKey(label, "/", true)
				}
				want[maphash.String(liveKeySeed, k)] = label
			}
		}
		if len(set.Hashes) != len(want) || len(set.Prefix) != len(want) || uint64(len(want)) != sum.LiveKeys {
			t.Fatalf("redact %v: %d hashes, %d prefixes; want %d live keys", redact, len(set.Hashes), len(set.Prefix), len(want))
		}
		if !slices.IsSorted(set.Hashes) {
			t.Errorf("redact %v: hashes not sorted", redact)
		}
		listed := map[string]bool{}
		for _, p := range sum.Prefixes {
			listed[p.Prefix] = true
		}
		for i, h := range set.Hashes {
			got := set.Labels[set.Prefix[i]]
			if want[h] != got || !listed[got] {
				t.Errorf("redact %v: key hash %x under %q, want %q (listed: %v)", redact, h, got, want[h], listed[got])
			}
		}
	}
	sum, err := Scan(m.kv, DefaultOptions())
	if err != nil || sum.LiveKeySet != nil {
		t.Errorf("a scan not asked for the set has one (err %v)", err)
	}
}
