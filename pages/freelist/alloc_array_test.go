package freelist

import (
	"slices"
	"testing"

	"github.com/dbinspect/dbinspect/pages"
	bolt "go.etcd.io/bbolt"
)

// The array model must predict every page id real bbolt allocates, when
// the file grows, and the free layout (free plus pending) afterwards.
func TestArrayModelMatchesBbolt(t *testing.T) {
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
			run := runOracle(t, copyOracleFile(t, path), bolt.FreelistArrayType, oracleSizes(tc.txs))
			if len(run.free) < 5 {
				t.Fatalf("test db has only %d free spans; the layout is not fragmented enough to test anything", len(run.free))
			}
			if run.firstGrowth() < 0 {
				t.Fatalf("bbolt never grew the file in %d transactions (%d free pages): raise txs so the test reaches the growth point", tc.txs, spanPages(run.free))
			}
			w := &txWriter{Model: newArray(run.free), HighWater: run.highWater}
			root := run.root
			for i, st := range run.steps {
				leaf, r, grew := modelTx(w, st.n, root)
				if leaf != st.leaf || r != st.root || grew != st.grew {
					t.Fatalf("tx %d (run of %d): model put leaf at %d, root at %d, grew=%v; bbolt put them at %d, %d, grew=%v",
						i, st.n, leaf, r, grew, st.leaf, st.root, st.grew)
				}
				root.Start = r
			}
			if w.HighWater != run.endHW {
				t.Errorf("high-water mark: model %d, bbolt %d", w.HighWater, run.endHW)
			}
			if got := freeWithPending(w); !slices.Equal(got, run.endFree) {
				t.Errorf("free pages differ:\nmodel %v\nbbolt %v", got, run.endFree)
			}
			t.Logf("%d free spans, %d free pages; file first grew at tx %d", len(run.free), spanPages(run.free), run.firstGrowth())
		})
	}
}

func TestArrayAllocateTakesLowestFittingRun(t *testing.T) {
	free := []pages.Span{{Start: 10, Len: 1}, {Start: 12, Len: 2}, {Start: 20, Len: 5}, {Start: 30, Len: 3}}
	for _, tc := range []struct {
		n         uint64
		want      uint64
		ok        bool
		scanned   uint64
		remaining []pages.Span
	}{
		{1, 10, true, 1, []pages.Span{{Start: 12, Len: 2}, {Start: 20, Len: 5}, {Start: 30, Len: 3}}},
		{2, 12, true, 1 + 2, []pages.Span{{Start: 10, Len: 1}, {Start: 20, Len: 5}, {Start: 30, Len: 3}}},
		{3, 20, true, 3 + 3, []pages.Span{{Start: 10, Len: 1}, {Start: 12, Len: 2}, {Start: 23, Len: 2}, {Start: 30, Len: 3}}},
		{5, 20, true, 3 + 5, []pages.Span{{Start: 10, Len: 1}, {Start: 12, Len: 2}, {Start: 30, Len: 3}}},
		{6, 0, false, 11, free},
	} {
		f := newArray(free)
		got, ok := f.Allocate(tc.n)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Allocate(%d) = %d, %v; want %d, %v", tc.n, got, ok, tc.want, tc.ok)
		}
		if w := f.Work(); w.IDsScanned != tc.scanned {
			t.Errorf("Allocate(%d) scanned %d ids, want %d", tc.n, w.IDsScanned, tc.scanned)
		}
		if s := f.Spans(); !slices.Equal(s, tc.remaining) {
			t.Errorf("after Allocate(%d): spans %v, want %v", tc.n, s, tc.remaining)
		}
	}
}

func TestArrayReleaseMergesNeighbours(t *testing.T) {
	for _, tc := range []struct {
		name    string
		release pages.Span
		want    []pages.Span
	}{
		{"both sides", pages.Span{Start: 11, Len: 1}, []pages.Span{{Start: 10, Len: 4}, {Start: 20, Len: 5}}},
		{"after", pages.Span{Start: 25, Len: 2}, []pages.Span{{Start: 10, Len: 1}, {Start: 12, Len: 2}, {Start: 20, Len: 7}}},
		{"before", pages.Span{Start: 18, Len: 2}, []pages.Span{{Start: 10, Len: 1}, {Start: 12, Len: 2}, {Start: 18, Len: 7}}},
		{"alone", pages.Span{Start: 40, Len: 1}, []pages.Span{{Start: 10, Len: 1}, {Start: 12, Len: 2}, {Start: 20, Len: 5}, {Start: 40, Len: 1}}},
		{"bridges two", pages.Span{Start: 14, Len: 6}, []pages.Span{{Start: 10, Len: 1}, {Start: 12, Len: 13}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newArray([]pages.Span{{Start: 10, Len: 1}, {Start: 12, Len: 2}, {Start: 20, Len: 5}})
			f.Release(tc.release)
			if got := f.Spans(); !slices.Equal(got, tc.want) {
				t.Errorf("spans %v, want %v", got, tc.want)
			}
			if got, want := f.FreePages(), spanPages(tc.want); got != want {
				t.Errorf("FreePages %d, want %d", got, want)
			}
		})
	}
}
