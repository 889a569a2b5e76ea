package predict

import (
	"fmt"

	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/report/calibrate"
)

// DefaultWriteRate is the leader's write rate the follower model assumes
// when neither --write-rate nor a member's WAL gives one: 100 raft entries
// a second, a busy small Kubernetes cluster.
const DefaultWriteRate = 100

// Network speeds the follower model always prices, in Mbit/s: 1 and 10
// Gbit/s.
var followerNetworks = []float64{1000, 10000}

const (
	// Catch-up loop verdicts.
	CatchUpYes      = "catches_up"
	CatchUpPossible = "possible_loop"
	CatchUpLoop     = "likely_loop"
)

// FollowerInputs are what the follower model reads besides Inputs.
type FollowerInputs struct {
	WriteRate       float64 // raft entries a second; 0: DefaultWriteRate
	WriteRateSource string  // where WriteRate came from
	NetworkMbps     float64 // --network-mbps; 0: only 1 and 10 Gbit/s
	KeyBucketDepth  int     // levels of the key bucket's B+tree below its root
	// KeyBucketBytesPerPair is the key bucket's page bytes over its pairs:
	// what a revision takes on disk as etcd packs it (a 2 KiB value takes
	// a 4 KiB page). 0: its key and value bytes.
	KeyBucketBytesPerPair float64
}

// Stream limits: what bounds a send or a save.
const (
	LimitNetwork = "network"
	LimitStream  = "stream"
)

// FollowerSend is the snapshot sent at one network speed.
type FollowerSend struct {
	NetworkMbps float64 `json:"network_mbps"`
	// SendSeconds is the longer of the db over the network speed and the
	// stream's own time (LimitedBy says which).
	SendSeconds  float64 `json:"send_seconds"`
	LimitedBy    string  `json:"limited_by"`
	TotalSeconds float64 `json:"total_seconds"` // send + apply
	// EntriesWritten are the raft entries the leader writes meanwhile.
	EntriesWritten int64 `json:"entries_written"`
	// CatchUp is catches_up, possible_loop or likely_loop.
	CatchUp string `json:"catch_up"`
}

// FollowerSnapshot is what a follower that fell behind costs: the leader
// sends it the whole db, it applies it, and it must then catch up from the
// leader's raft log.
type FollowerSnapshot struct {
	Version string `json:"version"`
	// DbBytes is what the leader sends: the db up to its high-water mark
	// (etcd's backend snapshot writes the file through tx.WriteTo).
	DbBytes int64 `json:"db_bytes"`
	// ApplySeconds is the follower's restore of the received db: the
	// startup model without its fixed start (mmap, freelist, leases,
	// treeIndex).
	ApplySeconds    float64 `json:"apply_seconds"`
	WriteRate       float64 `json:"write_rate"`
	WriteRateSource string  `json:"write_rate_source"`
	SnapshotCount   int64   `json:"snapshot_count"`
	CatchUpEntries  int64   `json:"catch_up_entries"`
	// MinWindowEntries and MaxWindowEntries bound the entries the leader
	// still holds after the snapshot's index when the follower is ready:
	// 3.6+ compacts every 100 applied entries down to the catch-up
	// entries (both about 5,000); 3.5 compacts only at a disk snapshot,
	// every --snapshot-count entries, so from 5,000 to snapshot-count +
	// 5,000 depending on where in that cycle the send began.
	MinWindowEntries int64          `json:"min_window_entries"`
	MaxWindowEntries int64          `json:"max_window_entries"`
	Sends            []FollowerSend `json:"sends"`
	// SaveSeconds and SaveGrowthBytes are 'etcdctl snapshot save' of this
	// db at the first network speed: its long read transaction keeps the
	// pages freed meanwhile from being reused, so the db grows by every
	// commit's copied pages and the data written.
	SaveSeconds     float64 `json:"save_seconds"`
	SaveLimitedBy   string  `json:"save_limited_by"`
	SaveGrowthBytes int64   `json:"save_growth_bytes"`
	// SavePinnedBytes is the part of SaveGrowthBytes due to the save: the
	// pages its read transaction keeps from reuse.
	SavePinnedBytes int64 `json:"save_pinned_bytes"`
	// SendStreamSeconds and SaveStreamSeconds are the two streams' own
	// time, sender and receiver on one host, whatever the network: the
	// db's bytes times calibrate's seconds a byte.
	SendStreamSeconds float64 `json:"send_stream_seconds"`
	SaveStreamSeconds float64 `json:"save_stream_seconds"`
	Model             Model   `json:"model"`
}

// streamSeconds is the longer of bytes over the network at mbps and the
// stream's own time, and which of the two it is.
func streamSeconds(bytes int64, mbps, stream float64) (float64, string) {
	network := float64(bytes) * 8 / (mbps * 1e6)
	if stream > network {
		return stream, LimitStream
	}
	return network, LimitNetwork
}

// Follower prices a snapshot sent to a lagging follower, for the first
// version of p, with the stream rates of p's calibration.
func Follower(in Inputs, p Prediction, f FollowerInputs) FollowerSnapshot {
	cal := p.cal.WithDefaults()
	fs := FollowerSnapshot{Version: p.Version, DbBytes: p.DbSizeBytes, CatchUpEntries: mvcc.RaftCatchUpEntries,
		WriteRate: f.WriteRate, WriteRateSource: f.WriteRateSource}
	if fs.WriteRate <= 0 {
		fs.WriteRate = DefaultWriteRate
		if fs.WriteRateSource == "" {
			fs.WriteRateSource = "assumed, the default (--write-rate sets it)"
		}
	}
	b := p.StartupBreakdown
	fs.ApplySeconds = b.Populate + b.FreelistRebuild + b.LeaseRecovery + b.IndexRestore + b.LeaseAttach
	fs.MinWindowEntries = mvcc.RaftCatchUpEntries
	if like35(p.Version) {
		fs.SnapshotCount = mvcc.RaftSnapshotCount35
		fs.MaxWindowEntries = mvcc.RaftSnapshotCount35 + mvcc.RaftCatchUpEntries
	} else {
		fs.SnapshotCount = mvcc.RaftSnapshotCount36
		fs.MaxWindowEntries = mvcc.RaftLogEntries36
	}
	nets := followerNetworks
	if f.NetworkMbps > 0 {
		nets = append([]float64{f.NetworkMbps}, nets...)
	}
	fs.SendStreamSeconds = float64(fs.DbBytes) * cal.SnapshotSendSecondsPerByte
	fs.SaveStreamSeconds = float64(fs.DbBytes) * cal.SnapshotSaveSecondsPerByte
	for _, mbps := range nets {
		s := FollowerSend{NetworkMbps: mbps}
		s.SendSeconds, s.LimitedBy = streamSeconds(fs.DbBytes, mbps, fs.SendStreamSeconds)
		s.TotalSeconds = s.SendSeconds + fs.ApplySeconds
		s.EntriesWritten = int64(fs.WriteRate * s.TotalSeconds)
		switch {
		case s.EntriesWritten >= fs.MaxWindowEntries:
			s.CatchUp = CatchUpLoop
		case s.EntriesWritten >= fs.MinWindowEntries:
			s.CatchUp = CatchUpPossible
		default:
			s.CatchUp = CatchUpYes
		}
		fs.Sends = append(fs.Sends, s)
	}
	// etcdctl snapshot save streams the db over the first network speed.
	fs.SaveSeconds, fs.SaveLimitedBy = streamSeconds(fs.DbBytes, fs.Sends[0].NetworkMbps, fs.SaveStreamSeconds)
	// The save's read transaction pins each page that was live when it
	// began and that a commit rewrites meanwhile (bbolt's
	// ReleasePendingPages frees the pages both allocated and freed after
	// it began): etcd appends revisions at the key bucket's end, so the
	// pinned pages are its path to the last leaf and the root and meta
	// buckets' pages, once. The rest of the growth is the writes' own
	// pages, which the db gains with or without a save.
	pinnedPages := float64(f.KeyBucketDepth+1) + 2
	perRevision := f.KeyBucketBytesPerPair
	if perRevision <= 0 && in.Revisions > 0 {
		perRevision = float64(in.KeyBytes+in.ValueBytes) / float64(in.Revisions)
	}
	fs.SavePinnedBytes = int64(pinnedPages * float64(in.PageSize))
	fs.SaveGrowthBytes = int64(fs.SaveSeconds*fs.WriteRate*perRevision) + fs.SavePinnedBytes
	fs.Model = Model{
		Name: "follower_snapshot",
		Model: "send = the longer of db size (high-water mark) x 8 / network speed and the stream's own time (db size x the seconds a byte of a snapshot sent to a follower); apply = the startup model without its fixed start (populate, freelist, leases, treeIndex); " +
			"entries written meanwhile = write rate x (send + apply); the follower catches up when they are fewer than the entries the leader keeps after the snapshot's index (3.6+: the 5,000 catch-up entries; 3.5: from 5,000 to --snapshot-count + 5,000), else the leader sends it a snapshot again; " +
			"snapshot save = the longer of db size x 8 / network speed and db size x the seconds a byte of a snapshot save stream; its growth = save time x write rate x a revision's bytes on disk (the key bucket's page bytes over its pairs), which the writes add with or without a save, + the pages the save pins: (key bucket depth + 3) pages once",
		Inputs: map[string]int64{"db_bytes": fs.DbBytes, "snapshot_count": fs.SnapshotCount, "catch_up_entries": fs.CatchUpEntries, "key_bucket_depth": int64(f.KeyBucketDepth), "revision_bytes_on_disk": int64(perRevision)},
		Assumptions: []string{
			fmt.Sprintf("the write rate is %g entries/s: %s", fs.WriteRate, fs.WriteRateSource),
			"--snapshot-count is the version's default (3.5: 100,000, 3.6+: 10,000) and --experimental-snapshot-catchup-entries 5,000",
			streamAssumption(cal),
			"while a snapshot save or send runs, its read transaction keeps the pages that were live when it began and that commits rewrite from reuse; etcd appends revisions at the key bucket's end, so that is its path to the last leaf and the root and meta buckets' pages (a compaction or deletes during the save would pin every leaf they touch: not counted)",
			"a raft entry is one put, of a revision as large on disk as the db's average so far",
		},
	}
	return fs
}

// streamAssumption states where the streams' own rates come from.
func streamAssumption(cal calibrate.Calibration) string {
	src := "measured by calibrate on this machine (both streams rebuilt: sender and receiver on one host)"
	if !cal.SnapshotStreamMeasured {
		src = "real etcd 3.5/3.6 on the reference machine (" + cal.Source + "), not measured by calibrate"
	}
	return fmt.Sprintf("a stream goes no faster than its sender and receiver copy it, whatever the network: a save %.0f Mbit/s (the member's gRPC Snapshot stream: 32 KiB messages, SHA-256; the client writing the file), a send %.0f Mbit/s (rafthttp's HTTP stream into the follower's temp file), %s; the receiver's fsync of the file (the disk's speed) is not included",
		8/cal.SnapshotSaveSecondsPerByte/1e6, 8/cal.SnapshotSendSecondsPerByte/1e6, src)
}
