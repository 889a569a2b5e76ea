package wal

import "sort"

// etcd's raft log constants (etcdserver/server.go of each version).
const (
	// SnapshotCount35 and SnapshotCount36 are DefaultSnapshotCount: how
	// many applied entries trigger a disk snapshot (--snapshot-count).
	SnapshotCount35 = 100000
	SnapshotCount36 = 10000
	// CatchUpEntries is DefaultSnapshotCatchUpEntries: what a compaction
	// keeps in memory for slow followers.
	CatchUpEntries = 5000
	// memorySnapshotCount: 3.6+ compacts the in-memory log every 100
	// applied entries.
	memorySnapshotCount = 100
	// EntryStructBytes is a raftpb.Entry without its data (measured).
	EntryStructBytes = 48
)

// DefaultSnapshotCount is etcd's --snapshot-count default for a minor.
func DefaultSnapshotCount(version string) uint64 {
	if like35(version) {
		return SnapshotCount35
	}
	return SnapshotCount36
}

// Span counts entries and their data bytes over an index range.
type Span struct {
	Entries int    `json:"entries"`
	Bytes   int64  `json:"data_bytes"`
	Ops     int64  `json:"ops"`
	First   uint64 `json:"first_index,omitempty"`
	Last    uint64 `json:"last_index,omitempty"`
}

func (s *Span) add(e Entry) {
	if s.Entries == 0 {
		s.First = e.Index
	}
	s.Entries++
	s.Bytes += int64(e.Size)
	s.Ops += int64(e.Ops)
	s.Last = e.Index
}

// KindCount is entries of one kind.
type KindCount struct {
	Kind    string `json:"kind"`
	Entries int    `json:"entries"`
	Bytes   int64  `json:"data_bytes"`
	Ops     int64  `json:"ops"`
	Largest int64  `json:"largest_bytes"`
}

// Replay is what the member does with its raft log at restart, counted.
type Replay struct {
	Version       string `json:"version"`
	SnapshotCount uint64 `json:"snapshot_count"`
	SnapIndex     uint64 `json:"snapshot_index"`
	SnapTerm      uint64 `json:"snapshot_term"`
	// SnapDataBytes is the .snap's data (the v2 store JSON) etcd decodes
	// and keeps with the snapshot in MemoryStorage.
	SnapDataBytes int64  `json:"snapshot_data_bytes"`
	Commit        uint64 `json:"commit_index"`
	// ConsistentIndex is the db's meta/consistent_index (HaveCI false:
	// no db was read, so Applied and Skipped assume nothing was applied).
	ConsistentIndex uint64 `json:"consistent_index"`
	HaveCI          bool   `json:"have_consistent_index"`

	// Loaded are the entries after the snapshot that raft loads into
	// MemoryStorage before it starts: all of them are in memory at once.
	Loaded Span `json:"loaded"`
	// Skipped are committed entries at or below the consistent index: etcd
	// walks them but does not apply them to the db again.
	Skipped Span `json:"skipped"`
	// Applied are committed entries above the consistent index: applied
	// to the db again (mvcc puts, txns, lease grants...).
	Applied Span `json:"applied"`
	// Uncommitted are entries above the HardState's commit: applied once
	// raft commits them (a single member does so right after its election).
	Uncommitted Span `json:"uncommitted"`
	// AppliedByKind splits Applied (and Uncommitted) by request.
	AppliedByKind []KindCount `json:"applied_by_kind"`
	// Largest is the largest entry loaded.
	Largest int64 `json:"largest_entry_bytes"`

	// DecodedBytes are the WAL frame bytes etcd decodes at restart:
	// ValidSnapshotEntries reads every segment, then ReadAll reads again
	// from the segment holding the snapshot index.
	DecodedBytes int64 `json:"decoded_bytes"`
	// SegmentsRead is how many segments ReadAll opens.
	SegmentsRead int `json:"segments_read"`

	// InMemoryAfterStart is what MemoryStorage holds once replay is done
	// and etcd has compacted (3.6+: every 100 applied, down to 5,000
	// catch-up entries; 3.5: only after a disk snapshot, every
	// --snapshot-count entries).
	InMemoryAfterStart Span `json:"in_memory_after_start"`
}

// ComputeReplay counts what the restart does from the outcome's loaded
// entries. snapshotCount 0 means the version's default.
func ComputeReplay(l *Log, out Outcome, version string, ci uint64, haveCI bool, snapshotCount uint64) Replay {
	if snapshotCount == 0 {
		snapshotCount = DefaultSnapshotCount(version)
	}
	rp := Replay{Version: version, SnapshotCount: snapshotCount, ConsistentIndex: ci, HaveCI: haveCI, AppliedByKind: []KindCount{}}
	if out.Snapshot != nil {
		rp.SnapIndex, rp.SnapTerm, rp.SnapDataBytes = out.Snapshot.Index, out.Snapshot.Term, out.Snapshot.DataBytes
	}
	ld := out.Loaded
	rp.Commit = ld.State.Commit
	applyFrom := rp.SnapIndex
	if haveCI && ci > applyFrom {
		applyFrom = ci
	}
	byKind := map[Kind]*KindCount{}
	for _, e := range ld.Entries {
		rp.Loaded.add(e)
		rp.Largest = max(rp.Largest, int64(e.Size))
		switch {
		case e.Index > rp.Commit:
			rp.Uncommitted.add(e)
		case e.Index <= applyFrom:
			rp.Skipped.add(e)
			continue
		default:
			rp.Applied.add(e)
		}
		k := byKind[e.Kind]
		if k == nil {
			k = &KindCount{Kind: e.Kind.String()}
			byKind[e.Kind] = k
		}
		k.Entries++
		k.Bytes += int64(e.Size)
		k.Ops += int64(e.Ops)
		k.Largest = max(k.Largest, int64(e.Size))
	}
	for _, k := range byKind {
		rp.AppliedByKind = append(rp.AppliedByKind, *k)
	}
	sort.Slice(rp.AppliedByKind, func(i, j int) bool {
		a, b := rp.AppliedByKind[i], rp.AppliedByKind[j]
		if a.Bytes != b.Bytes {
			return a.Bytes > b.Bytes
		}
		return a.Kind < b.Kind
	})

	for i, s := range l.Segments {
		rp.DecodedBytes += s.End
		if ld.FirstSegment >= 0 && i >= ld.FirstSegment {
			rp.DecodedBytes += s.End
			rp.SegmentsRead++
		}
	}

	// After replay raft has applied up to the last entry (a single member
	// commits its whole log); etcd then snapshots and compacts.
	applied := rp.Loaded.Last
	if applied < rp.SnapIndex {
		applied = rp.SnapIndex
	}
	compactTo := uint64(0) // entries at or below stay out of memory
	if like35(version) {
		if applied-rp.SnapIndex > snapshotCount && applied > CatchUpEntries {
			compactTo = applied - CatchUpEntries
		}
	} else if applied > rp.SnapIndex+memorySnapshotCount {
		compactTo = 1
		if applied > CatchUpEntries {
			compactTo = applied - CatchUpEntries
		}
	}
	for _, e := range ld.Entries {
		if e.Index > compactTo {
			rp.InMemoryAfterStart.add(e)
		}
	}
	return rp
}

// MemoryBytes is what a span costs in MemoryStorage: each entry's struct
// plus its data (the data is shared with the decoded entry, not copied).
func (s Span) MemoryBytes() int64 { return int64(s.Entries)*EntryStructBytes + s.Bytes }
