package predict

import (
	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/report/calibrate"
)

// MemoryPrediction is etcd's memory for this file, by part.
type MemoryPrediction struct {
	// MmapBytes is the virtual size bbolt maps.
	MmapBytes int64 `json:"mmap_bytes"`
	// FileResidentBytes are the file pages MAP_POPULATE faults in.
	FileResidentBytes int64 `json:"file_resident_bytes"`
	// TreeIndexBytes is the live heap of the treeIndex after restore.
	TreeIndexBytes int64 `json:"treeindex_bytes"`
	// LeaseBytes is the lessor's heap on the leader (Lessor.LeaderBytes).
	LeaseBytes int64 `json:"lease_bytes"`
	// RestoreBufferBytes are the decoded revisions in flight during
	// restore: up to 10000 in the channel between the reader and the index
	// goroutine, each a copy of its key and value.
	RestoreBufferBytes int64 `json:"restore_buffer_bytes"`
	// HeapBytes is the Go heap the process holds after restore: the live
	// index, leases and restore buffer at their peak times the calibrated
	// GC factor (the runtime keeps the peak), plus the runtime base.
	HeapBytes int64 `json:"heap_bytes"`
	// RSSBytes is the expected RSS right after startup of a data dir
	// restored from this db (no raft log yet).
	RSSBytes int64 `json:"rss_bytes"`
	// RaftLogBytes is the raft log etcd keeps in memory in steady state.
	RaftLogBytes   int64 `json:"raftlog_bytes"`
	RaftLogEntries int   `json:"raftlog_entries"`
	// RSSSteadyBytes is RSSBytes plus the raft log.
	RSSSteadyBytes int64 `json:"rss_steady_bytes"`
}

const (
	gib               = int64(1) << 30
	defaultQuotaBytes = 2 * gib
	maxQuotaBytes     = 8 * gib
	initialMmapBytes  = 10 * gib
	// btree degree 32: up to 63 items a node; inserts in revision order
	// leave nodes about 70% full.
	btreeItemsPerNode = 44
	btreeNodeBytes    = 64 // node struct, 56 B in the 64 B size class
	keyIndexBytes     = 64 // keyIndex struct
	raftEntryOverhead = 64 // raftpb.Entry and request framing per entry
	// restoreChunkRevisions is etcd's restoreChunkKeys, also the buffer of
	// the channel between restore's reader and index goroutines.
	restoreChunkRevisions = 10000
)

// btreeSlotBytes is the size of one item slot: google/btree v1.0.1 (3.5)
// and v1.0.0 (3.4) store interfaces, the generic btrees of 3.6 and 3.7
// pointers.
func btreeSlotBytes(version string) int64 {
	if like35(version) {
		return 16
	}
	return 8
}

// raftLogEntries is how many entries etcd keeps in its in-memory raft log
// between snapshots: 3.5 (and 3.4) compacts only at a disk snapshot (every
// 100000 entries, down to 5000 catch-up entries); 3.6+ compacts every 100
// applied entries down to 5000.
func raftLogEntries(version string) int {
	if like35(version) {
		return mvcc.RaftLogEntries35
	}
	return mvcc.RaftLogEntries36
}

// mmapBytes follows etcd (10 GiB, or 1.1 x a non-default quota) and
// bbolt's mmapSize when the file is larger.
func mmapBytes(fileBytes, quota int64) int64 {
	initial := initialMmapBytes
	if quota > 0 && quota != defaultQuotaBytes {
		initial = quota + quota/10
	}
	return simMmap(max(fileBytes, initial))
}

// simMmap is bbolt's mmapSize for a 4 KiB page size.
func simMmap(size int64) int64 {
	for i := uint(15); i <= 30; i++ {
		if size <= 1<<i {
			return 1 << i
		}
	}
	if r := size % gib; r > 0 {
		size += gib - r
	}
	return size
}

func treeIndexBytes(in Inputs, version string) int64 {
	keys := int64(in.Index.Keys)
	if keys == 0 {
		keys = in.Keys
	}
	shape := int64(in.Index.KeyAllocBytes + in.Index.GenerationAllocBytes + in.Index.RevisionAllocBytes)
	if shape == 0 && keys > 0 {
		// No shape from the key bucket: one generation and 16 B per
		// revision, keys rounded to 8 bytes.
		shape = keys*48 + in.Revisions*16 + (in.KeyBytes/max(in.Revisions, 1)+8)*keys
	}
	nodes := (keys + btreeItemsPerNode - 1) / btreeItemsPerNode
	btree := nodes * (btreeNodeBytes + 64*btreeSlotBytes(version))
	return keys*keyIndexBytes + shape + btree
}

func predictMemory(in Inputs, cal calibrate.Calibration, version string) MemoryPrediction {
	m := MemoryPrediction{MmapBytes: mmapBytes(in.FileBytes, in.QuotaBytes)}
	m.FileResidentBytes = min(in.FileBytes, m.MmapBytes)
	if hw := int64(in.HighWaterPgid) * int64(in.PageSize); hw > 0 && hw < m.FileResidentBytes {
		// Past the high-water mark the file is the unwritten tail bbolt
		// grew it by: no data there to keep resident.
		m.FileResidentBytes = hw
	}
	m.TreeIndexBytes = treeIndexBytes(in, version)
	m.LeaseBytes = predictLessor(in.lessorInput()).LeaderBytes
	if in.Revisions > 0 {
		perRev := float64(in.KeyBytes+in.ValueBytes) / float64(in.Revisions)
		m.RestoreBufferBytes = int64(perRev * float64(min(in.Revisions, restoreChunkRevisions)))
	}
	m.HeapBytes = int64(cal.HeapGCFactor*float64(m.TreeIndexBytes+m.LeaseBytes+m.RestoreBufferBytes)) + cal.BaseHeapBytes
	m.RSSBytes = m.FileResidentBytes + m.HeapBytes
	window := raftLogEntries(version)
	m.RaftLogEntries = window
	if in.RaftIndex > 0 && in.RaftIndex < uint64(window) {
		// A member that applied fewer entries than the window holds no more.
		m.RaftLogEntries = int(in.RaftIndex)
	}
	if b, ok := in.RecentRevisionBytes[window]; ok {
		m.RaftLogBytes = b + int64(m.RaftLogEntries)*raftEntryOverhead
	}
	m.RSSSteadyBytes = m.RSSBytes + int64(cal.HeapGCFactor*float64(m.RaftLogBytes))
	return m
}

func memoryModel(in Inputs) Model {
	return Model{
		Name: "memory",
		Model: "mmap = bbolt mmapSize(max(file, 10 GiB or 1.1 x non-default quota)); resident file = min(file up to the high-water mark, mmap) (MAP_POPULATE); " +
			"treeIndex = keys x 64 (keyIndex) + key, generation and revision slices in Go size classes + btree nodes (degree 32, ~70% full, 16 B slots in 3.4 and 3.5, 8 B in 3.6+); " +
			"leases = the lessor model's leader heap; heap = GC factor x (treeIndex + leases + 10000 decoded revisions in flight) + runtime base; rss = resident file + heap; raft log = payload of the newest 105000 (3.4, 3.5) or 5100 (3.6+) revisions + 64 B each, at most as many entries as the member applied (the consistent index)",
		Inputs: map[string]int64{
			"file_bytes": in.FileBytes, "keys": in.Keys, "revisions": in.Revisions, "generations": int64(in.Index.Generations),
			"leases": in.Leases, "leased_keys": in.LeasedKeys, "quota_backend_bytes": in.QuotaBytes,
		},
		Assumptions: []string{
			"Linux: MAP_POPULATE faults in the whole file at open, so the file counts in RSS while memory allows",
			"one raft entry per main revision; its size is the revision's key and value plus framing",
			"the raft log is empty right after a restore and fills as writes arrive: rss_steady_bytes includes it",
			"a member that applied fewer entries than that (the db's consistent index) is counted at what it has written: its log reaches the full length only after as many more writes",
			"--memory-mlock is off",
		},
	}
}
