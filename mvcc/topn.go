package mvcc

import (
	"container/heap"
	"sort"
)

type ranked struct {
	score uint64
	idx   int
}

// topHeap keeps the n best keys by score (ties: smaller key first) in a
// min-heap, so ranking costs O(keys × log n) and n entries of memory.
type topHeap struct {
	n     int
	items []ranked
	table *keyTable
}

func (h *topHeap) Len() int { return len(h.items) }
func (h *topHeap) Less(i, j int) bool {
	return worse(h.items[i], h.items[j], h.table)
}
func (h *topHeap) Swap(i, j int) { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *topHeap) Push(x any)    { h.items = append(h.items, x.(ranked)) }
func (h *topHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}

// worse orders by score, then by key descending, so that the heap root is
// the entry to evict first.
func worse(a, b ranked, table *keyTable) bool {
	if a.score != b.score {
		return a.score < b.score
	}
	return table.keyAt(a.idx) > table.keyAt(b.idx)
}

func (h *topHeap) offer(score uint64, idx int) {
	if score == 0 || h.n <= 0 {
		return
	}
	r := ranked{score, idx}
	if len(h.items) < h.n {
		heap.Push(h, r)
		return
	}
	if worse(h.items[0], r, h.table) {
		h.items[0] = r
		heap.Fix(h, 0)
	}
}

// best returns the kept entries, best first.
func (h *topHeap) best() []ranked {
	out := append([]ranked(nil), h.items...)
	sort.Slice(out, func(i, j int) bool { return worse(out[j], out[i], h.table) })
	return out
}
