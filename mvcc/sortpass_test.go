package mvcc

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
	"github.com/dbinspect/dbinspect/pages"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

// sortedVsTable scans src with the sorted pass and with the key table and
// fails unless the two summaries' JSON and the compaction filters' answers
// on every pair of the key bucket are the same. sorted tells whether the
// sorted pass held the db (it may hand it to the key table).
func sortedVsTable(t *testing.T, src KVReader, opts Options) (sorted bool) {
	t.Helper()
	var keeps [2]*CompactionFilter
	var sums [2]*Summary
	for i, mode := range []bool{true, false} {
		sum, sc, err := scanMode(src, opts, true, func(sc *scanner) {
			switch {
			case len(sc.readErrors) > 0:
			case sc.sout != nil:
				keeps[i] = sc.sout.keep
			default:
				keeps[i] = keepFilter(sc.whatIf, sc.unrestorable)
			}
		}, mode)
		if err != nil {
			t.Fatal(err)
		}
		sums[i] = sum
		if mode {
			sorted = sc.sout != nil
		}
	}
	a, err := json.Marshal(sums[0])
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(sums[1])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Errorf("sorted pass and key table differ:\nsorted %s\ntable  %s", firstDiff(a, b), firstDiff(b, a))
	}
	if (keeps[0] == nil) != (keeps[1] == nil) {
		t.Fatalf("compaction filter: sorted %v, table %v", keeps[0] != nil, keeps[1] != nil)
	}
	if keeps[0] != nil {
		_ = src.ForEach("key", func(k, _ []byte) error {
			if x, y := keeps[0].Keep("key", k), keeps[1].Keep("key", k); x != y {
				t.Errorf("compaction filter on %x: sorted %v, table %v", k, x, y)
			}
			return nil
		})
	}
	return sorted
}

// firstDiff is a above the first byte where it differs from b, with some
// context.
func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return string(a[max(0, i-200):min(len(a), i+200)])
}

// sortedOptions are the option sets the sorted pass is compared under.
func sortedOptions() map[string]Options {
	d := DefaultOptions()
	out := map[string]Options{"default": d}
	o := d
	o.TopN = 1
	out["top1"] = o
	o = d
	o.K8s = false
	o.PrefixDepth = 1
	out["no-k8s"] = o
	o = d
	o.RedactKeys, o.RedactSalt = true, "salt"
	out["redact"] = o
	o = d
	o.Filter = KeyFilter{Prefix: "/registry/"}
	out["filter-prefix"] = o
	o = d
	o.Filter = KeyFilter{Namespace: "default"}
	out["filter-ns"] = o
	o = d
	o.CompactAt = 5
	out["compact-5"] = o
	o = d
	o.MaxPrefixes = 2
	out["max-prefixes-2"] = o
	return out
}

// Ensure that the sorted key pass gives the key table's summary, byte for
// byte in JSON, and the same compaction filter, on every fixture (through
// dbinspect's page reader) under several option sets.
func TestSortedPassMatchesTable(t *testing.T) {
	for _, f := range fixtures.All(t) {
		t.Run(f.Name, func(t *testing.T) {
			pf, err := pages.Open(fixtures.Path(t, f))
			if err != nil {
				t.Fatal(err)
			}
			defer pf.Close()
			for name, opts := range sortedOptions() {
				opts.DataSize = int64(pf.Meta().HighWater) * int64(pf.PageSize())
				if !sortedVsTable(t, pf, opts) {
					t.Errorf("%s: the sorted pass handed the fixture to the key table", name)
				}
			}
		})
	}
}

// Ensure the same on generated histories: random workloads (Txns, leases,
// deletes of deleted keys, compactions) and the many-key table's shape.
func TestSortedPassMatchesTableModels(t *testing.T) {
	for seed := range uint64(20) {
		m := tombstoneWorkload(t, seed)
		if seed%3 == 0 {
			m.compact(t, m.rev/2, seed%2 == 0)
		}
		for name, opts := range sortedOptions() {
			if !sortedVsTable(t, m.kv, opts) {
				t.Errorf("seed %d %s: handed to the key table", seed, name)
			}
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	m := newModel()
	randomWorkload(t, m, rng, 3000, 26)
	sortedVsTable(t, m.kv, DefaultOptions())
}

// Ensure that what the sorted pass cannot hold exactly goes to the key
// table with the same result: two pairs with one revision, a large sub
// revision, a huge main revision range.
func TestSortedPassFallsBack(t *testing.T) {
	val := func(key string, create, ver int64) []byte {
		return encodeKV(t, key, create, ver)
	}
	cases := map[string][][2][]byte{
		"duplicate revision": {
			{appendBucketKey(nil, BucketKey{Revision: Revision{Main: 2}}), val("/a", 2, 1)},
			{appendBucketKey(nil, BucketKey{Revision: Revision{Main: 2}, Tombstone: true}), val("/a", 0, 0)},
		},
		"large sub": {
			{appendBucketKey(nil, BucketKey{Revision: Revision{Main: 2, Sub: 1 << 13}}), val("/a", 2, 1)},
		},
		"main range": {
			{appendBucketKey(nil, BucketKey{Revision: Revision{Main: 2}}), val("/a", 2, 1)},
			{appendBucketKey(nil, BucketKey{Revision: Revision{Main: 2 + 1<<32}}), val("/b", 2+1<<32, 1)},
		},
	}
	for name, pairs := range cases {
		kv := newMemKV()
		for _, p := range pairs {
			kv.put("key", p[0], p[1])
		}
		if sortedVsTable(t, kv, DefaultOptions()) {
			t.Errorf("%s: the sorted pass kept it", name)
		}
	}
}

func encodeKV(t *testing.T, key string, create, ver int64) []byte {
	t.Helper()
	v, err := (&mvccpb.KeyValue{Key: []byte(key), CreateRevision: create, ModRevision: create, Version: ver, Value: []byte("x")}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Ensure that countDist's percentiles are distribution32's, with values
// on both sides of countDistSmall.
func TestCountDistMatchesDistribution32(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 2, 3, 10, 99, 100, 101, 1000, 5000} {
		var d countDist
		xs := make([]uint32, 0, n)
		for range n {
			v := uint32(1 + rng.IntN(8))
			if rng.IntN(10) == 0 {
				v = uint32(countDistSmall - 2 + rng.IntN(5))
			}
			if rng.IntN(50) == 0 {
				v = uint32(rng.IntN(1 << 20))
			}
			d.add(v)
			xs = append(xs, v)
		}
		if got, want := d.distribution(), distribution32(xs); got != want {
			t.Errorf("n=%d: %+v, want %+v", n, got, want)
		}
	}
}
