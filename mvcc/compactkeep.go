package mvcc

import (
	"cmp"
	"fmt"
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
	sim          *compactSim // resolved and recording; read only
	unrestorable []Revision  // kept although not indexed
	once         sync.Once
	kept         []Revision // sorted: the revisions at or below the compaction that stay
}

// keepFilter is the filter of a resolved, recording compactSim plus the
// unrestorable revisions at or below its revision. Its sorted list is built
// on first use, in the goroutine that needs it, not the scan's.
func keepFilter(sim *compactSim, unrestorable []Revision) *CompactionFilter {
	return &CompactionFilter{sim: sim, unrestorable: unrestorable}
}

func (f *CompactionFilter) build() {
	kept := append(f.sim.keptRevisions(), f.unrestorable...)
	slices.SortFunc(kept, compareRevisions)
	f.kept = slices.Compact(kept)
}

// Keep is false exactly for the key-bucket pairs the compaction deletes.
func (f *CompactionFilter) Keep(bucket string, k []byte) bool {
	f.once.Do(f.build)
	if bucket != "key" {
		return true
	}
	bk, err := ParseBucketKey(k)
	if err != nil || bk.Main > f.sim.at {
		return true
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
