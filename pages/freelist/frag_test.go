package freelist

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/pages"
	bolt "go.etcd.io/bbolt"
)

// randomSpans makes a free layout of count spans with gaps between them.
func randomSpans(seed uint64, count int, maxLen int) []pages.Span {
	rng := rand.New(rand.NewPCG(seed, 3))
	var out []pages.Span
	next := uint64(2)
	for range count {
		next += 1 + uint64(rng.IntN(3))
		l := uint64(1 + rng.IntN(maxLen))
		out = append(out, pages.Span{Start: next, Len: l})
		next += l
	}
	return out
}

func TestNormalizeSpans(t *testing.T) {
	for _, tc := range []struct {
		name   string
		in     []pages.Span
		lo, hi uint64
		want   []pages.Span
	}{
		{"sorted and merged", []pages.Span{{Start: 10, Len: 2}, {Start: 3, Len: 2}, {Start: 5, Len: 1}, {Start: 12, Len: 1}}, 2, 100, []pages.Span{{Start: 3, Len: 3}, {Start: 10, Len: 3}}},
		{"overlap", []pages.Span{{Start: 3, Len: 5}, {Start: 4, Len: 2}, {Start: 7, Len: 3}}, 2, 100, []pages.Span{{Start: 3, Len: 7}}},
		{"clipped to the file", []pages.Span{{Start: 0, Len: 4}, {Start: 98, Len: 10}}, 2, 100, []pages.Span{{Start: 2, Len: 2}, {Start: 98, Len: 2}}},
		{"empty and past the end dropped", []pages.Span{{Start: 5, Len: 0}, {Start: 200, Len: 3}}, 2, 100, []pages.Span{}},
		{"wrapping length", []pages.Span{{Start: 50, Len: ^uint64(0)}}, 2, 100, []pages.Span{{Start: 50, Len: 50}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := normalize(tc.in, tc.lo, tc.hi); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSpansFromIDs(t *testing.T) {
	got := spansFromIDs([]uint64{2, 3, 4, 7, 9, 10})
	want := []pages.Span{{Start: 2, Len: 3}, {Start: 7, Len: 1}, {Start: 9, Len: 2}}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestSpanStatsHistogram(t *testing.T) {
	free := []pages.Span{{Start: 2, Len: 1}, {Start: 4, Len: 1}, {Start: 6, Len: 2}, {Start: 9, Len: 3}, {Start: 13, Len: 4}, {Start: 20, Len: 9}}
	fr := Analyze(Input{PageSize: 4096, HighWater: 40, Free: free}, Options{WriteBytes: 4096})
	want := []SpanBucket{{1, 1, 2, 2}, {2, 3, 2, 5}, {4, 7, 1, 4}, {8, 15, 1, 9}}
	if !reflect.DeepEqual(fr.Histogram, want) {
		t.Errorf("histogram %v, want %v", fr.Histogram, want)
	}
	if fr.Spans != 6 || fr.FreePages != 20 || fr.LargestSpanPages != 9 {
		t.Errorf("spans %d, free %d, largest %d; want 6, 20, 9", fr.Spans, fr.FreePages, fr.LargestSpanPages)
	}
	if fr.SinglePageShare != 0.1 {
		t.Errorf("single-page share %v, want 0.1", fr.SinglePageShare)
	}
}

// Fits and the closed-form array scan must agree with running the models
// until the file grows.
func TestRunFitsMatchModels(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		free := randomSpans(seed, 300, 12)
		needs := []runNeed{{1, 10}, {2, 3}, {3, 2}, {5, 1}, {13, 1}}
		fits := runFits(free, spanPages(free), needs)
		costs := arrayRunCosts(free, spanPages(free), needs)
		for i, nd := range needs {
			a := newArray(free)
			var got uint64
			var firstScan uint64
			for a.CanAllocate(nd.pages) {
				if _, ok := a.Allocate(nd.pages); !ok {
					t.Fatal("CanAllocate said yes, Allocate said no")
				}
				if got == 0 {
					firstScan = a.Work().IDsScanned
				}
				got++
			}
			if got != fits[i].Fits {
				t.Errorf("seed %d, run %d: array model fits %d, runFits says %d", seed, nd.pages, got, fits[i].Fits)
			}
			scanned := a.Work().IDsScanned
			if got > 0 && (firstScan != costs[i].IDsScannedFirst || float64(scanned)/float64(got) != costs[i].IDsScannedAvg) {
				t.Errorf("seed %d, run %d: model scans first %d avg %v; closed form %d avg %v",
					seed, nd.pages, firstScan, float64(scanned)/float64(got), costs[i].IDsScannedFirst, costs[i].IDsScannedAvg)
			}
			a.Allocate(nd.pages)
			if last := a.Work().IDsScanned - scanned; last != costs[i].IDsScannedWhenFull {
				t.Errorf("seed %d, run %d: failing allocation scans %d, closed form %d", seed, nd.pages, last, costs[i].IDsScannedWhenFull)
			}
			for hs := int64(1); hs <= 3; hs++ {
				h := newHashmap(free, hs)
				var hg uint64
				for h.CanAllocate(nd.pages) {
					h.Allocate(nd.pages)
					hg++
				}
				if hg != fits[i].Fits {
					t.Errorf("seed %d, run %d, hashmap seed %d: fits %d, runFits says %d", seed, nd.pages, hs, hg, fits[i].Fits)
				}
			}
		}
	}
}

// The treap-backed array model must agree with a plain first-fit over a
// sorted slice, allocation by allocation, with releases in between.
func TestArrayModelMatchesNaiveFirstFit(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	free := randomSpans(5, 200, 6)
	a := newArray(free)
	naive := slices.Clone(free)
	hw := free[len(free)-1].End()
	var taken []pages.Span
	for step := range 3000 {
		if rng.IntN(3) == 0 && len(taken) > 0 {
			i := rng.IntN(len(taken))
			s := taken[i]
			taken = append(taken[:i], taken[i+1:]...)
			a.Release(s)
			naive = normalize(append(naive, s), 0, ^uint64(0))
			continue
		}
		n := uint64(1 + rng.IntN(4))
		got, ok := a.Allocate(n)
		want, wantOK := uint64(0), false
		for i, s := range naive {
			if s.Len >= n {
				want, wantOK = s.Start, true
				naive[i] = pages.Span{Start: s.Start + n, Len: s.Len - n}
				naive = normalize(naive, 0, ^uint64(0))
				break
			}
		}
		if got != want || ok != wantOK {
			t.Fatalf("step %d: Allocate(%d) = %d, %v; first fit gives %d, %v", step, n, got, ok, want, wantOK)
		}
		if !ok {
			got = hw
			hw += n
		}
		taken = append(taken, pages.Span{Start: got, Len: n})
	}
	if !slices.Equal(a.Spans(), naive) {
		t.Errorf("final spans differ")
	}
}

func TestHashmapPicksOnlyAllowedSpans(t *testing.T) {
	free := []pages.Span{{Start: 2, Len: 1}, {Start: 5, Len: 3}, {Start: 10, Len: 3}, {Start: 20, Len: 7}, {Start: 30, Len: 2}}
	for _, tc := range []struct {
		n       uint64
		allowed []uint64
	}{
		{3, []uint64{5, 10}}, // exact size wins
		{4, []uint64{20}},    // only the 7-page span is larger
		{2, []uint64{30}},
		{1, []uint64{2}},
	} {
		seen := map[uint64]bool{}
		for seed := int64(0); seed < 40; seed++ {
			h := newHashmap(free, seed)
			got, ok := h.Allocate(tc.n)
			if !ok || !slices.Contains(tc.allowed, got) {
				t.Fatalf("Allocate(%d) = %d, %v; allowed %v", tc.n, got, ok, tc.allowed)
			}
			seen[got] = true
		}
		if len(seen) != len(tc.allowed) {
			t.Errorf("Allocate(%d): 40 seeds picked %v, want every one of %v", tc.n, seen, tc.allowed)
		}
	}
	// Without an exact size, any larger span may be cut.
	h := newHashmap([]pages.Span{{Start: 2, Len: 5}, {Start: 10, Len: 9}, {Start: 30, Len: 6}}, 1)
	for _, start := range []uint64{2, 10, 30} {
		if !h.Allows(4, start) {
			t.Errorf("Allows(4, %d) = false, want true", start)
		}
	}
	if h.Allows(4, 3) {
		t.Error("Allows(4, 3) = true for an id inside a span")
	}
	if !h.AllocateAt(4, 10) || !slices.Equal(h.Spans(), []pages.Span{{Start: 2, Len: 5}, {Start: 14, Len: 5}, {Start: 30, Len: 6}}) {
		t.Errorf("AllocateAt(4, 10) left %v", h.Spans())
	}
	if h.AllocateAt(6, 2) {
		t.Error("AllocateAt took a 5-page span for 6 pages")
	}
}

func TestHashmapReleaseMergesNeighbours(t *testing.T) {
	h := newHashmap([]pages.Span{{Start: 10, Len: 1}, {Start: 12, Len: 2}, {Start: 20, Len: 5}}, 1)
	h.Release(pages.Span{Start: 11, Len: 1})
	h.Release(pages.Span{Start: 14, Len: 6})
	if got, want := h.Spans(), []pages.Span{{Start: 10, Len: 15}}; !slices.Equal(got, want) {
		t.Errorf("spans %v, want %v", got, want)
	}
	if h.FreePages() != 15 || h.DistinctSizes() != 1 {
		t.Errorf("free %d, sizes %d; want 15, 1", h.FreePages(), h.DistinctSizes())
	}
}

// A fragmented layout must show the two allocators differently, and a
// seed must always give the same numbers.
func TestAnalyzeFragmentationReproducible(t *testing.T) {
	in := Input{
		PageSize:  4096,
		HighWater: 3000,
		Free:      randomSpans(11, 400, 9),
		RunSizes:  map[uint64]int64{1: 500, 2: 40, 3: 30, 5: 10},
		Elements:  1234, ReachablePages: 900,
	}
	opts := Options{WriteBytes: 6 << 20, Seeds: []int64{1, 2, 3, 4}}
	a := Analyze(in, opts)
	b := Analyze(in, opts)
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Fatal("two runs with the same seeds differ")
	}
	// Page accounting: every page allocated came from free space or growth,
	// and every rewritten parent but the first comes back as free.
	for _, r := range append([]ReplayResult{a.Array.Replay}, a.Hashmap.Replays...) {
		if r.PagesAllocated != r.PagesReused+r.GrowthPages {
			t.Errorf("seed %d: allocated %d != reused %d + grown %d", r.Seed, r.PagesAllocated, r.PagesReused, r.GrowthPages)
		}
		if want := a.FreePages - r.PagesReused + uint64(r.Transactions-1); r.EndFreePages != want {
			t.Errorf("seed %d: %d free pages at the end, accounting says %d", r.Seed, r.EndFreePages, want)
		}
	}
	if a.Hashmap.EndSpansMin == a.Hashmap.EndSpansMax && a.Hashmap.EndLargestMin == a.Hashmap.EndLargestMax {
		t.Error("four hashmap seeds left identical layouts; the arbitrary choice is not modelled")
	}
	if !strings.Contains(a.Summary(), "array") || !strings.Contains(a.Summary(), "hashmap") {
		t.Errorf("summary does not compare the allocators: %q", a.Summary())
	}
	if len(a.Table()) < 5 {
		t.Errorf("table too short: %v", a.Table())
	}
	for _, key := range []string{`"spans"`, `"largest_span_pages"`, `"histogram"`, `"index"`, `"array"`, `"hashmap"`} {
		if !strings.Contains(string(ja), key) {
			t.Errorf("JSON lacks %s", key)
		}
	}
	t.Logf("%s", a.Summary())
}

func TestFragmentationIndex(t *testing.T) {
	for _, tc := range []struct {
		name string
		free []pages.Span
		runs map[uint64]int64
		want float64
	}{
		{"single pages only need nothing more", []pages.Span{{Start: 2, Len: 1}, {Start: 4, Len: 1}}, map[uint64]int64{1: 10}, 0},
		// Single pages are always needed (weight 1 when the db lists none).
		{"no span fits 2-page runs", []pages.Span{{Start: 2, Len: 1}, {Start: 4, Len: 1}}, map[uint64]int64{2: 10}, 20.0 / 21},
		// 1-page weight 2, 2-page weight 2*1=2; 2-page runs use 4 of 6 pages.
		{"half weighted", []pages.Span{{Start: 2, Len: 1}, {Start: 4, Len: 1}, {Start: 6, Len: 4}}, map[uint64]int64{1: 2, 2: 1}, 0.5 * (2.0 / 6)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fr := Analyze(Input{PageSize: 4096, HighWater: 100, Free: tc.free, RunSizes: tc.runs}, Options{WriteBytes: 4096})
			if d := fr.Index - tc.want; d > 1e-9 || d < -1e-9 {
				t.Errorf("index %v, want %v", fr.Index, tc.want)
			}
		})
	}
}

func TestAnalyzeFragmentationHostileInput(t *testing.T) {
	for _, in := range []Input{
		{},
		{PageSize: -1, HighWater: 0, Free: []pages.Span{{Start: 0, Len: ^uint64(0)}}},
		{PageSize: 4096, HighWater: 10, Free: []pages.Span{{Start: ^uint64(0) - 1, Len: 5}}, RunSizes: map[uint64]int64{0: 5, 3: -2}},
		{PageSize: 4096, HighWater: 1 << 40, Free: []pages.Span{{Start: 2, Len: 1 << 39}}, RunSizes: map[uint64]int64{1 << 38: 1}},
	} {
		fr := Analyze(in, Options{WriteBytes: 1 << 20, Seeds: []int64{1}})
		if fr.Summary() == "" {
			t.Errorf("no summary for %+v", in)
		}
	}
}

func TestPersistedFreelistPages(t *testing.T) {
	for _, tc := range []struct {
		ids  uint64
		want uint64
	}{
		{0, 1}, {509, 1}, {510, 2}, {0xFFFE, 129}, {0xFFFF, 129}, {1 << 20, 2049},
	} {
		if got := persistedFreelistPages(tc.ids, 4096); got != tc.want {
			t.Errorf("%d ids: %d pages, want %d", tc.ids, got, tc.want)
		}
	}
}

// What fits before growth, per run size, must be what real bbolt serves
// from free space under both freelists.
func TestRunFitsMatchBbolt(t *testing.T) {
	for _, path := range []string{buildFragmentedDB(t, 5, 120), buildScatteredDB(t, 7, 800)} {
		for _, typ := range []bolt.FreelistType{bolt.FreelistArrayType, bolt.FreelistMapType} {
			for _, n := range []uint64{1, 2, 3, 5} {
				_, free := openOracleState(t, copyOracleFile(t, path), typ)
				fits := runFits(free, spanPages(free), []runNeed{{n, 1}})[0].Fits
				got, _ := fillOnce(t, copyOracleFile(t, path), typ, n, int(fits)+3)
				if uint64(got) != fits {
					t.Errorf("%s, runs of %d over %d spans: bbolt served %d from free space, model says %d fit", typ, n, len(free), got, fits)
				}
			}
		}
	}
}

// Memory must follow the number of free spans, not free pages: the same
// ten spans cost the same whether they hold ten pages or a billion each.
func TestAnalyzeMemoryFollowsSpansNotPages(t *testing.T) {
	layout := func(spanLen uint64) Input {
		var free []pages.Span
		for i := range uint64(10) {
			free = append(free, pages.Span{Start: 2 + i*(spanLen+1), Len: spanLen})
		}
		return Input{PageSize: 4096, HighWater: 2 + 10*(spanLen+1), Free: free, RunSizes: map[uint64]int64{1: 100, 3: 5}}
	}
	allocated := func(in Input) uint64 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		Analyze(in, Options{WriteBytes: 1 << 20, Seeds: []int64{1, 2}})
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	small, huge := allocated(layout(10)), allocated(layout(1<<30))
	if huge > 2*small+64<<10 {
		t.Errorf("10 spans of 2^30 pages allocated %d bytes, 10 spans of 10 pages %d", huge, small)
	}
}

// syntheticLayout is a large fragmented free space: spans of 1 to 16 pages.
func syntheticLayout(spans int) Input {
	free := randomSpans(21, spans, 16)
	return Input{PageSize: 4096, HighWater: free[len(free)-1].End() + 1, Free: free,
		RunSizes: map[uint64]int64{1: 10000, 2: 800, 3: 300, 5: 100, 9: 20}}
}

func BenchmarkArrayReplaySynthetic100kSpans(b *testing.B) {
	in := syntheticLayout(100_000)
	needs := runNeeds(in.RunSizes)
	wb := replayWriteBytes(Options{}, spanPages(in.Free), in.PageSize)
	b.ReportAllocs()
	for b.Loop() {
		replayWrites(newArray(in.Free), in.HighWater, in.PageSize, wb, needs)
	}
}

func BenchmarkHashmapReplaySynthetic100kSpans(b *testing.B) {
	in := syntheticLayout(100_000)
	needs := runNeeds(in.RunSizes)
	wb := replayWriteBytes(Options{}, spanPages(in.Free), in.PageSize)
	b.ReportAllocs()
	for b.Loop() {
		replayWrites(newHashmap(in.Free, 1), in.HighWater, in.PageSize, wb, needs)
	}
}

func BenchmarkAnalyzeFragmentationSynthetic100kSpans(b *testing.B) {
	in := syntheticLayout(100_000)
	b.ReportAllocs()
	for b.Loop() {
		Analyze(in, Options{})
	}
}

func TestFragmentationSummary(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   Input
		want []string
	}{
		{"nothing free", Input{PageSize: 4096, HighWater: 10}, []string{"no free pages"}},
		{"short spans block big values",
			Input{PageSize: 4096, HighWater: 200, Free: []pages.Span{{Start: 2, Len: 1}, {Start: 4, Len: 1}, {Start: 6, Len: 1}, {Start: 8, Len: 2}, {Start: 20, Len: 6}}, RunSizes: map[uint64]int64{1: 10, 3: 10}},
			[]string{"45% of the 11 free pages are in spans shorter than 3 pages", "values over about 8.0 KiB", "array", "hashmap"}},
		{"all usable",
			Input{PageSize: 4096, HighWater: 200, Free: []pages.Span{{Start: 2, Len: 1}, {Start: 4, Len: 50}}, RunSizes: map[uint64]int64{1: 10}},
			[]string{"2% of the 51 free pages are in single-page spans (largest span 50 pages)", "can use 100%"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Analyze(tc.in, Options{}).Summary()
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("summary %q lacks %q", got, w)
				}
			}
		})
	}
}

func TestSpanTreeBuildKeepsOrderAndSums(t *testing.T) {
	free := randomSpans(13, 5000, 20)
	tr := newSpanTree(free)
	if got := tr.spans(); !slices.Equal(got, free) {
		t.Fatal("in-order walk differs from the input")
	}
	if tr.pages() != spanPages(free) {
		t.Errorf("pages %d, want %d", tr.pages(), spanPages(free))
	}
	var check func(i int32) (uint64, uint64)
	check = func(i int32) (sum, longest uint64) {
		if i == nilNode {
			return 0, 0
		}
		n := tr.nodes[i]
		ls, lm := check(n.left)
		rs, rm := check(n.right)
		for _, c := range []int32{n.left, n.right} {
			if c != nilNode && tr.nodes[c].prio > n.prio {
				t.Fatalf("heap order broken at %v", n.span)
			}
		}
		sum, longest = ls+rs+n.span.Len, max(lm, rm, n.span.Len)
		if sum != n.sum || longest != n.maxLen {
			t.Fatalf("node %v: sum %d max %d, stored %d %d", n.span, sum, longest, n.sum, n.maxLen)
		}
		return sum, longest
	}
	check(tr.root)
}
