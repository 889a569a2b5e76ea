package freelist

import "github.com/dbinspect/dbinspect/pages"

// model is one of bbolt's free-page allocators, modelled on spans.
// Both models follow bbolt v1.4.3 (etcd 3.6) and v1.3.12 (etcd 3.5), whose
// allocation and merge code is the same: internal/freelist/array.go and
// hashmap.go in v1.4.3, freelist.go and freelist_hmap.go in v1.3.12.
type allocator interface {
	// Allocate takes a run of n free pages and returns its first page id.
	// ok is false when no free run fits; bbolt then grows the file.
	Allocate(n uint64) (start uint64, ok bool)
	// Release makes pages allocatable again and merges them with
	// neighbouring free spans (bbolt's mergeSpans, run when pending pages
	// are released at the next write transaction).
	Release(s pages.Span)
	// FreePages is the number of allocatable free pages.
	FreePages() uint64
	// Spans lists the allocatable free runs in page order; they are always
	// maximal (no two touch) under both allocators.
	Spans() []pages.Span
	// Work is the allocation work done so far.
	Work() AllocWork
}

// AllocWork counts what allocations cost in each freelist.
type AllocWork struct {
	Allocations int64 `json:"allocations"`
	Failed      int64 `json:"failed"` // allocations that found no run and grew the file
	// IDsScanned: array only. Free ids bbolt's linear scan visits: the free
	// pages before the chosen run plus the run itself, or every free id when
	// nothing fits.
	IDsScanned uint64 `json:"ids_scanned,omitempty"`
	// SizesVisited: hashmap only. Entries of freemaps (one per distinct span
	// size) visited when there is no exact-size span, expected value under a
	// uniformly random map order; an exact match counts 1.
	SizesVisited float64 `json:"sizes_visited,omitempty"`
	// Splits: hashmap only. Allocations that cut a larger span.
	Splits int64 `json:"splits,omitempty"`
	// MapWrites: hashmap only. Map inserts and deletes made by the
	// allocations (forwardMap, backwardMap, freemaps, allocs, and one cache
	// delete per page taken); see hashmapModel.allocWrites.
	MapWrites float64 `json:"map_writes,omitempty"`
}

// txWriter replays a single writer the way bbolt runs it: pages freed in a
// transaction are pending until the next write transaction begins, when
// (with no reader open) all of them are released and merged; allocations
// no free run can serve come from the high-water mark.
type txWriter struct {
	Model     allocator
	HighWater uint64 // meta.pgid
	Grown     uint64 // pages added at the end of the file by this writer
	pending   []pages.Span
}

// Begin starts a write transaction, releasing the pages freed before it.
func (w *txWriter) Begin() {
	for _, s := range w.pending {
		w.Model.Release(s)
	}
	w.pending = w.pending[:0]
}

// Allocate returns the first page of a run of n pages for the current
// transaction and whether it came from the freelist.
func (w *txWriter) Allocate(n uint64) (start uint64, reused bool) {
	if start, ok := w.Model.Allocate(n); ok {
		return start, true
	}
	start = w.HighWater
	w.HighWater += n
	w.Grown += n
	return start, false
}

// Free marks a run as freed by the current transaction (pending).
func (w *txWriter) Free(s pages.Span) {
	if s.Len > 0 {
		w.pending = append(w.pending, s)
	}
}

// Pending lists the pages freed by the current transaction.
func (w *txWriter) Pending() []pages.Span { return w.pending }
