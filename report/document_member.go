package report

// The member section's report-owned types (see document.go).

import (
	"github.com/dbinspect/dbinspect/wal"
)

// docMemberReport is MemberReport as the JSON report writes it.
type docMemberReport struct {
	WAL     *docWALLog         `json:"wal"`
	Snap    *docWALSnapDir     `json:"snap"`
	Entries docMemberEntries   `json:"entries"`
	Outcome docWALOutcome      `json:"outcome"`
	Replay  *docWALReplay      `json:"replay,omitempty"`
	Restart []docMemberRestart `json:"restart"`
	Model   docModel           `json:"model"`
}

// docWALLog is wal.Log as the JSON report writes it.
type docWALLog struct {
	Segments  []docWALSegment    `json:"segments"`
	Ignored   []string           `json:"ignored_files,omitempty"`
	Temps     []string           `json:"temp_files,omitempty"`
	Metadata  *docWALMetadata    `json:"metadata,omitempty"`
	State     *docWALHardState   `json:"hard_state,omitempty"`
	Snapshots []docWALSnapRecord `json:"snapshot_records"`
	Records   int                `json:"records"`
	BytesRead int64              `json:"bytes_read"`
	Problem   *docWALProblem     `json:"problem,omitempty"`
}

// docWALSnapDir is wal.SnapDir as the JSON report writes it.
type docWALSnapDir struct {
	Snaps []docWALSnapFile `json:"snap_files"`
	DBs   []docWALSnapDB   `json:"snap_db_files,omitempty"`
	Other []string         `json:"other_files,omitempty"`
}

// docMemberEntries is MemberEntries as the JSON report writes it.
type docMemberEntries struct {
	Entries    int               `json:"entries"`
	DataBytes  int64             `json:"data_bytes"`
	FirstIndex uint64            `json:"first_index"`
	LastIndex  uint64            `json:"last_index"`
	FirstTerm  uint64            `json:"first_term"`
	LastTerm   uint64            `json:"last_term"`
	Largest    int64             `json:"largest_bytes"`
	ByKind     []docWALKindCount `json:"by_kind"`
	Sizes      [4]int            `json:"by_size"`
}

// docWALOutcome is wal.Outcome as the JSON report writes it.
type docWALOutcome struct {
	Starts  bool   `json:"starts"`
	Repairs bool   `json:"repairs"`
	Reason  string `json:"reason,omitempty"`
}

// docWALReplay is wal.Replay as the JSON report writes it.
type docWALReplay struct {
	Version            string            `json:"version"`
	SnapshotCount      uint64            `json:"snapshot_count"`
	SnapIndex          uint64            `json:"snapshot_index"`
	SnapTerm           uint64            `json:"snapshot_term"`
	SnapDataBytes      int64             `json:"snapshot_data_bytes"`
	Commit             uint64            `json:"commit_index"`
	ConsistentIndex    uint64            `json:"consistent_index"`
	HaveCI             bool              `json:"have_consistent_index"`
	Loaded             docWALSpan        `json:"loaded"`
	Skipped            docWALSpan        `json:"skipped"`
	Applied            docWALSpan        `json:"applied"`
	Uncommitted        docWALSpan        `json:"uncommitted"`
	AppliedByKind      []docWALKindCount `json:"applied_by_kind"`
	Largest            int64             `json:"largest_entry_bytes"`
	DecodedBytes       int64             `json:"decoded_bytes"`
	SegmentsRead       int               `json:"segments_read"`
	InMemoryAfterStart docWALSpan        `json:"in_memory_after_start"`
}

// docMemberRestart is MemberRestart as the JSON report writes it.
type docMemberRestart struct {
	Version            string             `json:"version"`
	DBStartupSeconds   float64            `json:"db_startup_seconds"`
	DBRSSBytes         int64              `json:"db_rss_bytes"`
	WALDecodeSeconds   float64            `json:"wal_decode_seconds"`
	ReplaySeconds      float64            `json:"replay_seconds"`
	ElectionOverlap    float64            `json:"election_overlap_seconds"`
	Election           docRestartElection `json:"election"`
	StartupSeconds     float64            `json:"startup_seconds"`
	RaftLogPeakBytes   int64              `json:"raftlog_peak_bytes"`
	RSSBytes           int64              `json:"rss_bytes"`
	InMemoryAfterStart docWALSpan         `json:"in_memory_after_start"`
}

// docRestartElection is predict.RestartElection as the JSON report writes
// it.
type docRestartElection struct {
	Members      int     `json:"members"`
	FastForward  bool    `json:"fast_forward"`
	ExtraSeconds float64 `json:"extra_seconds"`
	Why          string  `json:"why"`
}

// docWALSegment is wal.Segment as the JSON report writes it.
type docWALSegment struct {
	Name       string `json:"name"`
	Seq        uint64 `json:"seq"`
	Index      uint64 `json:"index"`
	Size       int64  `json:"size_bytes"`
	GapBefore  bool   `json:"gap_before,omitempty"`
	Records    int    `json:"records"`
	Entries    int    `json:"entries"`
	EntryBytes int64  `json:"entry_data_bytes"`
	FirstIndex uint64 `json:"first_index,omitempty"`
	LastIndex  uint64 `json:"last_index,omitempty"`
	End        int64  `json:"end"`
	Ending     string `json:"ending"`
}

// docWALMetadata is wal.Metadata as the JSON report writes it.
type docWALMetadata struct {
	NodeID    uint64 `json:"member_id"`
	ClusterID uint64 `json:"cluster_id"`
}

// docWALHardState is wal.HardState as the JSON report writes it.
type docWALHardState struct {
	Term   uint64 `json:"term"`
	Vote   uint64 `json:"vote"`
	Commit uint64 `json:"commit"`
}

// docWALSnapRecord is wal.SnapRecord as the JSON report writes it.
type docWALSnapRecord struct {
	Index     uint64 `json:"index"`
	Term      uint64 `json:"term"`
	HasConf   bool   `json:"has_conf_state"`
	Voters    int    `json:"voters"`
	Learners  int    `json:"learners"`
	Committed bool   `json:"committed"`
}

// docWALProblem is wal.Problem as the JSON report writes it.
type docWALProblem struct {
	Code    string `json:"code"`
	Segment string `json:"segment"`
	Offset  int64  `json:"offset"`
	Last    bool   `json:"in_last_segment"`
	Msg     string `json:"message"`
}

// docWALSnapFile is wal.SnapFile as the JSON report writes it.
type docWALSnapFile struct {
	Name      string `json:"name"`
	Size      int64  `json:"size_bytes"`
	Index     uint64 `json:"index"`
	Term      uint64 `json:"term"`
	Voters    int    `json:"voters"`
	Learners  int    `json:"learners"`
	DataBytes int64  `json:"data_bytes"`
	Err       string `json:"error,omitempty"`
}

// docWALSnapDB is wal.SnapDB as the JSON report writes it.
type docWALSnapDB struct {
	Name  string `json:"name"`
	Index uint64 `json:"index"`
	Size  int64  `json:"size_bytes"`
}

// docWALKindCount is wal.KindCount as the JSON report writes it.
type docWALKindCount struct {
	Kind    string `json:"kind"`
	Entries int    `json:"entries"`
	Bytes   int64  `json:"data_bytes"`
	Ops     int64  `json:"ops"`
	Largest int64  `json:"largest_bytes"`
}

// docWALSpan is wal.Span as the JSON report writes it.
type docWALSpan struct {
	Entries int    `json:"entries"`
	Bytes   int64  `json:"data_bytes"`
	Ops     int64  `json:"ops"`
	First   uint64 `json:"first_index,omitempty"`
	Last    uint64 `json:"last_index,omitempty"`
}

func toMemberReport(v MemberReport) docMemberReport {
	return docMemberReport{
		WAL:     docPtr(v.WAL, toWALLog),
		Snap:    docPtr(v.Snap, toWALSnapDir),
		Entries: toMemberEntries(v.Entries),
		Outcome: toWALOutcome(v.Outcome),
		Replay:  docPtr(v.Replay, toWALReplay),
		Restart: docSlice(v.Restart, toMemberRestart),
		Model:   toModel(v.Model),
	}
}

func toWALLog(v wal.Log) docWALLog {
	return docWALLog{
		Segments:  docSlice(v.Segments, toWALSegment),
		Ignored:   v.Ignored,
		Temps:     v.Temps,
		Metadata:  docPtr(v.Metadata, toWALMetadata),
		State:     docPtr(v.State, toWALHardState),
		Snapshots: docSlice(v.Snapshots, toWALSnapRecord),
		Records:   v.Records,
		BytesRead: v.BytesRead,
		Problem:   docPtr(v.Problem, toWALProblem),
	}
}

func toWALSnapDir(v wal.SnapDir) docWALSnapDir {
	return docWALSnapDir{
		Snaps: docSlice(v.Snaps, toWALSnapFile),
		DBs:   docSlice(v.DBs, toWALSnapDB),
		Other: v.Other,
	}
}

func toMemberEntries(v MemberEntries) docMemberEntries {
	return docMemberEntries{
		Entries:    v.Entries,
		DataBytes:  v.DataBytes,
		FirstIndex: v.FirstIndex,
		LastIndex:  v.LastIndex,
		FirstTerm:  v.FirstTerm,
		LastTerm:   v.LastTerm,
		Largest:    v.Largest,
		ByKind:     docSlice(v.ByKind, toWALKindCount),
		Sizes:      v.Sizes,
	}
}

func toWALOutcome(v wal.Outcome) docWALOutcome {
	return docWALOutcome{
		Starts:  v.Starts,
		Repairs: v.Repairs,
		Reason:  v.Reason,
	}
}

func toWALReplay(v wal.Replay) docWALReplay {
	return docWALReplay{
		Version:            v.Version,
		SnapshotCount:      v.SnapshotCount,
		SnapIndex:          v.SnapIndex,
		SnapTerm:           v.SnapTerm,
		SnapDataBytes:      v.SnapDataBytes,
		Commit:             v.Commit,
		ConsistentIndex:    v.ConsistentIndex,
		HaveCI:             v.HaveCI,
		Loaded:             toWALSpan(v.Loaded),
		Skipped:            toWALSpan(v.Skipped),
		Applied:            toWALSpan(v.Applied),
		Uncommitted:        toWALSpan(v.Uncommitted),
		AppliedByKind:      docSlice(v.AppliedByKind, toWALKindCount),
		Largest:            v.Largest,
		DecodedBytes:       v.DecodedBytes,
		SegmentsRead:       v.SegmentsRead,
		InMemoryAfterStart: toWALSpan(v.InMemoryAfterStart),
	}
}

func toMemberRestart(v MemberRestart) docMemberRestart {
	return docMemberRestart{
		Version:            v.Version,
		DBStartupSeconds:   v.DBStartupSeconds,
		DBRSSBytes:         v.DBRSSBytes,
		WALDecodeSeconds:   v.WALDecodeSeconds,
		ReplaySeconds:      v.ReplaySeconds,
		ElectionOverlap:    v.ElectionOverlapSeconds,
		Election:           docRestartElection(v.Election),
		StartupSeconds:     v.StartupSeconds,
		RaftLogPeakBytes:   v.RaftLogPeakBytes,
		RSSBytes:           v.RSSBytes,
		InMemoryAfterStart: toWALSpan(v.InMemoryAfterStart),
	}
}

func toWALSegment(v wal.Segment) docWALSegment {
	return docWALSegment(v)
}

func toWALMetadata(v wal.Metadata) docWALMetadata {
	return docWALMetadata(v)
}

func toWALHardState(v wal.HardState) docWALHardState {
	return docWALHardState(v)
}

func toWALSnapRecord(v wal.SnapRecord) docWALSnapRecord {
	return docWALSnapRecord{
		Index:     v.Index,
		Term:      v.Term,
		HasConf:   v.HasConf,
		Voters:    v.Voters,
		Learners:  v.Learners,
		Committed: v.Committed,
	}
}

func toWALProblem(v wal.Problem) docWALProblem {
	return docWALProblem(v)
}

func toWALSnapFile(v wal.SnapFile) docWALSnapFile {
	return docWALSnapFile(v)
}

func toWALSnapDB(v wal.SnapDB) docWALSnapDB {
	return docWALSnapDB(v)
}

func toWALKindCount(v wal.KindCount) docWALKindCount {
	return docWALKindCount(v)
}

func toWALSpan(v wal.Span) docWALSpan {
	return docWALSpan(v)
}
