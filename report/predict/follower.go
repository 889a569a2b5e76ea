package predict

import (
	"fmt"

	"github.com/dbinspect/dbinspect/mvcc"
)

// DefaultWriteRate is the leader's write rate the follower model assumes
// when neither --write-rate nor a member's WAL gives one: 100 raft entries
// a second, a busy small Kubernetes cluster.
const DefaultWriteRate = 100

// Network speeds the follower model always prices, in Mbit/s: 1 and 10
// Gbit/s.
var followerNetworks = []float64{1000, 10000}

const (
	// backendBatchInterval is etcd's --backend-batch-interval default: a
	// busy backend commits every 100 ms.
	backendBatchInterval = 0.1
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
}

// FollowerSend is the snapshot sent at one network speed.
type FollowerSend struct {
	NetworkMbps  float64 `json:"network_mbps"`
	SendSeconds  float64 `json:"send_seconds"`
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
	SaveGrowthBytes int64   `json:"save_growth_bytes"`
	Model           Model   `json:"model"`
}

// Follower prices a snapshot sent to a lagging follower, for the first
// version of p.
func Follower(in Inputs, p Prediction, f FollowerInputs) FollowerSnapshot {
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
	for _, mbps := range nets {
		s := FollowerSend{NetworkMbps: mbps, SendSeconds: float64(fs.DbBytes) * 8 / (mbps * 1e6)}
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
	fs.SaveSeconds = fs.Sends[0].SendSeconds
	commitsPerSec := min(fs.WriteRate, 1/backendBatchInterval)
	dirtyPages := float64(f.KeyBucketDepth+1) + 2 // the key bucket's path to its last leaf, the root and meta buckets' pages
	perRevision := 0.0
	if in.Revisions > 0 {
		perRevision = float64(in.KeyBytes+in.ValueBytes) / float64(in.Revisions)
	}
	fs.SaveGrowthBytes = int64(fs.SaveSeconds * (commitsPerSec*dirtyPages*float64(in.PageSize) + fs.WriteRate*perRevision))
	fs.Model = Model{
		Name: "follower_snapshot",
		Model: "send = db size (high-water mark) x 8 / network speed; apply = the startup model without its fixed start (populate, freelist, leases, treeIndex); " +
			"entries written meanwhile = write rate x (send + apply); the follower catches up when they are fewer than the entries the leader keeps after the snapshot's index (3.6+: the 5,000 catch-up entries; 3.5: from 5,000 to --snapshot-count + 5,000), else the leader sends it a snapshot again; " +
			"snapshot save = db size x 8 / network speed; its growth = save time x (commits a second, at most 10 with --backend-batch-interval 100 ms, x (key bucket depth + 3) pages + write rate x the average revision's bytes)",
		Inputs: map[string]int64{"db_bytes": fs.DbBytes, "snapshot_count": fs.SnapshotCount, "catch_up_entries": fs.CatchUpEntries, "key_bucket_depth": int64(f.KeyBucketDepth)},
		Assumptions: []string{
			fmt.Sprintf("the write rate is %g entries/s: %s", fs.WriteRate, fs.WriteRateSource),
			"--snapshot-count is the version's default (3.5: 100,000, 3.6+: 10,000) and --experimental-snapshot-catchup-entries 5,000",
			"the network is the bottleneck of the send (etcd streams the db from a read transaction as it reads it)",
			"while a snapshot save or send runs, its read transaction pins the pages every commit frees, so none can be reused until it ends",
		},
	}
	return fs
}
