package predict

import (
	"fmt"
	"math"
	"runtime"
	"testing"

	"github.com/dbinspect/dbinspect/mvcc"
)

// TestGoMapBytesHand checks goMapBytes against sizes worked out by hand
// from internal/runtime/maps (group = 8 + 8 x slot bytes, in its size
// class; table 32 B; directory 8 B a table; header 48 B).
func TestGoMapBytesHand(t *testing.T) {
	for _, tc := range []struct {
		n, slot, want int64
	}{
		{0, 24, 48},
		{1, 24, 48 + 208},                           // one group of 200 B
		{8, 24, 48 + 208},                           // the small map holds 8
		{9, 24, 48 + 8 + 32 + 416},                  // a 16-slot table: 2 groups
		{14, 24, 48 + 8 + 32 + 416},                 // 7/8 of 16
		{15, 24, 48 + 8 + 32 + 896},                 // 32 slots: 800 B in the 896 B class
		{100, 24, 48 + 8 + 32 + 3456},               // 128 slots
		{896, 24, 48 + 8 + 32 + 27264},              // 1024 slots: 25600 B + malloc header -> 27264
		{10, 16, 48 + 8 + 32 + 288},                 // LeaseID -> pointer: 136 B groups
		{896, 16, 48 + 8 + 32 + 18432},              // 17408 B -> 18432
		{500000, 16, 0},                             // tables checked below
		{1500000, 24, 48 + 18432 + 2048*(32+27264)}, // 732 a table, none near 896; directory 16 KiB + header
	} {
		got := goMapBytes(tc.n, tc.slot)
		if tc.want == 0 {
			// 976 +- 31 a table at depth 9: 0.5% of them (2.6) stay unsplit.
			tables := goMapTables(tc.n)
			if math.Abs(tables-1021.4) > 0.5 {
				t.Errorf("tables(%d) = %.2f, want 1021.4", tc.n, tables)
			}
			continue
		}
		if got != tc.want {
			t.Errorf("goMapBytes(%d, %d) = %d, want %d", tc.n, tc.slot, got, tc.want)
		}
	}
	// At 2 x 896 + 1 entries about half the maps split their second
	// table: 3 tables expected, as the runtime shows.
	if got := goMapTables(1793); math.Abs(got-3) > 0.05 {
		t.Errorf("tables(1793) = %.3f, want ~3", got)
	}
}

type leaseItem struct{ Key string }

// TestGoMapBytesRuntime checks goMapBytes against the maps this Go runtime
// builds: the lessor's own key and element types, filled one insert at a
// time, the live heap read after GCs. Within 1% at sizes no table is near
// its split (those are deterministic); 8% elsewhere (which tables split
// depends on the random hash seed).
func TestGoMapBytesRuntime(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates ~100 MB")
	}
	heap := func() int64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return int64(m.HeapAlloc)
	}
	for _, tc := range []struct {
		n   int
		tol float64
	}{{1, 0.01}, {8, 0.01}, {9, 0.01}, {100, 0.01}, {700, 0.01}, {1793, 0.08}, {20000, 0.08}, {300000, 0.08}} {
		keys := make([]string, tc.n)
		for i := range keys {
			keys[i] = fmt.Sprintf("/registry/leases/obj-%07d", i)
		}
		var sink []any
		reps := max(1, 20000/tc.n)
		h0 := heap()
		for r := 0; r < reps; r++ {
			set := make(map[leaseItem]struct{})
			byKey := make(map[leaseItem]int64)
			byID := make(map[int64]*int)
			for i, k := range keys {
				set[leaseItem{k}] = struct{}{}
				byKey[leaseItem{k}] = int64(i)
				byID[int64(i)*7919+1] = nil
			}
			sink = append(sink, set, byKey, byID)
		}
		got := float64(heap()-h0-int64(mvcc.GoAllocBytes(uint64(cap(sink))*16, false))) / float64(reps)
		want := float64(2*goMapBytes(int64(tc.n), itemSlotBytes) + goMapBytes(int64(tc.n), leaseSlotBytes))
		if e := math.Abs(got-want) / got; e > tc.tol {
			t.Errorf("%d entries: runtime %.0f B, model %.0f B (%.1f%%)", tc.n, got, want, 100*e)
		}
		runtime.KeepAlive(sink)
		runtime.KeepAlive(keys)
	}
}

// TestPredictLessor works one lessor out by hand.
func TestPredictLessor(t *testing.T) {
	in := LessorInput{
		Leases: 10, LeasedKeys: 100, KeyAllocBytes: 100 * 48, LongTTL: 4,
		KeysPerLease: []mvcc.KeysPerLeaseCount{{Keys: 0, Leases: 2}, {Keys: 5, Leases: 4}, {Keys: 20, Leases: 4}},
	}
	l := predictLessor(in)
	want := LessorMemory{
		Leases: 10, LeasedKeys: 100, LongTTLLeases: 4,
		LeaseObjectBytes: 10 * (112 + 112 + 48),
		ItemSetBytes:     4*208 + 4*(8+32+896), // 5 keys: one group; 20 keys: 32 slots
		LeaseMapBytes:    48 + 8 + 32 + 288,    // 10 entries of 16 B: 16 slots
		ItemMapBytes:     48 + 8 + 32 + 3456,   // 100 of 24 B: 128 slots
		KeyStringBytes:   4800,
		ExpiryQueueBytes: 10*48 + (48 + 8 + 32 + 288) + 128, // heap slice grown to 16 slots
		CheckpointBytes:  4*48 + 32,                         // 4 slots
	}
	want.FollowerBytes = want.LeaseObjectBytes + want.ItemSetBytes + want.LeaseMapBytes + want.ItemMapBytes + want.KeyStringBytes
	want.LeaderBytes = want.FollowerBytes + want.ExpiryQueueBytes
	if l != want {
		t.Errorf("got  %+v\nwant %+v", l, want)
	}
	if z := predictLessor(LessorInput{}); z != (LessorMemory{}) {
		t.Errorf("no leases: %+v", z)
	}
	// Without a distribution the keys spread evenly: 10 a lease.
	even := predictLessor(LessorInput{Leases: 10, LeasedKeys: 100})
	if even.ItemSetBytes != 10*(8+32+416) {
		t.Errorf("even spread item sets %d, want %d", even.ItemSetBytes, 10*(8+32+416))
	}
}
