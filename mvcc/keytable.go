package mvcc

import (
	"hash/maphash"
	"unsafe"
)

// keyTable interns user keys and maps each to a dense index into states.
// Key bytes live in fixed-size arena chunks that are never moved, so the
// strings that point into them stay valid. The hash table (open
// addressing, linear probing, load <= 1/2) holds per slot the index+1 in
// the low 32 bits and the top 32 hash bits above, so a probe that misses
// rarely touches the state or the key bytes.
type keyTable struct {
	seed   maphash.Seed
	slots  []uint64 // 0 = empty
	states []keyState
	chunk  []byte // current arena chunk, appended to within its capacity
	// pendingTag is the hash tag of the key the last failed lookup saw,
	// for the insert that follows it.
	pendingTag uint64
	arena      uint64 // bytes reserved by all chunks
}

const arenaChunk = 1 << 20

func newKeyTable() *keyTable {
	return &keyTable{seed: maphash.MakeSeed(), slots: make([]uint64, 1024)}
}

// lookup returns the index of key and true, or the slot where it belongs
// and false. It does not allocate.
func (t *keyTable) lookup(key []byte) (int, bool) {
	mask := uint64(len(t.slots) - 1)
	h := maphash.Bytes(t.seed, key)
	tag := h &^ (1<<32 - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			t.pendingTag = tag
			return int(i), false
		}
		if s&^(1<<32-1) == tag {
			if idx := int(uint32(s)) - 1; t.states[idx].key == string(key) {
				return idx, true
			}
		}
	}
}

// insert adds key (known to be absent, slot from lookup) and returns its
// index. The key is copied into the arena.
func (t *keyTable) insert(key []byte, slot int) int {
	idx := len(t.states)
	t.states = append(t.states, keyState{key: t.intern(key)})
	t.slots[slot] = t.pendingTag | uint64(idx+1)
	if uint64(len(t.states))*2 > uint64(len(t.slots)) {
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
		// The slot keeps only the top hash bits; rehash for the position.
		h := maphash.String(t.seed, t.states[uint32(s)-1].key)
		j := h & mask
		for slots[j] != 0 {
			j = (j + 1) & mask
		}
		slots[j] = s
	}
	t.slots = slots
}

// intern copies key into the arena and returns a string aliasing the copy.
func (t *keyTable) intern(key []byte) string {
	if len(key) == 0 {
		return ""
	}
	if len(key) > arenaChunk/4 {
		b := make([]byte, len(key))
		copy(b, key)
		t.arena += uint64(len(b))
		return unsafe.String(&b[0], len(b))
	}
	if cap(t.chunk)-len(t.chunk) < len(key) {
		t.chunk = make([]byte, 0, arenaChunk)
		t.arena += arenaChunk
	}
	start := len(t.chunk)
	t.chunk = append(t.chunk, key...)
	return unsafe.String(&t.chunk[start], len(key))
}
