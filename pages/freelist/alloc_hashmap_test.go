package freelist

import (
	"slices"
	"testing"

	"github.com/dbinspect/dbinspect/pages"
	bolt "go.etcd.io/bbolt"
)

// forceHashmapTx replays one oracle transaction on the hashmap model with
// bbolt's own choices, failing if bbolt chose a span the model does not
// allow or grew the file while the model had a span that fits.
func forceHashmapTx(t *testing.T, i int, h *hashmapModel, w *txWriter, st oracleStep, oldRoot pages.Span) {
	t.Helper()
	w.Begin()
	take := func(what string, n, got uint64) {
		t.Helper()
		if got >= w.HighWater {
			if h.CanAllocate(n) {
				t.Fatalf("tx %d: bbolt grew the file for the %s (%d pages) although the model has a span that fits", i, what, n)
			}
			if got != w.HighWater {
				t.Fatalf("tx %d: bbolt put the %s at %d, the high-water mark is %d", i, what, got, w.HighWater)
			}
			w.HighWater += n
			return
		}
		if !h.AllocateAt(n, got) {
			t.Fatalf("tx %d: bbolt put the %s (%d pages) at %d, which the model does not allow; free spans %v", i, what, n, got, h.Spans())
		}
	}
	take("leaf", st.n, st.leaf)
	w.Free(oldRoot)
	take("root leaf", oldRoot.Len, st.root)
}

// Every span real bbolt's hashmap freelist picks must be one the model
// allows; replaying bbolt's picks must give its free layout page for page
// and grow the file at the transaction bbolt does.
func TestHashmapModelAllowsBboltChoices(t *testing.T) {
	for _, tc := range []struct {
		name  string
		build func(testing.TB, uint64, int) string
		seed  uint64
		keys  int
		txs   int
	}{
		{"small", buildFragmentedDB, 1, 50, 60},
		{"larger", buildFragmentedDB, 2, 80, 90},
		{"other", buildFragmentedDB, 4, 70, 80},
		{"scattered", buildScatteredDB, 5, 150, 90},
		{"scattered2", buildScatteredDB, 6, 250, 90},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.build(t, tc.seed, tc.keys)
			sizes := oracleSizes(tc.txs)
			run := runOracle(t, copyOracleFile(t, path), bolt.FreelistMapType, sizes)
			bboltGrewAt := run.firstGrowth()
			if bboltGrewAt < 0 {
				t.Fatalf("bbolt never grew the file in %d transactions (%d free pages)", len(sizes), spanPages(run.free))
			}
			h := newHashmap(run.free, 1)
			w := &txWriter{Model: h, HighWater: run.highWater}
			root := run.root
			for i, st := range run.steps {
				forceHashmapTx(t, i, h, w, st, root)
				root.Start = st.root
			}
			if w.HighWater != run.endHW {
				t.Errorf("high-water mark: model %d, bbolt %d", w.HighWater, run.endHW)
			}
			if got := freeWithPending(w); !slices.Equal(got, run.endFree) {
				t.Errorf("free pages differ:\nmodel %v\nbbolt %v", got, run.endFree)
			}

			// With sizes interleaved, when the file first grows depends on
			// the arbitrary picks. The replay above already checks bbolt's
			// own path exactly; the seeded range is only logged: Go's map
			// order is a random rotation of slot order, not uniform, so a
			// path bbolt takes often can be rare under the model's uniform
			// picks (CI once saw bbolt grow at tx 61 while 30 seeds all said
			// 69, and 2000 seeds missed tx 56 on another input). The input
			// itself varies between runs: bbolt rebalances nodes in map order.
			lo, hi := len(sizes), -1
			for seed := int64(1); seed <= 200; seed++ {
				w := &txWriter{Model: newHashmap(run.free, seed), HighWater: run.highWater}
				root, grewAt := run.root, -1
				for i, n := range sizes {
					_, r, grew := modelTx(w, n, root)
					root.Start = r
					if grew {
						grewAt = i
						break
					}
				}
				lo, hi = min(lo, grewAt), max(hi, grewAt)
			}
			t.Logf("bbolt first grew the file at tx %d; 200 model seeds say %d to %d", bboltGrewAt, lo, hi)
			t.Logf("%d free spans, %d free pages; file first grew at tx %d", len(run.free), spanPages(run.free), bboltGrewAt)
		})
	}
}

// Ensure that the map writes counted per allocation follow bbolt's
// Allocate, delSpan and addSpan, counted by hand from hashmap.go.
func TestHashmapMapWrites(t *testing.T) {
	// Spans: one of 1 page, two of 3 pages.
	free := []pages.Span{{Start: 10, Len: 1}, {Start: 20, Len: 3}, {Start: 30, Len: 3}}
	f := newHashmap(free, 1)
	steps := []struct {
		n    uint64
		want float64 // writes of this allocation alone
	}{
		// Exact size, last of its size: forward, backward, freemaps[1][10],
		// freemaps[1] itself, allocs, one cache id.
		{1, 6},
		// A 3-page span split for 2: 3 deletes (its size keeps a span),
		// allocs, 2 cache ids, and the 1-page rest: backward, forward, a new
		// freemaps[1] and its entry.
		{2, 10},
		// Exact size again (the rest of 1 page), the last of its size.
		{1, 6},
		// The last 3-page span, exact: 3 deletes plus freemaps[3], allocs, 3 cache ids.
		{3, 8},
	}
	var before float64
	for i, s := range steps {
		if _, ok := f.Allocate(s.n); !ok {
			t.Fatalf("step %d: allocate %d failed", i, s.n)
		}
		got := f.Work().MapWrites - before
		before = f.Work().MapWrites
		if got != s.want {
			t.Errorf("step %d: allocate %d made %v map writes, want %v", i, s.n, got, s.want)
		}
	}
	// The next-allocation estimate agrees with the replay on a fresh copy.
	h := newHashmap(free, 1)
	if got := hashmapWritesFirst(h, 1); got != 6 {
		t.Errorf("hashmapWritesFirst(1) = %v, want 6", got)
	}
	if got := hashmapWritesFirst(h, 2); got != 9 {
		t.Errorf("hashmapWritesFirst(2) = %v, want 9 (split a 3-page span; freemaps[1] exists)", got)
	}
	if got := hashmapWritesFirst(h, 4); got != 0 {
		t.Errorf("hashmapWritesFirst(4) = %v, want 0 (nothing fits)", got)
	}
}
