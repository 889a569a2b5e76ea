package freelist

import (
	"math/rand/v2"
	"sort"

	"github.com/dbinspect/dbinspect/pages"
)

// hashmapModel models bbolt's hashmap freelist (v1.4.3
// internal/freelist/hashmap.go; v1.3.12 freelist_hmap.go), the one etcd's
// server uses by default in 3.5, 3.6 and 3.7. bbolt keeps
// freemaps[size] = set of span starts, plus forwardMap[start] = size and
// backwardMap[last id] = size. For a run of n pages, Allocate:
//  1. if some span has exactly n pages, takes an arbitrary one of them
//     (the first start a Go map range yields) whole;
//  2. otherwise ranges over freemaps in Go's randomized map order, takes an
//     arbitrary span from the first size >= n, allocates its first n pages
//     and puts the remaining size-n pages back as a span.
//
// Released ids merge with the span ending just before them and the span
// starting just after them (mergeWithExistingSpan).
//
// Go's map order is the arbitrary part. The model makes it explicit and
// seeded: it picks uniformly among the sizes step 2 may reach and uniformly
// among the starts of a size. Go's order is not uniform (a map of up to 8
// entries is visited as a random rotation of its slots, so an entry after
// empty slots comes first more often), so seeds sample the choices bbolt
// may make, not their odds: bbolt's actual pick is always one Allows
// accepts, the counts that do not depend on the pick (how many runs fit)
// are exact, and the rest are reported as a range over seeds, not a bound.
type hashmapModel struct {
	forward  map[uint64]uint64 // start -> size
	backward map[uint64]uint64 // last id -> size
	bySize   map[uint64]*startSet
	sizes    []uint64 // distinct span sizes, ascending
	free     uint64
	rng      *rand.Rand
	work     AllocWork
}

// startSet is a set of span starts with O(1) insert, delete and uniform pick.
type startSet struct {
	starts []uint64
	pos    map[uint64]int
}

// newHashmap starts from the given free spans (normalized first, as
// bbolt's Init builds maximal runs from sorted ids); seed drives every
// arbitrary choice, so a seed always gives the same allocations.
func newHashmap(free []pages.Span, seed int64) *hashmapModel {
	f := &hashmapModel{
		forward:  map[uint64]uint64{},
		backward: map[uint64]uint64{},
		bySize:   map[uint64]*startSet{},
		rng:      rand.New(rand.NewPCG(uint64(seed), 0x6462696e73706563)),
	}
	for _, s := range normalize(free, 0, ^uint64(0)) {
		f.addSpan(s.Start, s.Len)
	}
	return f
}

func (f *hashmapModel) addSpan(start, size uint64) {
	f.forward[start] = size
	f.backward[start+size-1] = size
	set := f.bySize[size]
	if set == nil {
		set = &startSet{pos: map[uint64]int{}}
		f.bySize[size] = set
		i := sort.Search(len(f.sizes), func(i int) bool { return f.sizes[i] >= size })
		f.sizes = append(f.sizes, 0)
		copy(f.sizes[i+1:], f.sizes[i:])
		f.sizes[i] = size
	}
	set.pos[start] = len(set.starts)
	set.starts = append(set.starts, start)
	f.free += size
}

func (f *hashmapModel) delSpan(start, size uint64) {
	delete(f.forward, start)
	delete(f.backward, start+size-1)
	set := f.bySize[size]
	i := set.pos[start]
	last := len(set.starts) - 1
	set.starts[i] = set.starts[last]
	set.pos[set.starts[i]] = i
	set.starts = set.starts[:last]
	delete(set.pos, start)
	if len(set.starts) == 0 {
		delete(f.bySize, size)
		j := sort.Search(len(f.sizes), func(j int) bool { return f.sizes[j] >= size })
		f.sizes = append(f.sizes[:j], f.sizes[j+1:]...)
	}
	f.free -= size
}

// eligible returns the index in sizes of the first size step 2 may take.
func (f *hashmapModel) eligible(n uint64) int {
	return sort.Search(len(f.sizes), func(i int) bool { return f.sizes[i] > n })
}

func (f *hashmapModel) Allocate(n uint64) (uint64, bool) {
	f.work.Allocations++
	if n == 0 {
		f.work.Failed++
		return 0, false
	}
	if set, ok := f.bySize[n]; ok {
		f.work.SizesVisited++
		start := set.starts[f.rng.IntN(len(set.starts))]
		f.work.MapWrites += f.allocWrites(n, n)
		f.delSpan(start, n)
		return start, true
	}
	k := f.eligible(n)
	d, g := len(f.sizes), len(f.sizes)-k
	if g == 0 {
		f.work.SizesVisited += float64(d)
		f.work.Failed++
		return 0, false
	}
	f.work.SizesVisited += float64(d+1) / float64(g+1)
	size := f.sizes[k+f.rng.IntN(g)]
	set := f.bySize[size]
	start := set.starts[f.rng.IntN(len(set.starts))]
	f.work.MapWrites += f.allocWrites(size, n)
	f.split(start, size, n)
	return start, true
}

// allocWrites counts the map writes (inserts and deletes) bbolt's Allocate
// makes when it takes n pages from a span of size pages: delSpan deletes
// from forwardMap, backwardMap and freemaps[size], and freemaps[size]
// itself when that was its last span; allocs gets the start; the cache
// loses each of the n ids; a split's addSpan of the rest writes
// backwardMap, forwardMap and freemaps[rest], creating freemaps[rest]
// when no span has that size.
func (f *hashmapModel) allocWrites(size, n uint64) float64 {
	w := 3 + 1 + n
	if len(f.bySize[size].starts) == 1 {
		w++
	}
	if rest := size - n; rest > 0 {
		w += 3
		if f.bySize[rest] == nil {
			w++
		}
	}
	return float64(w)
}

func (f *hashmapModel) split(start, size, n uint64) {
	f.work.Splits++
	f.delSpan(start, size)
	f.addSpan(start+n, size-n)
}

// CanAllocate reports whether some free span holds n pages.
func (f *hashmapModel) CanAllocate(n uint64) bool {
	return n > 0 && (f.bySize[n] != nil || f.eligible(n) < len(f.sizes))
}

// Allows reports whether bbolt may answer an allocation of n pages with
// start in the current state: an exact-size span if one exists, otherwise
// the start of any larger span.
func (f *hashmapModel) Allows(n, start uint64) bool {
	size, ok := f.forward[start]
	if !ok || n == 0 {
		return false
	}
	if _, exact := f.bySize[n]; exact {
		return size == n
	}
	return size > n
}

// AllocateAt performs the allocation bbolt was seen to make, for replaying
// real choices; it returns false, changing nothing, if Allows does not.
func (f *hashmapModel) AllocateAt(n, start uint64) bool {
	if !f.Allows(n, start) {
		return false
	}
	f.work.Allocations++
	size := f.forward[start]
	f.work.MapWrites += f.allocWrites(size, n)
	if size == n {
		f.work.SizesVisited++
		f.delSpan(start, n)
		return true
	}
	k := f.eligible(n)
	f.work.SizesVisited += float64(len(f.sizes)+1) / float64(len(f.sizes)-k+1)
	f.split(start, size, n)
	return true
}

// Release merges the run with the spans touching it. The run must not
// overlap free pages (bbolt panics on a double free).
func (f *hashmapModel) Release(s pages.Span) {
	if s.Len == 0 {
		return
	}
	start, size := s.Start, s.Len
	if prev, ok := f.backward[start-1]; ok && start > 0 {
		f.delSpan(start-prev, prev)
		start, size = start-prev, size+prev
	}
	if next, ok := f.forward[s.End()]; ok {
		f.delSpan(s.End(), next)
		size += next
	}
	f.addSpan(start, size)
}

func (f *hashmapModel) FreePages() uint64 { return f.free }
func (f *hashmapModel) Work() AllocWork   { return f.work }

// DistinctSizes is the number of freemaps entries.
func (f *hashmapModel) DistinctSizes() int { return len(f.sizes) }

func (f *hashmapModel) Spans() []pages.Span {
	out := make([]pages.Span, 0, len(f.forward))
	for start, size := range f.forward {
		out = append(out, pages.Span{Start: start, Len: size})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	return out
}
