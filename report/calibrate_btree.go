package report

import "sort"

// calBtree is a small B-tree with google/btree's shape (degree 32: nodes
// split when they reach 63 items, splitting at the middle) used only to
// time the inserts etcd's treeIndex restore makes. The root module cannot
// depend on google/btree, and timing needs the same memory pattern
// (binary search in a node, slice insert, splits), not the same code.
type calBtree[T any] struct {
	less  func(a, b T) bool
	root  *calNode[T]
	count int
}

type calNode[T any] struct {
	items    []T
	children []*calNode[T]
}

const calMaxItems = 2*32 - 1

func newCalBtree[T any](less func(a, b T) bool) *calBtree[T] {
	return &calBtree[T]{less: less}
}

// find returns the index of the first item not less than x and whether it
// equals x.
func (n *calNode[T]) find(x T, less func(a, b T) bool) (int, bool) {
	i := sort.Search(len(n.items), func(i int) bool { return less(x, n.items[i]) })
	if i > 0 && !less(n.items[i-1], x) {
		return i - 1, true
	}
	return i, false
}

func (n *calNode[T]) split(i int) (T, *calNode[T]) {
	item := n.items[i]
	next := &calNode[T]{items: append([]T(nil), n.items[i+1:]...)}
	n.items = n.items[:i:i]
	if len(n.children) > 0 {
		next.children = append([]*calNode[T](nil), n.children[i+1:]...)
		n.children = n.children[: i+1 : i+1]
	}
	return item, next
}

// ReplaceOrInsert adds x or replaces an equal item, like google/btree.
func (t *calBtree[T]) ReplaceOrInsert(x T) {
	if t.root == nil {
		t.root = &calNode[T]{items: []T{x}}
		t.count++
		return
	}
	if len(t.root.items) >= calMaxItems {
		mid, next := t.root.split(calMaxItems / 2)
		t.root = &calNode[T]{items: []T{mid}, children: []*calNode[T]{t.root, next}}
	}
	n := t.root
	for {
		i, found := n.find(x, t.less)
		if found {
			n.items[i] = x
			return
		}
		if len(n.children) == 0 {
			var zero T
			n.items = append(n.items, zero)
			copy(n.items[i+1:], n.items[i:])
			n.items[i] = x
			t.count++
			return
		}
		if len(n.children[i].items) >= calMaxItems {
			mid, next := n.children[i].split(calMaxItems / 2)
			n.items = append(n.items, mid)
			copy(n.items[i+1:], n.items[i:])
			n.items[i] = mid
			n.children = append(n.children, nil)
			copy(n.children[i+2:], n.children[i+1:])
			n.children[i+1] = next
			if t.less(mid, x) {
				i++
			} else if !t.less(x, mid) {
				n.items[i] = x
				return
			}
		}
		n = n.children[i]
	}
}

// Len is the number of items.
func (t *calBtree[T]) Len() int { return t.count }

// Ascend visits every item in order.
func (t *calBtree[T]) Ascend(fn func(T)) { t.root.ascend(fn) }

func (n *calNode[T]) ascend(fn func(T)) {
	if n == nil {
		return
	}
	for i, it := range n.items {
		if len(n.children) > 0 {
			n.children[i].ascend(fn)
		}
		fn(it)
	}
	if len(n.children) > 0 {
		n.children[len(n.children)-1].ascend(fn)
	}
}
