package freelist

import "github.com/dbinspect/dbinspect/pages"

// spanTree is an ordered set of disjoint spans (a treap keyed by Start)
// that answers bbolt's array question, "the lowest run of n free pages and
// how many free ids lie before it", in O(log spans) instead of a scan over
// every free id. Nodes live in one slice, so memory follows the number of
// spans, never the number of pages.
type spanTree struct {
	nodes []treapNode
	root  int32 // index into nodes, or nilNode
	free  []int32
	rng   uint64 // xorshift state for priorities; fixed seed keeps runs reproducible
}

const nilNode int32 = -1

type treapNode struct {
	span        pages.Span
	prio        uint64
	left, right int32
	maxLen      uint64 // longest span in this subtree
	sum         uint64 // pages in this subtree
}

// newSpanTree builds the tree from sorted, disjoint spans in linear time
// (the usual stack build of a Cartesian tree).
func newSpanTree(sorted []pages.Span) *spanTree {
	t := &spanTree{root: nilNode, rng: 0x9e3779b97f4a7c15}
	t.nodes = make([]treapNode, 0, len(sorted))
	var stack []int32
	for _, s := range sorted {
		i := t.newNode(s)
		last := nilNode
		for len(stack) > 0 && t.nodes[stack[len(stack)-1]].prio < t.nodes[i].prio {
			last = stack[len(stack)-1]
			stack = stack[:len(stack)-1]
		}
		t.nodes[i].left = last
		if len(stack) > 0 {
			t.nodes[stack[len(stack)-1]].right = i
		}
		stack = append(stack, i)
	}
	if len(stack) > 0 {
		t.root = stack[0]
		t.fixAll(t.root)
	}
	return t
}

func (t *spanTree) fixAll(i int32) {
	if i == nilNode {
		return
	}
	t.fixAll(t.nodes[i].left)
	t.fixAll(t.nodes[i].right)
	t.fix(i)
}

func (t *spanTree) nextPrio() uint64 {
	t.rng ^= t.rng << 13
	t.rng ^= t.rng >> 7
	t.rng ^= t.rng << 17
	return t.rng
}

func (t *spanTree) newNode(s pages.Span) int32 {
	n := treapNode{span: s, prio: t.nextPrio(), left: nilNode, right: nilNode, maxLen: s.Len, sum: s.Len}
	if k := len(t.free); k > 0 {
		i := t.free[k-1]
		t.free = t.free[:k-1]
		t.nodes[i] = n
		return i
	}
	t.nodes = append(t.nodes, n)
	return int32(len(t.nodes) - 1)
}

func (t *spanTree) fix(i int32) {
	n := &t.nodes[i]
	n.maxLen, n.sum = n.span.Len, n.span.Len
	for _, c := range [2]int32{n.left, n.right} {
		if c != nilNode {
			n.maxLen = max(n.maxLen, t.nodes[c].maxLen)
			n.sum += t.nodes[c].sum
		}
	}
}

// split divides the tree into spans starting before key and the rest.
func (t *spanTree) split(i int32, key uint64) (int32, int32) {
	if i == nilNode {
		return nilNode, nilNode
	}
	if t.nodes[i].span.Start < key {
		l, r := t.split(t.nodes[i].right, key)
		t.nodes[i].right = l
		t.fix(i)
		return i, r
	}
	l, r := t.split(t.nodes[i].left, key)
	t.nodes[i].left = r
	t.fix(i)
	return l, i
}

// merge joins two trees where every start in a precedes every start in b.
func (t *spanTree) merge(a, b int32) int32 {
	if a == nilNode {
		return b
	}
	if b == nilNode {
		return a
	}
	if t.nodes[a].prio > t.nodes[b].prio {
		t.nodes[a].right = t.merge(t.nodes[a].right, b)
		t.fix(a)
		return a
	}
	t.nodes[b].left = t.merge(a, t.nodes[b].left)
	t.fix(b)
	return b
}

// insert adds a span that overlaps no span of the tree.
func (t *spanTree) insert(s pages.Span) {
	l, r := t.split(t.root, s.Start)
	t.root = t.merge(t.merge(l, t.newNode(s)), r)
}

// remove deletes the span starting at start, if any.
func (t *spanTree) remove(start uint64) {
	l, r := t.split(t.root, start)
	mid, r2 := t.split(r, start+1)
	if mid != nilNode {
		t.free = append(t.free, mid)
	}
	t.root = t.merge(l, r2)
}

// firstFit finds the lowest span of at least n pages and the number of free
// pages in the spans before it.
func (t *spanTree) firstFit(n uint64) (s pages.Span, before uint64, ok bool) {
	i := t.root
	for i != nilNode {
		nd := &t.nodes[i]
		if nd.maxLen < n {
			return pages.Span{}, 0, false
		}
		if nd.left != nilNode && t.nodes[nd.left].maxLen >= n {
			i = nd.left
			continue
		}
		if nd.left != nilNode {
			before += t.nodes[nd.left].sum
		}
		if nd.span.Len >= n {
			return nd.span, before, true
		}
		before += nd.span.Len
		i = nd.right
	}
	return pages.Span{}, 0, false
}

// floor returns the span with the greatest start <= id.
func (t *spanTree) floor(id uint64) (pages.Span, bool) {
	var best pages.Span
	found := false
	for i := t.root; i != nilNode; {
		nd := &t.nodes[i]
		if nd.span.Start <= id {
			best, found = nd.span, true
			i = nd.right
		} else {
			i = nd.left
		}
	}
	return best, found
}

// ceil returns the span with the smallest start >= id.
func (t *spanTree) ceil(id uint64) (pages.Span, bool) {
	var best pages.Span
	found := false
	for i := t.root; i != nilNode; {
		nd := &t.nodes[i]
		if nd.span.Start >= id {
			best, found = nd.span, true
			i = nd.left
		} else {
			i = nd.right
		}
	}
	return best, found
}

// add puts the pages of s back, merging with touching or overlapping spans
// so the tree keeps maximal runs.
func (t *spanTree) add(s pages.Span) {
	if s.Len == 0 {
		return
	}
	start, end := s.Start, s.End()
	if p, ok := t.floor(start); ok && p.End() >= start {
		t.remove(p.Start)
		start, end = p.Start, max(end, p.End())
	}
	for {
		q, ok := t.ceil(start)
		if !ok || q.Start > end {
			break
		}
		t.remove(q.Start)
		end = max(end, q.End())
	}
	t.insert(pages.Span{Start: start, Len: end - start})
}

func (t *spanTree) pages() uint64 {
	if t.root == nilNode {
		return 0
	}
	return t.nodes[t.root].sum
}

func (t *spanTree) count() int { return len(t.nodes) - len(t.free) }

// spans lists the spans in order.
func (t *spanTree) spans() []pages.Span {
	out := make([]pages.Span, 0, t.count())
	var walk func(int32)
	walk = func(i int32) {
		if i == nilNode {
			return
		}
		walk(t.nodes[i].left)
		out = append(out, t.nodes[i].span)
		walk(t.nodes[i].right)
	}
	walk(t.root)
	return out
}
