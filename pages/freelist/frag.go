package freelist

import (
	"sort"

	"github.com/dbinspect/dbinspect/pages"
)

// Input is what the fragmentation analysis needs from a db file.
type Input struct {
	PageSize  int
	HighWater uint64 // meta.pgid: first page id past the used part of the file
	// Free lists the free runs in [2, HighWater). It is normalized (sorted,
	// merged, clipped) before use, so a damaged file cannot break the models.
	Free []pages.Span
	// RunSizes counts reachable nodes by run length in pages (1 + overflow):
	// the allocation sizes this db needs.
	RunSizes          map[uint64]int64
	FreelistPersisted bool // false for etcd on Linux (NoFreelistSync)
	// What bbolt's freepages() walks at open when the freelist is not
	// persisted: every reachable page, checking every element's key order.
	ReachablePages, Elements int64
}

// Options tune the replay.
type Options struct {
	// WriteBytes of new data to replay; 0 means half the free space, at
	// least 1 MiB and at most 256 MiB. A replay stops after 2^20
	// transactions (ReplayResult.Truncated).
	WriteBytes int64
	// Seeds for the hashmap model's arbitrary choices; nil means 1, 2, 3.
	Seeds []int64
}

// Fragmentation describes how usable a db's free pages are under bbolt's
// two freelists. JSON names are the report's fragmentation.* fields.
type Fragmentation struct {
	PageSize         int          `json:"page_size"`
	HighWater        uint64       `json:"high_water_pages"`
	FreePages        uint64       `json:"free_pages"`
	Spans            int          `json:"spans"`
	LargestSpanPages uint64       `json:"largest_span_pages"`
	Histogram        []SpanBucket `json:"histogram"`
	// SinglePageShare is the share of free pages in one-page spans.
	SinglePageShare float64 `json:"single_page_share"`
	// LargestSpanShare is largest_span_pages / free_pages.
	LargestSpanShare float64 `json:"largest_span_share"`
	Index            float64 `json:"index"`
	IndexDefinition  string  `json:"index_definition"`
	// Runs has one row per allocation size this db needs, smallest first.
	Runs []RunFit `json:"runs"`

	FreelistPersisted bool `json:"freelist_persisted"`
	// PersistedFreelistPages is what one commit's freelist page run takes
	// when the freelist is synced (tx.commitFreelist).
	PersistedFreelistPages uint64      `json:"persisted_freelist_pages"`
	Rebuild                RebuildCost `json:"rebuild_at_open"`

	Array   ArrayReport   `json:"array"`
	Hashmap HashmapReport `json:"hashmap"`
}

// SpanBucket is one histogram bar: spans of MinPages..MaxPages pages.
type SpanBucket struct {
	MinPages uint64 `json:"min_pages"`
	MaxPages uint64 `json:"max_pages"`
	Spans    int    `json:"spans"`
	Pages    uint64 `json:"pages"`
}

// RunFit is what the free space offers one allocation size.
type RunFit struct {
	RunPages uint64 `json:"run_pages"`
	Nodes    int64  `json:"nodes"` // reachable nodes of this length
	// Fits is how many runs of this length the free space serves before
	// the file grows, with nothing freed meanwhile. It is the same under
	// both allocators: each span of L pages serves floor(L/n) of them.
	Fits uint64 `json:"fits"`
	// ShortSpanShare is the share of free pages in spans shorter than the run.
	ShortSpanShare float64 `json:"short_span_share"`
	// UnusableShare is the share of free pages left once Fits runs are taken.
	UnusableShare float64 `json:"unusable_share"`
}

// RebuildCost is what bbolt does at open to rebuild an unpersisted freelist.
type RebuildCost struct {
	Needed          bool   `json:"needed"` // freelist not persisted
	PagesWalked     int64  `json:"pages_walked"`
	ElementsChecked int64  `json:"elements_checked"`
	FreeIDs         uint64 `json:"free_ids"` // ids handed to freelist.Init
}

// ArrayReport is the array freelist's view of this file.
type ArrayReport struct {
	// MemoryBytes estimates the ids slice plus the cache map of free ids.
	MemoryBytes int64          `json:"memory_bytes"`
	Runs        []ArrayRunCost `json:"runs"`
	Replay      ReplayResult   `json:"replay"`
}

// ArrayRunCost is the linear scan's work for one allocation size.
type ArrayRunCost struct {
	RunPages uint64 `json:"run_pages"`
	// IDsScannedFirst is the ids the next allocation of this size visits.
	IDsScannedFirst uint64 `json:"ids_scanned_first"`
	// IDsScannedAvg averages over the Fits allocations that fill the space.
	IDsScannedAvg float64 `json:"ids_scanned_avg"`
	// IDsScannedWhenFull is the scan of the allocation that finds no run
	// and grows the file.
	IDsScannedWhenFull uint64 `json:"ids_scanned_when_full"`
}

// HashmapReport is the hashmap freelist's view of this file.
type HashmapReport struct {
	// MemoryBytes estimates the cache map of free ids plus forwardMap,
	// backwardMap and freemaps (which follow the number of spans).
	MemoryBytes   int64            `json:"memory_bytes"`
	DistinctSizes int              `json:"distinct_sizes"`
	Runs          []HashmapRunCost `json:"runs"`
	// Replays has one result per seed; the ranges summarize them.
	Replays        []ReplayResult `json:"replays"`
	GrowthPagesMin uint64         `json:"growth_pages_min"`
	GrowthPagesMax uint64         `json:"growth_pages_max"`
	EndSpansMin    int            `json:"end_spans_min"`
	EndSpansMax    int            `json:"end_spans_max"`
	EndIndexMin    float64        `json:"end_index_min"`
	EndIndexMax    float64        `json:"end_index_max"`
	EndLargestMin  uint64         `json:"end_largest_span_pages_min"`
	EndLargestMax  uint64         `json:"end_largest_span_pages_max"`
}

// HashmapRunCost is the map work for one allocation size.
type HashmapRunCost struct {
	RunPages uint64 `json:"run_pages"`
	// ExactMatch: a span of exactly this size exists, so the next
	// allocation is O(1) and splits nothing.
	ExactMatch bool `json:"exact_match"`
	// SizesVisitedFirst is the expected freemaps entries the next allocation
	// visits (1 for an exact match; (D+1)/(G+1) for D sizes of which G are
	// larger, under a random map order).
	SizesVisitedFirst float64 `json:"sizes_visited_first"`
	// SizesVisitedWhenFull is the entries visited by the allocation that
	// finds no span and grows the file (all of them).
	SizesVisitedWhenFull int `json:"sizes_visited_when_full"`
	// MapWritesFirst is the expected map inserts and deletes of the next
	// allocation (see hashmapModel.allocWrites), over the model's
	// uniform choice of span; 0 when nothing fits.
	MapWritesFirst float64 `json:"map_writes_first"`
}

// ReplayResult is one replay of new writes under one allocator.
type ReplayResult struct {
	Seed           int64     `json:"seed,omitempty"`
	WriteBytes     int64     `json:"write_bytes"`
	Transactions   int64     `json:"transactions"`
	PagesAllocated uint64    `json:"pages_allocated"` // new nodes plus rewritten parents
	PagesReused    uint64    `json:"pages_reused"`    // served from free space
	GrowthPages    uint64    `json:"growth_pages"`    // added at the high-water mark
	GrowthBytes    int64     `json:"growth_bytes"`
	EndFreePages   uint64    `json:"end_free_pages"`
	EndSpans       int       `json:"end_spans"`
	EndLargest     uint64    `json:"end_largest_span_pages"`
	EndIndex       float64   `json:"end_index"`
	Work           AllocWork `json:"work"`
	Truncated      bool      `json:"truncated,omitempty"` // stopped at the step limit
}

// IndexDefinition states what Fragmentation.Index measures.
const IndexDefinition = "share of free pages that this db's allocations cannot use, " +
	"weighted by the pages each allocation size needs: sum over run sizes n of " +
	"w(n) * (free - n*floor-fits(n)) / free, w(n) = n*nodes(n) / sum(m*nodes(m)); " +
	"0 = every free page is usable, 1 = none is"

// Analyze reports span statistics, what each bbolt freelist
// would do with the free space, and a replay of new writes under both.
// Memory and time follow the number of free spans, not free pages (the
// replay also follows its write volume).
func Analyze(in Input, opts Options) Fragmentation {
	if in.PageSize <= 0 {
		in.PageSize = 4096
	}
	free := normalize(in.Free, 2, in.HighWater)
	needs := runNeeds(in.RunSizes)
	fr := Fragmentation{
		PageSize:          in.PageSize,
		HighWater:         in.HighWater,
		FreelistPersisted: in.FreelistPersisted,
		IndexDefinition:   IndexDefinition,
	}
	st := spanStats(free)
	fr.FreePages, fr.Spans, fr.LargestSpanPages, fr.Histogram = st.pages, len(free), st.largest, st.histogram
	if st.pages > 0 {
		fr.SinglePageShare = float64(st.singlePages) / float64(st.pages)
		fr.LargestSpanShare = float64(st.largest) / float64(st.pages)
	}
	fr.Runs = runFits(free, st.pages, needs)
	fr.Index = needIndex(fr.Runs)
	fr.PersistedFreelistPages = persistedFreelistPages(st.pages, in.PageSize)
	fr.Rebuild = RebuildCost{
		Needed:          !in.FreelistPersisted,
		PagesWalked:     max(in.ReachablePages, 0),
		ElementsChecked: max(in.Elements, 0),
		FreeIDs:         st.pages,
	}
	sizes := distinctSizes(free)
	fr.Array = ArrayReport{
		MemoryBytes: arrayMemoryBytes(st.pages),
		Runs:        arrayRunCosts(free, st.pages, needs),
	}
	fr.Hashmap = HashmapReport{
		MemoryBytes:   hashmapMemoryBytes(st.pages, len(free), len(sizes)),
		DistinctSizes: len(sizes),
		Runs:          hashmapRunCosts(free, sizes, needs),
	}
	replayBoth(&fr, in, free, needs, opts)
	return fr
}

// maxRunPages bounds a run: bbolt's page header holds overflow in a u32.
const maxRunPages = 1 << 32

// runNeed is one allocation size and how many reachable nodes have it.
type runNeed struct {
	pages uint64
	nodes int64
}

// runNeeds lists the run sizes in ascending order; single pages are always
// needed (branches, leaves, the parents every write rewrites).
func runNeeds(m map[uint64]int64) []runNeed {
	var out []runNeed
	hasOne := false
	for n, c := range m {
		if n == 0 || n > maxRunPages || c <= 0 {
			continue
		}
		out = append(out, runNeed{pages: n, nodes: c})
		hasOne = hasOne || n == 1
	}
	if !hasOne {
		out = append(out, runNeed{pages: 1, nodes: 1})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].pages < out[j].pages })
	return out
}

func distinctSizes(free []pages.Span) []uint64 {
	seen := map[uint64]struct{}{}
	var out []uint64
	for _, s := range free {
		if _, ok := seen[s.Len]; !ok {
			seen[s.Len] = struct{}{}
			out = append(out, s.Len)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
