package calibrate

import "sort"

// btree is a small B-tree with google/btree's shape (degree 32: nodes
// split when they reach 63 items, splitting at the middle) used only to
// time the inserts etcd's treeIndex restore makes. The root module cannot
// depend on google/btree, and timing needs the same memory pattern
// (binary search in a node, slice insert, splits), not the same code.
type btree[T any] struct {
	less  func(a, b T) bool
	root  *node[T]
	count int
}

type node[T any] struct {
	items    []T
	children []*node[T]
}

const maxItems = 2*32 - 1

func newBtree[T any](less func(a, b T) bool) *btree[T] {
	return &btree[T]{less: less}
}

// find returns the index of the first item not less than x and whether it
// equals x.
func (n *node[T]) find(x T, less func(a, b T) bool) (int, bool) {
	i := sort.Search(len(n.items), func(i int) bool { return less(x, n.items[i]) })
	if i > 0 && !less(n.items[i-1], x) {
		return i - 1, true
	}
	return i, false
}

func (n *node[T]) split(i int) (T, *node[T]) {
	item := n.items[i]
	next := &node[T]{items: append([]T(nil), n.items[i+1:]...)}
	n.items = n.items[:i:i]
	if len(n.children) > 0 {
		next.children = append([]*node[T](nil), n.children[i+1:]...)
		n.children = n.children[: i+1 : i+1]
	}
	return item, next
}

// ReplaceOrInsert adds x or replaces an equal item, like google/btree.
func (t *btree[T]) ReplaceOrInsert(x T) {
	if t.root == nil {
		t.root = &node[T]{items: []T{x}}
		t.count++
		return
	}
	if len(t.root.items) >= maxItems {
		mid, next := t.root.split(maxItems / 2)
		t.root = &node[T]{items: []T{mid}, children: []*node[T]{t.root, next}}
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
		if len(n.children[i].items) >= maxItems {
			mid, next := n.children[i].split(maxItems / 2)
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
func (t *btree[T]) Len() int { return t.count }

// Ascend visits every item in order.
func (t *btree[T]) Ascend(fn func(T)) { t.root.ascend(fn) }

func (n *node[T]) ascend(fn func(T)) {
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
