package mvcc

import "math"

// compactSim replays, while the key bucket streams past, what an etcd
// compaction at revision at would delete: every revision at or below at
// except, per key, the newest one of the generation still alive at at
// (treeIndex.Compact's "available" set, etcd 3.5.16+/3.6: a tombstone at
// exactly at is kept, older tombstones go with their generation).
// scheduleCompaction deletes by revision from 0_0 up to at, so entries
// below restore's range (main 0) go too.
type compactSim struct {
	at int64 // math.MaxInt64 while "latest" is not known yet
	// cand is per key the bytes+1 of the revision kept so far, 0 = none.
	// Per-key arrays live in fixed blocks (perKey): growing never copies
	// them, and a many-key scan leaves no garbage behind.
	cand      perKey[uint32]
	n         int    // keys seen: every index below n has its slots
	revisions uint64 // revisions deleted
	bytes     uint64 // bucket key + value bytes deleted
	scanned   uint64 // revisions at or below at (what compaction walks)

	// kept, when recording (CompactionKeep), is per key the revision cand
	// stands for; after an indexed tombstone it holds that tombstone,
	// which resolveLatest may keep after all.
	record bool
	kept   perKey[Revision]
}

// perKey is an array indexed by key index, in blocks of stateBlockLen
// that are never moved; a slot not yet written is zero.
type perKey[T any] struct{ blocks [][]T }

// at is the slot of key i, allocating its block on first use.
func (p *perKey[T]) at(i int) *T {
	bi, j := i>>stateBlockBits, i&(stateBlockLen-1)
	for bi >= len(p.blocks) {
		// The first block grows by appending (small tables stay small);
		// the others are allocated whole.
		capacity := stateBlockLen
		if len(p.blocks) == 0 {
			capacity = 64
		}
		p.blocks = append(p.blocks, make([]T, 0, capacity))
	}
	b := &p.blocks[bi]
	if j >= len(*b) {
		*b = append(*b, make([]T, j+1-len(*b))...)
	}
	return &(*b)[j]
}

func newCompactSim(at int64) *compactSim {
	if at <= 0 {
		at = math.MaxInt64
	}
	return &compactSim{at: at}
}

// observe takes one revision of key idx; indexed is false for a delete
// etcd's index ignored (the key was already deleted).
func (c *compactSim) observe(idx int, rev Revision, tomb, indexed bool, entryBytes uint32) {
	cand := c.cand.at(idx)
	c.n = max(c.n, idx+1)
	if c.step(cand, rev, tomb, indexed, entryBytes) && c.record {
		*c.kept.at(idx) = rev
	}
}

// step is observe for one key whose candidate slot is cand. It is true
// when the revision is the one cand now stands for (when recording, the
// revision to keep if cand is not 0 at the end).
func (c *compactSim) step(cand *uint32, rev Revision, tomb, indexed bool, entryBytes uint32) bool {
	if rev.Main > c.at {
		return false
	}
	c.scanned++
	b := entryBytes
	if b == math.MaxUint32 {
		b--
	}
	if tomb && !indexed {
		c.drop(uint64(entryBytes))
		return false
	}
	if prev := *cand; prev != 0 {
		c.drop(uint64(prev - 1))
		*cand = 0
	}
	if tomb && rev.Main < c.at {
		c.drop(uint64(entryBytes))
		return true
	}
	*cand = b + 1
	return true
}

// observeUnindexed takes a revision etcd's restore never indexed but its
// compaction walks (main revision 0): deleted whenever it is in range.
func (c *compactSim) observeUnindexed(main int64, entryBytes uint32) {
	if main > c.at {
		return
	}
	c.scanned++
	c.drop(uint64(entryBytes))
}

func (c *compactSim) drop(b uint64) {
	c.revisions++
	c.bytes += b
}

// resolveLatest fixes a "latest" simulation once the current revision is
// known: a tombstone at exactly that revision is kept, not deleted.
func (c *compactSim) resolveLatest(current int64, table *keyTable) {
	if c.at != math.MaxInt64 {
		return
	}
	c.at = current
	table.each(func(i int, s *keyState) {
		if !s.live && s.lastTomb && s.modMain == current && s.revs > 0 {
			c.revisions--
			c.bytes -= uint64(s.lastBytes)
			if i < c.n {
				*c.cand.at(i) = min(s.lastBytes, math.MaxUint32-1) + 1
			}
		}
	})
}

// resolve fixes a "latest" simulation at the current revision before it
// sees any revision (the sorted pass knows it by then).
func (c *compactSim) resolve(current int64) {
	if c.at == math.MaxInt64 {
		c.at = current
	}
}

// eachKept calls fn, when recording, with the revision kept per key (at
// or below at), in no particular order. With free it releases each
// block of per-key slots once visited: the simulation is spent after.
func (c *compactSim) eachKept(free bool, fn func(Revision)) {
	for b := range c.cand.blocks {
		cand, kept := c.cand.blocks[b], []Revision(nil)
		if b < len(c.kept.blocks) {
			kept = c.kept.blocks[b]
		}
		for j, x := range cand {
			if x != 0 {
				fn(kept[j])
			}
		}
		if free {
			c.cand.blocks[b] = nil
			if b < len(c.kept.blocks) {
				c.kept.blocks[b] = nil
			}
		}
	}
	if free {
		c.cand.blocks, c.kept.blocks, c.n = nil, nil, 0
	}
}
