package mvcc

import (
	"cmp"
	"encoding/binary"
	"hash/maphash"
	"slices"
)

// RestoreOrder is the sequence of keys etcd's restoreIntoIndex looks up at
// startup: the key bucket is in revision order, which is the order restore
// streams it, so Keys[i] is the key of the i-th restored revision (every
// pair etcd restores, ignored deletes of deleted keys included: they are
// looked up too). Keys are numbered 0, 1, ... in order of first appearance
// (Keys[i] is a new key exactly when it equals the number of keys seen
// before i). Ranks[id] is key id's position in key (byte) order, the order
// of etcd's treeIndex B-tree. It holds no names: 4 bytes a revision and 4 a
// key. It is what report/predict's restore simulation replays.
type RestoreOrder struct {
	Keys  []uint32
	Ranks []uint32
}

// orderRecorder builds a RestoreOrder while the key bucket streams, when
// the key table restores the index (the sorted pass has its own way,
// sortorder.go). Keys
// are told apart by a 64-bit seeded hash in an open-addressing table
// (hash -> id); two keys are taken for one only when their hashes collide
// (about n²/2^65 for n keys), which would merely shift the simulation by
// one key. A key's name is kept (in one arena) from its first revision
// until the ranks are sorted, then dropped with the table.
type orderRecorder struct {
	seed  maphash.Seed
	slots []uint64 // hash | 1; 0 is empty
	vals  []uint32 // id of the key in the slot
	keys  []uint32 // per restored revision
	names []byte   // the names of keys 0, 1, ... back to back
	offs  []uint32 // offs[id] is where key id's name starts in names
	// failed says the order could not be held (over 2^32 keys or name
	// bytes); Summary.RestoreOrder is then nil.
	failed bool
}

const orderMinSlots = 1 << 10

func newOrderRecorder() *orderRecorder {
	return &orderRecorder{
		seed:  maphash.MakeSeed(),
		slots: make([]uint64, orderMinSlots),
		vals:  make([]uint32, orderMinSlots),
	}
}

// add records the key of one restored revision.
func (r *orderRecorder) add(key []byte) {
	if r.failed {
		return
	}
	h := maphash.Bytes(r.seed, key) | 1
	mask := uint64(len(r.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch r.slots[i] {
		case h:
			r.keys = appendDoubling(r.keys, r.vals[i])
			return
		case 0:
			id := len(r.offs)
			if id == 1<<32-1 || uint64(len(r.names))+uint64(len(key)) >= 1<<32 {
				r.fail()
				return
			}
			r.slots[i], r.vals[i] = h, uint32(id)
			r.offs = appendDoubling(r.offs, uint32(len(r.names)))
			if len(r.names)+len(key) > cap(r.names) {
				r.names = slices.Grow(r.names, max(len(key), cap(r.names)/4, 4096))
			}
			r.names = append(r.names, key...)
			r.keys = appendDoubling(r.keys, uint32(id))
			if 4*len(r.offs) > 3*len(r.slots) {
				r.grow()
			}
			return
		}
	}
}

// appendDoubling is append that grows a full slice by a quarter (at least
// 1024): doubling left up to half of each slice unused at the end of the
// scan, tens of MiB on a million keys (issue 16's memory budget); a
// quarter costs a few more copies.
func appendDoubling(s []uint32, x uint32) []uint32 {
	if len(s) == cap(s) {
		s = slices.Grow(s, max(len(s)/4, 1024))
	}
	return append(s, x)
}

func (r *orderRecorder) fail() {
	*r = orderRecorder{failed: true}
}

// grow doubles the table.
func (r *orderRecorder) grow() {
	slots, vals := make([]uint64, 2*len(r.slots)), make([]uint32, 2*len(r.slots))
	mask := uint64(len(slots) - 1)
	for j, h := range r.slots {
		if h == 0 {
			continue
		}
		i := h & mask
		for slots[i] != 0 {
			i = (i + 1) & mask
		}
		slots[i], vals[i] = h, r.vals[j]
	}
	r.slots, r.vals = slots, vals
}

// name is key id's name.
func (r *orderRecorder) name(id uint32) []byte {
	end := uint32(len(r.names))
	if int(id)+1 < len(r.offs) {
		end = r.offs[id+1]
	}
	return r.names[r.offs[id]:end]
}

// order sorts the keys by name and returns the order; the recorder is
// spent.
func (r *orderRecorder) order() *RestoreOrder {
	if r.failed {
		return nil
	}
	r.slots, r.vals = nil, nil
	byName := r.sortByName()
	r.names, r.offs = nil, nil
	ranks := make([]uint32, len(byName))
	for rank, id := range byName {
		ranks[id] = uint32(rank)
	}
	return &RestoreOrder{Keys: slices.Clip(r.keys), Ranks: ranks}
}

// nameKey is 8 bytes of a key's name from some depth, big-endian, zero
// padded; n is how many of them the name has (8: the name goes on).
// Comparing (k, n) compares the names from that depth on, up to 8 bytes.
type nameKey struct {
	k  uint64
	id uint32
	n  uint8
}

// sortByName returns the key ids in byte order of their names: an MSD
// radix sort, 8 bytes a level, that skips the prefix a group of keys has
// in common (etcd keys share long ones, "/registry/pods/ns/"). A sort of
// the names by comparison costs about 1 s for 1M keys, this one a fifth.
func (r *orderRecorder) sortByName() []uint32 {
	n := len(r.offs)
	items, scratch := make([]nameKey, n), make([]nameKey, n)
	for i := range items {
		items[i].id = uint32(i)
	}
	type group struct{ lo, hi, depth int }
	stack := []group{{0, n, 0}}
	for len(stack) > 0 {
		gr := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		g := items[gr.lo:gr.hi]
		d := gr.depth + r.commonPrefix(g, gr.depth)
		for i := range g {
			g[i].k, g[i].n = key8(r.name(g[i].id), d)
		}
		if len(g) < 128 {
			slices.SortFunc(g, func(a, b nameKey) int {
				if c := cmp.Compare(a.k, b.k); c != 0 {
					return c
				}
				return cmp.Compare(a.n, b.n)
			})
		} else {
			radixNameKeys(g, scratch[gr.lo:gr.hi])
		}
		for i := 0; i < len(g); {
			j := i + 1
			for j < len(g) && g[j].k == g[i].k && g[j].n == g[i].n {
				j++
			}
			if j-i > 1 && g[i].n == 8 {
				stack = append(stack, group{gr.lo + i, gr.lo + j, d + 8})
			}
			i = j
		}
	}
	ids := make([]uint32, n)
	for i := range items {
		ids[i] = items[i].id
	}
	return ids
}

// commonPrefix is the length of the prefix that the names of g's keys
// share past depth (g holds at least one key, all of whose names are at
// least depth long).
func (r *orderRecorder) commonPrefix(g []nameKey, depth int) int {
	if len(g) < 2 {
		return 0
	}
	first := r.name(g[0].id)[depth:]
	l := len(first)
	for i := 1; i < len(g) && l > 0; i++ {
		other := r.name(g[i].id)[depth:]
		l = min(l, len(other))
		j := 0
		for j < l && first[j] == other[j] {
			j++
		}
		l = j
	}
	return l
}

// key8 is the nameKey of name at depth.
func key8(name []byte, depth int) (uint64, uint8) {
	rest := name[min(depth, len(name)):]
	if len(rest) >= 8 {
		return binary.BigEndian.Uint64(rest), 8
	}
	var b [8]byte
	copy(b[:], rest)
	return binary.BigEndian.Uint64(b[:]), uint8(len(rest))
}

// radixNameKeys sorts g by (k, n): a stable LSD radix sort, n first, then
// the bytes of k from the lowest, skipping bytes every key has alike.
func radixNameKeys(g, scratch []nameKey) {
	src, dst := g, scratch[:len(g)]
	var count [256]int
	var diff uint64
	for i := range src {
		diff |= src[i].k ^ src[0].k
	}
	// n: 0..8.
	clear(count[:])
	for i := range src {
		count[src[i].n]++
	}
	sum := 0
	for d := range 9 {
		count[d], sum = sum, sum+count[d]
	}
	for i := range src {
		dst[count[src[i].n]] = src[i]
		count[src[i].n]++
	}
	src, dst = dst, src
	for shift := 0; shift < 64; shift += 8 {
		if (diff>>shift)&0xff == 0 {
			continue
		}
		clear(count[:])
		for i := range src {
			count[(src[i].k>>shift)&0xff]++
		}
		sum := 0
		for d := range count {
			count[d], sum = sum, sum+count[d]
		}
		for i := range src {
			b := (src[i].k >> shift) & 0xff
			dst[count[b]] = src[i]
			count[b]++
		}
		src, dst = dst, src
	}
	if &src[0] != &g[0] {
		copy(g, src)
	}
}
