package mvcc

import (
	"hash/maphash"
	"unsafe"
)

// keyTable interns user keys and maps each to a dense index into its
// states. It is built for millions of keys:
//   - Key bytes live in arena chunks that are never moved; a state names its
//     key by chunk and offset, so states hold no pointers and the garbage
//     collector never scans them.
//   - States live in fixed-size blocks: growing copies none past the first
//     block and never needs twice their memory.
//   - The hash table (open addressing, linear probing, load <= 3/4: a slot is
//     8 bytes, so a miss probes mostly within one cache line) holds
//     per slot the index+1 in the low 32 bits and the top 32 hash bits
//     above. A probe that misses rarely touches a state or key bytes, and
//     the slot's position comes from those top bits too, so growing the
//     table never hashes a key again.
type keyTable struct {
	seed   maphash.Seed
	slots  []uint64 // 0 = empty
	blocks [][]keyState
	n      int
	chunks [][]byte // arena
	cur    int      // the chunk appended to, within its capacity; -1 before the first
	// pendingTag is the hash tag of the key the last failed lookup saw,
	// for the insert that follows it.
	pendingTag uint64
	arena      uint64 // bytes reserved by all chunks
	// scratch and result of warm (the sum keeps its reads from being optimized away)
	hashes []uint64
	sink   uint64
}

const (
	arenaChunk = 1 << 20
	// stateBlockBits sizes the state blocks: 8192 states, 640 KiB.
	stateBlockBits = 13
	stateBlockLen  = 1 << stateBlockBits
)

func newKeyTable() *keyTable {
	return &keyTable{seed: maphash.MakeSeed(), slots: make([]uint64, 1024), cur: -1}
}

// len is the number of keys.
func (t *keyTable) len() int { return t.n }

// state is the state of key index i. The pointer stays valid across
// inserts once the table holds stateBlockLen keys (the first block grows
// by appending until then; the blocks after it never move).
func (t *keyTable) state(i int) *keyState {
	return &t.blocks[i>>stateBlockBits][i&(stateBlockLen-1)]
}

// each calls fn for every key's state, in index order.
func (t *keyTable) each(fn func(i int, s *keyState)) {
	i := 0
	for _, b := range t.blocks {
		for j := range b {
			fn(i, &b[j])
			i++
		}
	}
}

// key is the interned key of s.
func (t *keyTable) key(s *keyState) string {
	if s.keyLen == 0 {
		return ""
	}
	c := t.chunks[s.keyChunk]
	return unsafe.String(&c[s.keyOff], int(s.keyLen))
}

// keyAt is the key of index i.
func (t *keyTable) keyAt(i int) string { return t.key(t.state(i)) }

// slotOf is where a hash (or a slot's tag bits) starts probing.
func slotOf(h, mask uint64) uint64 { return (h >> 32) & mask }

// lookup returns the index of key and true, or the slot where it belongs
// and false. It does not allocate.
func (t *keyTable) lookup(key []byte) (int, bool) {
	mask := uint64(len(t.slots) - 1)
	h := maphash.Bytes(t.seed, key)
	tag := h &^ (1<<32 - 1)
	for i := slotOf(h, mask); ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			t.pendingTag = tag
			return int(i), false
		}
		if s&^(1<<32-1) == tag {
			if idx := int(uint32(s)) - 1; t.keyAt(idx) == string(key) {
				return idx, true
			}
		}
	}
}

// insert adds key (known to be absent, slot from lookup) and returns its
// index. The key is copied into the arena.
func (t *keyTable) insert(key []byte, slot int) int {
	idx := t.n
	if idx&(stateBlockLen-1) == 0 && idx>>stateBlockBits == len(t.blocks) {
		// The first block grows by appending (small tables stay small);
		// the others are allocated whole.
		capacity := stateBlockLen
		if idx == 0 {
			capacity = 64
		}
		t.blocks = append(t.blocks, make([]keyState, 0, capacity))
	}
	b := &t.blocks[len(t.blocks)-1]
	st := keyState{}
	st.keyChunk, st.keyOff, st.keyLen = t.intern(key)
	*b = append(*b, st)
	t.n++
	t.slots[slot] = t.pendingTag | uint64(idx+1)
	if uint64(t.n)*4 > uint64(len(t.slots))*3 {
		t.grow()
	}
	return idx
}

func (t *keyTable) grow() {
	slots := make([]uint64, len(t.slots)*2)
	mask := uint64(len(slots) - 1)
	for _, s := range t.slots {
		if s == 0 {
			continue
		}
		j := slotOf(s, mask)
		for slots[j] != 0 {
			j = (j + 1) & mask
		}
		slots[j] = s
	}
	t.slots = slots
}

// intern copies key into the arena and returns where it is.
func (t *keyTable) intern(key []byte) (chunk, off, n uint32) {
	if len(key) == 0 {
		return 0, 0, 0
	}
	if len(key) > arenaChunk/4 {
		// A chunk of its own; the current chunk stays current.
		t.chunks = append(t.chunks, append([]byte(nil), key...))
		t.arena += uint64(len(key))
		return uint32(len(t.chunks) - 1), 0, uint32(len(key))
	}
	if t.cur < 0 || cap(t.chunks[t.cur])-len(t.chunks[t.cur]) < len(key) {
		t.chunks = append(t.chunks, make([]byte, 0, arenaChunk))
		t.arena += arenaChunk
		t.cur = len(t.chunks) - 1
	}
	start := len(t.chunks[t.cur])
	t.chunks[t.cur] = append(t.chunks[t.cur], key...)
	return uint32(t.cur), uint32(start), uint32(len(key))
}

// warm reads, for the keys of a leaf's values, the slots, states and key
// bytes their lookups will read, one loop per step with nothing carried
// from one key to the next. With millions of keys the table is far larger
// than the CPU caches and each of those reads is a cache miss; a lookup
// takes them one after the other, but here the processor overlaps the
// misses of all the leaf's keys, and the lookups that follow find their
// lines in the cache. It changes nothing: it only reads.
func (t *keyTable) warm(values [][]byte) {
	if t.n < 1<<16 {
		return // the table fits the caches
	}
	mask := uint64(len(t.slots) - 1)
	hs := t.hashes[:0]
	var acc uint64
	for _, v := range values {
		k, ok := keyOfValue(v)
		if !ok {
			continue
		}
		h := maphash.Bytes(t.seed, k)
		hs = append(hs, h)
		acc += t.slots[slotOf(h, mask)]
	}
	for i, h := range hs {
		s := t.slots[slotOf(h, mask)]
		hs[i] = 0
		if s != 0 && s&^(1<<32-1) == h&^(1<<32-1) {
			st := t.state(int(uint32(s)) - 1)
			if st.keyLen > 0 {
				hs[i] = uint64(st.keyChunk)<<32 | uint64(st.keyOff+st.keyLen-1)
			}
			acc += uint64(st.keyOff)
		}
	}
	for _, ref := range hs {
		if ref != 0 {
			// The key's last byte, and with it most keys' one or two lines.
			c := t.chunks[ref>>32]
			acc += uint64(c[uint32(ref)]) + uint64(c[uint32(ref)&^63])
		}
	}
	t.hashes, t.sink = hs, acc
}

// keyOfValue is the key of an encoded mvccpb.KeyValue when it comes first,
// as etcd writes it (field 1, length-delimited, a length under 2^14).
func keyOfValue(v []byte) ([]byte, bool) {
	if len(v) < 2 || v[0] != 0x0a {
		return nil, false
	}
	n, p := int(v[1]), 2
	if n >= 0x80 {
		if len(v) < 3 || v[2] >= 0x80 {
			return nil, false
		}
		n, p = n&0x7f|int(v[2])<<7, 3
	}
	if n == 0 || len(v)-p < n {
		return nil, false
	}
	return v[p : p+n], true
}
