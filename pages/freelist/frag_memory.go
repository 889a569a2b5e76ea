package freelist

import "math/bits"

// Memory estimates for bbolt's freelist structures, for Go 1.24+ maps
// (Swiss tables: groups of 8 slots with one control byte per slot, grown by
// doubling at 7/8 load); etcd 3.5.35 and 3.6.16 build with Go 1.26.
// Estimates, not measurements: they ignore per-table headers and the
// allocs map (which follows the pages allocated since open).

// goMapBytes estimates a map of entries with keys and values of slotBytes.
func goMapBytes(entries uint64, slotBytes int64) int64 {
	if entries == 0 {
		return 0
	}
	slots := uint64(8)
	if entries > 8 {
		need := (entries*8 + 6) / 7
		slots = 1 << bits.Len64(need-1)
	}
	return int64(slots) * (slotBytes + 1)
}

// arrayMemoryBytes: ids []Pgid (8 B per free page) plus the cache
// map[Pgid]struct{} of every free page, which both freelists keep.
func arrayMemoryBytes(freePages uint64) int64 {
	return int64(freePages)*8 + goMapBytes(freePages, 8)
}

// hashmapMemoryBytes: the same cache map, plus forwardMap and backwardMap
// (map[Pgid]uint64, one entry per span), freemaps (map[uint64]pidSet, one
// entry per distinct size) and the pidSets (map[Pgid]struct{}, one entry
// per span in all; counted as one map, a lower bound).
func hashmapMemoryBytes(freePages uint64, spans, sizes int) int64 {
	s := uint64(spans)
	return goMapBytes(freePages, 8) + 2*goMapBytes(s, 16) + goMapBytes(uint64(sizes), 16) + goMapBytes(s, 8)
}

// persistedFreelistPages is the run tx.commitFreelist allocates when the
// freelist is synced: EstimatedWritePageSize()/pageSize + 1, where the size
// is a 16-byte header plus 8 bytes per id (and one count word past 0xFFFF).
func persistedFreelistPages(ids uint64, pageSize int) uint64 {
	n := ids
	if n >= 0xFFFF {
		n++
	}
	return (16+8*n)/uint64(pageSize) + 1
}
