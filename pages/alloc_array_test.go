package pages

import (
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// The array model must predict every page id real bbolt allocates.
func TestArrayModelMatchesBbolt(t *testing.T) {
	for _, tc := range []struct {
		name string
		seed uint64
		keys int
		txs  int
	}{
		{"small", 1, 50, 60},
		{"larger", 2, 80, 90},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := buildFragmentedDB(t, tc.seed, tc.keys)
			free, hw, root, steps := runOracle(t, copyFile(t, path), bolt.FreelistArrayType, oracleSizes(tc.txs))
			if len(free) < 5 {
				t.Fatalf("test db has only %d free spans; the layout is not fragmented enough to test anything", len(free))
			}
			w := &TxWriter{Model: NewArrayFreelist(free), HighWater: hw}
			grewAt := -1
			for i, st := range steps {
				leaf, r, grew := modelTx(w, st.n, root)
				if leaf != st.leaf || r != st.root || grew != st.grew {
					t.Fatalf("tx %d (run of %d): model put leaf at %d, root at %d, grew=%v; bbolt put them at %d, %d, grew=%v",
						i, st.n, leaf, r, grew, st.leaf, st.root, st.grew)
				}
				root = Span{Start: r, Len: root.Len}
				if grew && grewAt < 0 {
					grewAt = i
				}
			}
			if grewAt < 0 {
				t.Fatalf("bbolt never grew the file in %d transactions (%d free pages): raise txs so the test reaches the growth point", len(steps), SpanPages(free))
			}
			t.Logf("%d free spans, %d free pages; file first grew at tx %d", len(free), SpanPages(free), grewAt)
		})
	}
}

// The final free layout (free plus pending) must be bbolt's, page for page.
func TestArrayModelEndStateMatchesBbolt(t *testing.T) {
	path := buildFragmentedDB(t, 3, 150)
	sizes := oracleSizes(40)
	free, hw, root, steps := runOracle(t, copyFile(t, path), bolt.FreelistArrayType, sizes)
	w := &TxWriter{Model: NewArrayFreelist(free), HighWater: hw}
	for _, st := range steps {
		_, r, _ := modelTx(w, st.n, root)
		root.Start = r
	}
	o := openOracle(t, copyFile(t, path), bolt.FreelistArrayType)
	for _, n := range sizes {
		o.allocate(n)
	}
	gotHW, gotFree := o.state()
	if gotHW != w.HighWater {
		t.Errorf("high-water mark: model %d, bbolt %d", w.HighWater, gotHW)
	}
	if want := freeWithPending(w); !slices.Equal(gotFree, want) {
		t.Errorf("free pages differ:\nmodel %v\nbbolt %v", want, gotFree)
	}
}

func TestArrayAllocateTakesLowestFittingRun(t *testing.T) {
	free := []Span{{10, 1}, {12, 2}, {20, 5}, {30, 3}}
	for _, tc := range []struct {
		n         uint64
		want      uint64
		ok        bool
		scanned   uint64
		remaining []Span
	}{
		{1, 10, true, 1, []Span{{12, 2}, {20, 5}, {30, 3}}},
		{2, 12, true, 1 + 2, []Span{{10, 1}, {20, 5}, {30, 3}}},
		{3, 20, true, 3 + 3, []Span{{10, 1}, {12, 2}, {23, 2}, {30, 3}}},
		{5, 20, true, 3 + 5, []Span{{10, 1}, {12, 2}, {30, 3}}},
		{6, 0, false, 11, free},
	} {
		f := NewArrayFreelist(free)
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
		release Span
		want    []Span
	}{
		{"both sides", Span{11, 1}, []Span{{10, 4}, {20, 5}}},
		{"after", Span{25, 2}, []Span{{10, 1}, {12, 2}, {20, 7}}},
		{"before", Span{18, 2}, []Span{{10, 1}, {12, 2}, {18, 7}}},
		{"alone", Span{40, 1}, []Span{{10, 1}, {12, 2}, {20, 5}, {40, 1}}},
		{"bridges two", Span{14, 6}, []Span{{10, 1}, {12, 13}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := NewArrayFreelist([]Span{{10, 1}, {12, 2}, {20, 5}})
			f.Release(tc.release)
			if got := f.Spans(); !slices.Equal(got, tc.want) {
				t.Errorf("spans %v, want %v", got, tc.want)
			}
			if got, want := f.FreePages(), SpanPages(tc.want); got != want {
				t.Errorf("FreePages %d, want %d", got, want)
			}
		})
	}
}
