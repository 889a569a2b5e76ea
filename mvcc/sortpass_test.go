package mvcc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
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
		}, mode, nil)
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
// table with the same result (two pairs with one revision, a huge main
// revision range), and that what its records hold only in side maps
// gives the key table's figures (sub revisions, a value of 16 MiB, keys
// over 1 KiB).
func TestSortedPassFallsBack(t *testing.T) {
	val := func(key string, create, ver int64) []byte {
		return encodeKV(t, key, create, ver)
	}
	bk := func(main, sub int64, tomb bool) []byte {
		return appendBucketKey(nil, BucketKey{Revision: Revision{Main: main, Sub: sub}, Tombstone: tomb})
	}
	big, err := (&mvccpb.KeyValue{Key: []byte("/big"), CreateRevision: 3, ModRevision: 3, Version: 1, Value: make([]byte, 17<<20), Lease: 9}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	long := "/long/" + strings.Repeat("k", 40000)
	cases := []struct {
		name   string
		pairs  [][2][]byte
		sorted bool
	}{
		{"duplicate revision", [][2][]byte{{bk(2, 0, false), val("/a", 2, 1)}, {bk(2, 0, true), val("/a", 0, 0)}}, false},
		{"main range", [][2][]byte{{bk(2, 0, false), val("/a", 2, 1)}, {bk(2+1<<32, 0, false), val("/b", 2+1<<32, 1)}}, false},
		{"sub revisions", [][2][]byte{{bk(2, 0, false), val("/a", 2, 1)}, {bk(2, 1<<20, false), val("/b", 2, 1)}, {bk(3, 7, true), val("/b", 0, 0)}, {bk(4, 1<<40, false), val("/b", 4, 1)}}, true},
		{"big value", [][2][]byte{{bk(2, 0, false), val("/a", 2, 1)}, {bk(3, 0, false), big}, {bk(4, 0, false), val("/big", 3, 2)}}, true},
		{"long key", [][2][]byte{{bk(2, 0, false), val(long, 2, 1)}, {bk(3, 0, false), val(long, 2, 2)}, {bk(4, 0, true), val(long, 0, 0)}}, true},
	}
	// 300 Kubernetes kinds: class ids past the record's 8 bits.
	var kinds [][2][]byte
	for i := range 300 {
		kind := fmt.Sprintf("Kind%03d", i)
		tm := append([]byte{0x0a, 2, 'v', '1', 0x12, byte(len(kind))}, kind...)
		v := append(append([]byte("k8s\x00\x0a"), byte(len(tm))), tm...)
		v = append(v, 0x12, 1, 'x')
		key := fmt.Sprintf("/registry/things/ns%d/k%03d", i%7, i)
		kv, err := (&mvccpb.KeyValue{Key: []byte(key), CreateRevision: int64(2 + i), ModRevision: int64(2 + i), Version: 1, Value: v}).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, [2][]byte{bk(int64(2+i), 0, false), kv})
	}
	cases = append(cases, struct {
		name   string
		pairs  [][2][]byte
		sorted bool
	}{"many kinds", kinds, true})
	for _, c := range cases {
		kv := newMemKV()
		for _, p := range c.pairs {
			kv.put("key", p[0], p[1])
		}
		if c.name == "many kinds" {
			if sum, err := Scan(kv, DefaultOptions()); err != nil || sum.Kube == nil || len(sum.Kube.Kinds) != 300 {
				t.Fatalf("many kinds: the fixture does not hold 300 kinds (%v)", err)
			}
		}
		for name, opts := range sortedOptions() {
			if got := sortedVsTable(t, kv, opts); got != c.sorted {
				t.Errorf("%s %s: sorted pass held it: %v, want %v", c.name, name, got, c.sorted)
			}
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

// Ensure that a Kubernetes key keeps its prefix rows however the
// resources and namespaces come (the rows by namespace id grow densely,
// or go to a map when ids come far apart).
func TestSortedPassManyNamespaces(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	kv := newMemKV()
	type st struct{ create, ver int64 }
	state := map[string]*st{}
	// First a deterministic order: namespace ids 0-499 from resource a,
	// then resource b meets ns400 before its rows by id reach it.
	rev := int64(2)
	put := func(k string) {
		s := state[k]
		if s == nil {
			s = &st{create: rev}
			state[k] = s
		}
		s.ver++
		v, err := (&mvccpb.KeyValue{Key: []byte(k), CreateRevision: s.create, ModRevision: rev, Version: s.ver, Value: []byte("k8s\x00x")}).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		kv.put("key", appendBucketKey(nil, BucketKey{Revision: Revision{Main: rev}}), v)
		rev++
	}
	for i := range 500 {
		put(fmt.Sprintf("/registry/a/ns%d/x", i))
	}
	for _, ns := range []int{400, 10, 70, 200, 390, 399, 400} {
		put(fmt.Sprintf("/registry/b/ns%d/x", ns))
	}
	var keys []string
	for i := range 3000 {
		keys = append(keys, fmt.Sprintf("/registry/r%d/ns%d/k%d", rng.IntN(12), rng.IntN(900)*rng.IntN(3), i))
	}
	for range 9000 {
		put(keys[rng.IntN(len(keys))])
	}
	if !sortedVsTable(t, kv, DefaultOptions()) {
		t.Error("handed to the key table")
	}
}
