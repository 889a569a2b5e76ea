package mvcc

import (
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

func TestRestoreOrderHandSequence(t *testing.T) {
	m := newModel()
	for _, k := range []string{"b", "a", "b", "c", "a"} {
		m.txn(t, op{key: k, value: []byte("v")})
	}
	m.txn(t, op{key: "c", del: true})
	m.txn(t, op{key: "ab", value: []byte("v")}, op{key: "b", value: []byte("w")})
	for _, mode := range []bool{true, false} {
		opts := DefaultOptions()
		opts.RestoreOrder = true
		sum, _, err := scanMode(m.kv, opts, false, nil, mode)
		if err != nil {
			t.Fatal(err)
		}
		o := sum.RestoreOrder
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
		opts := DefaultOptions()
		opts.RestoreOrder = true
		sum, err := Scan(m.kv, opts)
		if err != nil {
			t.Fatal(err)
		}
		checkOrder(t, sum.RestoreOrder, restoredKeys(t, m.kv))
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
			sum, err := Scan(f, opts)
			if err != nil {
				t.Fatal(err)
			}
			if sum.Malformed.Count > 0 || len(sum.ReadErrors) > 0 {
				return // restoredKeys does not skip what the scanner skips on damage
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
