package freelist

import "github.com/dbinspect/dbinspect/pages"

// arrayModel models bbolt's array freelist (v1.4.3
// internal/freelist/array.go Allocate; v1.3.12 freelist.go arrayAllocate).
// bbolt keeps every free id in one sorted slice and, for a run of n pages,
// walks it from the lowest id and takes the first n consecutive ids: the
// lowest-addressed span of at least n pages, cut from its start, the rest
// of that span staying free in place. Released ids are sorted and merged
// into the slice, so touching runs join. Deterministic.
//
// The model keeps spans in an ordered tree, so it costs O(log spans) per
// call while reporting the ids bbolt's O(free ids) scan would visit.
type arrayModel struct {
	tree *spanTree
	work AllocWork
}

// newArray starts from the given free spans, which are normalized
// (sorted and merged) first, as bbolt's Init sorts its ids.
func newArray(free []pages.Span) *arrayModel {
	return &arrayModel{tree: newSpanTree(normalize(free, 0, ^uint64(0)))}
}

func (f *arrayModel) Allocate(n uint64) (uint64, bool) {
	f.work.Allocations++
	if n == 0 {
		f.work.Failed++
		return 0, false
	}
	s, before, ok := f.tree.firstFit(n)
	if !ok {
		f.work.Failed++
		f.work.IDsScanned += f.tree.pages()
		return 0, false
	}
	f.work.IDsScanned += before + n
	f.tree.remove(s.Start)
	if s.Len > n {
		f.tree.insert(pages.Span{Start: s.Start + n, Len: s.Len - n})
	}
	return s.Start, true
}

// CanAllocate reports whether some free span holds n pages.
func (f *arrayModel) CanAllocate(n uint64) bool {
	_, _, ok := f.tree.firstFit(n)
	return n > 0 && ok
}

func (f *arrayModel) Release(s pages.Span) { f.tree.add(s) }
func (f *arrayModel) FreePages() uint64    { return f.tree.pages() }
func (f *arrayModel) Spans() []pages.Span  { return f.tree.spans() }
func (f *arrayModel) Work() AllocWork      { return f.work }
