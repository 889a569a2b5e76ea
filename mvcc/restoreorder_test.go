package mvcc

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
	"github.com/dbinspect/dbinspect/pages"
)

// restoredKeys lists the keys of the key bucket's pairs that etcd restores,
// in bucket order, read independently of the scanner.
func restoredKeys(t *testing.T, src KVReader) []string {
	t.Helper()
	var out []string
	var kv keyValue
	if err := src.ForEach("key", func(k, v []byte) error {
		bk, err := ParseBucketKey(k)
		if err != nil || bk.Main < 1 || decodeKeyValue(v, &kv) != nil {
			return nil
		}
		out = append(out, string(kv.Key))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkOrder fails unless o numbers want's keys by first appearance and
// ranks them in byte order.
func checkOrder(t *testing.T, o *RestoreOrder, want []string) {
	t.Helper()
	if o == nil {
		t.Fatal("no restore order")
	}
	if len(o.Keys) != len(want) {
		t.Fatalf("%d revisions in the order, want %d", len(o.Keys), len(want))
	}
	ids := map[string]uint32{}
	var names []string
	for i, k := range want {
		id, ok := ids[k]
		if !ok {
			id = uint32(len(names))
			ids[k] = id
			names = append(names, k)
		}
		if o.Keys[i] != id {
			t.Fatalf("revision %d: key id %d, want %d", i, o.Keys[i], id)
		}
	}
	sorted := slices.Clone(names)
	sort.Strings(sorted)
	if len(o.Ranks) != len(names) {
		t.Fatalf("%d ranks, want %d", len(o.Ranks), len(names))
	}
	for id, name := range names {
		if r := o.Ranks[id]; sorted[r] != name {
			t.Fatalf("key %d: rank %d, which is %q's", id, r, sorted[r])
		}
	}
}

// scanOrder is Scan with Options.RestoreOrder, failing unless the sorted
// pass (sorted true) or the key table made the order.
func scanOrder(t *testing.T, src KVReader, opts Options, sorted bool) *Summary {
	t.Helper()
	opts.RestoreOrder = true
	sum, sc, err := scanMode(src, opts, false, nil, sorted, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := sc.sorted != nil; got != sorted {
		t.Fatalf("order made by the sorted pass: %v, want %v", got, sorted)
	}
	return sum
}

// orderWorkload writes keys that exercise the sorted pass's name sort:
// clusters past 256 keys (the radix sort), suffixes that tie on their
// first 16 bytes, nested prefix rows, keys without a prefix, zero and
// 0xff bytes, a key that is its row's label, multi-key transactions,
// deletes and rewrites.
func orderWorkload(t *testing.T, seed uint64) *model {
	m := newModel()
	rng := rand.New(rand.NewPCG(seed, 11))
	long := "-a-very-long-shared-part-of-the-name-"
	var names []string
	for i := range 700 {
		names = append(names, fmt.Sprintf("/registry/pods/ns-%d/%s%d", i%3, long[:rng.IntN(len(long))], rng.IntN(1000)))
	}
	for i := range 300 {
		names = append(names, fmt.Sprintf("/registry/nodes/node-%05d", i), fmt.Sprintf("/app/cfg/x%s%d", long, i%40))
	}
	names = append(names, "/registry/health", "/registry/pods", "compact_rev_key", "a", "zz", "\x00", "/app/", "/app/cfg", "/app/cfg/",
		"/app/cfg/\x00\xff", "/app/cfg/\xff", "/app/x/y/z", "/app/x", "/", "//", "/registry/pods/ns-1/", "/registry/pods/ns-1/\x00")
	for step := range 3000 {
		var ops []op
		seen := map[string]bool{}
		for range 1 + rng.IntN(3) {
			k := names[rng.IntN(len(names))]
			if step < len(names) {
				k = names[step] // every name at least once
			}
			if seen[k] {
				continue
			}
			seen[k] = true
			if rng.IntN(5) == 0 {
				ops = append(ops, op{del: true, key: k})
			} else {
				ops = append(ops, op{key: k, value: []byte("v")})
			}
		}
		m.txn(t, ops...)
	}
	return m
}

// The sorted pass's order equals the one read independently, with and
// without Kubernetes rows, with a key filter (its keys outside count too),
// and with pairs the scan does not restore.
func TestRestoreOrderSortedPass(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		m := orderWorkload(t, seed)
		for _, tc := range []struct {
			name string
			opts func(*Options)
		}{
			{"default", func(*Options) {}},
			{"no k8s", func(o *Options) { o.K8s = false }},
			{"depth 3", func(o *Options) { o.PrefixDepth = 3 }},
			{"filter", func(o *Options) { o.Filter = KeyFilter{Prefix: "/registry/pods/ns-1/"} }},
			// Keys outside the filter inside a row of keys in it.
			{"filter inside a row", func(o *Options) { o.Filter = KeyFilter{Prefix: "/registry/pods/ns-1/-a-very"} }},
		} {
			t.Run(fmt.Sprintf("%d/%s", seed, tc.name), func(t *testing.T) {
				opts := DefaultOptions()
				tc.opts(&opts)
				checkOrder(t, scanOrder(t, m.kv, opts, true).RestoreOrder, restoredKeys(t, m.kv))
			})
		}
	}
	// Pairs that are not restored (a revision 0, a value that is not a
	// KeyValue) are skipped by both reads.
	m := orderWorkload(t, 4)
	m.kv.put("key", []byte{0, 0, 0, 0, 0, 0, 0, 0, '_', 0, 0, 0, 0, 0, 0, 0, 0}, []byte("x"))
	b := m.kv.buckets["key"]
	b[len(b)/2][1] = []byte{0xff, 0xff}
	want := restoredKeys(t, m.kv)
	sum := scanOrder(t, m.kv, DefaultOptions(), true)
	if sum.Malformed.Count != 2 {
		t.Fatalf("%d malformed pairs, want 2", sum.Malformed.Count)
	}
	checkOrder(t, sum.RestoreOrder, want)
}

func TestRestoreOrderHandSequence(t *testing.T) {
	m := newModel()
	for _, k := range []string{"b", "a", "b", "c", "a"} {
		m.txn(t, op{key: k, value: []byte("v")})
	}
	m.txn(t, op{key: "c", del: true})
	m.txn(t, op{key: "ab", value: []byte("v")}, op{key: "b", value: []byte("w")})
	for _, mode := range []bool{true, false} {
		o := scanOrder(t, m.kv, DefaultOptions(), mode).RestoreOrder
		// b a b c a c(delete) ab b: ids b=0 a=1 c=2 ab=3; order a ab b c.
		if want := []uint32{0, 1, 0, 2, 1, 2, 3, 0}; !slices.Equal(o.Keys, want) {
			t.Errorf("sorted pass %v: keys %v, want %v", mode, o.Keys, want)
		}
		if want := []uint32{2, 0, 3, 1}; !slices.Equal(o.Ranks, want) {
			t.Errorf("sorted pass %v: ranks %v, want %v", mode, o.Ranks, want)
		}
	}
	sum, err := Scan(m.kv, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if sum.RestoreOrder != nil {
		t.Error("restore order recorded without Options.RestoreOrder")
	}
}

func TestRestoreOrderModels(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		m := newModel()
		rng := rand.New(rand.NewPCG(seed, 7))
		randomWorkload(t, m, rng, 3000, 1500) // enough keys to grow the table
		for _, sorted := range []bool{true, false} {
			checkOrder(t, scanOrder(t, m.kv, DefaultOptions(), sorted).RestoreOrder, restoredKeys(t, m.kv))
		}
	}
}

func TestRestoreOrderFixtures(t *testing.T) {
	for _, fx := range fixtures.All(t) {
		t.Run(fx.Name, func(t *testing.T) {
			f, err := pages.Open(fixtures.Path(t, fx))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			opts := DefaultOptions()
			opts.RestoreOrder = true
			sum, sc, err := scanMode(f, opts, false, nil, true, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(sum.ReadErrors) > 0 {
				return // restoredKeys does not skip what the scanner skips on damage
			}
			if sc.sorted == nil {
				t.Error("the key table made the order")
			}
			checkOrder(t, sum.RestoreOrder, restoredKeys(t, f))
			if got := uint64(len(sum.RestoreOrder.Keys)); got != sum.TotalRevisions {
				t.Errorf("%d revisions in the order, summary has %d", got, sum.TotalRevisions)
			}
		})
	}
}

// BenchmarkRestoreOrderManyKeys is Scan on manyKeysTable (1M keys, ~1.88M
// revisions) without and with Options.RestoreOrder: the difference is what
// recording the restore order costs `report` (CPU, allocations, peak heap).
func BenchmarkRestoreOrderManyKeys(b *testing.B) {
	kv := manyKeysTable(b)
	for _, on := range []bool{false, true} {
		name := "off"
		if on {
			name = "on"
		}
		b.Run(name, func(b *testing.B) {
			opts := DefaultOptions()
			opts.RestoreOrder = on
			var sum *Summary
			var peak uint64
			b.ReportAllocs()
			for b.Loop() {
				peak = max(peak, peakHeap(func() {
					var err error
					if sum, err = Scan(kv, opts); err != nil {
						b.Fatal(err)
					}
					runtime.KeepAlive(sum)
				}))
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			if o := sum.RestoreOrder; o != nil {
				b.ReportMetric(float64(4*len(o.Keys)+4*len(o.Ranks))/float64(len(o.Keys)), "kept-bytes/revision")
			}
		})
	}
}

// The name sort on names with long shared prefixes, names that are
// prefixes of others, zero bytes and groups large enough for the radix
// sort, against sort.Strings.
func TestRestoreOrderSortByName(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte{0, 1, 'a', 'b', '/', 0xff}
	for _, n := range []int{0, 1, 2, 50, 127, 128, 129, 3000, 20000} {
		r := newOrderRecorder()
		seen := map[string]bool{}
		var names []string
		for len(names) < n {
			var b []byte
			switch rng.IntN(3) {
			case 0:
				b = []byte("/registry/pods/ns-" + string(rune('a'+rng.IntN(3))) + "/")
			case 1:
				b = []byte("/registry/pods/")
			}
			for range rng.IntN(20) {
				b = append(b, alphabet[rng.IntN(len(alphabet))])
			}
			if seen[string(b)] {
				continue
			}
			seen[string(b)] = true
			names = append(names, string(b))
			r.add(b)
		}
		o := r.order()
		checkOrder(t, o, names)
	}
}
