package mvcc

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sync"
)

// CompactionKeep returns the filter of what an etcd compaction at revision
// at leaves in the db: its Keep(bucket, k) is false exactly for the
// key-bucket pairs scheduleCompaction (kvstore_compaction.go) deletes,
// by the rule Summary.Compaction counts, and true for every other pair,
// other buckets included. at <= 0 means the current revision. The pairs
// it drops add up to Summary.Compaction's RemovedRevisions and
// RemovedBytes for the same at.
//
// Like etcd, it matches by revision (main, sub), ignoring the tombstone
// mark: only a damaged file holds two pairs with one revision, and there
// the filter keeps both, as etcd would, while the what-if counts pairs.
// Pairs etcd could not restore at all (a bad revision key or value, on
// which etcd stops at startup) are kept, as Summary.Compaction does.
//
// It streams the key bucket once (meta too, for the current revision),
// rebuilding the index as Scan does; the filter holds 16 bytes per kept
// revision and may be called from one goroutine at a time or many.
func CompactionKeep(src KVReader, at int64) (*CompactionFilter, error) {
	names, err := src.BucketNames()
	if err != nil {
		return nil, fmt.Errorf("compaction filter: list buckets: %w", err)
	}
	var hasKey, hasMeta bool
	for _, n := range names {
		hasKey = hasKey || n == "key"
		hasMeta = hasMeta || n == "meta"
	}
	if !hasKey {
		return nil, ErrNotEtcd
	}
	var meta Meta
	if hasMeta && at <= 0 {
		if err := src.ForEach("meta", func(k, v []byte) error { meta.add(k, v); return nil }); err != nil {
			return nil, fmt.Errorf("compaction filter: read bucket meta: %w", err)
		}
	}
	ix := newRestoreIndex()
	sim := newCompactSim(at)
	sim.record = true
	var restoredMain int64
	var unrestorable []Revision // kept although not indexed
	err = src.ForEach("key", func(k, v []byte) error {
		e := ix.apply(k, v)
		switch e.fault {
		case entryRestored:
			restoredMain = e.bk.Main
			sim.observe(e.idx, e.bk.Revision, e.bk.Tombstone, e.indexed, e.entryBytes)
		case entryBelowRestore:
			sim.observeUnindexed(e.bk.Main, e.entryBytes)
		case entryBadValue:
			if e.bk.Main <= sim.at {
				unrestorable = append(unrestorable, e.bk.Revision)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("compaction filter: read bucket key: %w", err)
	}
	// As finish: restore's currentRev, raised to the compaction revisions.
	cur := max(int64(1), restoredMain, meta.FinishedCompactRevision, meta.ScheduledCompactRevision)
	sim.resolveLatest(cur, ix.table)

	return keepFilter(sim, unrestorable), nil
}

// CompactionFilter says which pairs of the db an etcd compaction leaves
// (see CompactionKeep). It decides from the bucket and key alone, never
// from the value, and may be used from many goroutines at once.
type CompactionFilter struct {
	at           int64
	sim          *compactSim // resolved and recording; released once built
	unrestorable []Revision  // kept although not indexed
	once         sync.Once
	// The revisions at or below at that stay: those of sub revision 0 as
	// bits over their main revisions from lo (etcd writes one revision
	// per write outside Txns, so these are most), the others sorted in
	// kept. 1.5M kept revisions take 0.4 MB instead of 24 MB.
	lo   int64
	bits []uint64
	kept []Revision
}

// keepFilter is the filter of a resolved, recording compactSim plus the
// unrestorable revisions at or below its revision. It is built on first
// use, in the goroutine that needs it, not the scan's.
func keepFilter(sim *compactSim, unrestorable []Revision) *CompactionFilter {
	return &CompactionFilter{at: sim.at, sim: sim, unrestorable: unrestorable}
}

// maxBitsPerKept bounds the bitmap: past 128 bits (16 bytes, a Revision)
// per revision it holds, the revisions go to the sorted list instead.
const maxBitsPerKept = 128

func (f *CompactionFilter) build() {
	lo, hi, n := int64(math.MaxInt64), int64(math.MinInt64), 0
	f.sim.eachKept(false, func(r Revision) {
		if r.Sub == 0 {
			lo, hi, n = min(lo, r.Main), max(hi, r.Main), n+1
		}
	})
	useBits := n > 0 && uint64(hi-lo) < uint64(n)*maxBitsPerKept
	if useBits {
		f.lo, f.bits = lo, make([]uint64, uint64(hi-lo)/64+1)
	}
	kept := f.unrestorable
	f.sim.eachKept(true, func(r Revision) {
		if useBits && r.Sub == 0 {
			d := uint64(r.Main - lo)
			f.bits[d/64] |= 1 << (d % 64)
			return
		}
		kept = append(kept, r)
	})
	slices.SortFunc(kept, compareRevisions)
	f.kept = slices.Compact(kept)
	f.sim, f.unrestorable = nil, nil
}

// Keep is false exactly for the key-bucket pairs the compaction deletes.
func (f *CompactionFilter) Keep(bucket string, k []byte) bool {
	f.once.Do(f.build)
	if bucket != "key" {
		return true
	}
	bk, err := ParseBucketKey(k)
	if err != nil || bk.Main > f.at {
		return true
	}
	if bk.Sub == 0 && bk.Main >= f.lo {
		if d := uint64(bk.Main - f.lo); d/64 < uint64(len(f.bits)) && f.bits[d/64]&(1<<(d%64)) != 0 {
			return true
		}
	}
	_, found := slices.BinarySearchFunc(f.kept, bk.Revision, compareRevisions)
	return found
}

func compareRevisions(a, b Revision) int {
	if c := cmp.Compare(a.Main, b.Main); c != 0 {
		return c
	}
	return cmp.Compare(a.Sub, b.Sub)
}
