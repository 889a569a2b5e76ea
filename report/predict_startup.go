package report

import "fmt"

// StartupBreakdown is the predicted time of each step etcd takes on this
// file at startup, in the order it takes them (seconds).
type StartupBreakdown struct {
	// Fixed is etcd's start and leader election regardless of the db,
	// a calibrated constant.
	Fixed float64 `json:"fixed"`
	// Populate is bbolt's mmap with MAP_POPULATE faulting in every file page.
	Populate float64 `json:"populate"`
	// FreelistRebuild is bbolt's freepages() walk of every page and
	// element, done when the freelist is not persisted (etcd on Linux).
	FreelistRebuild float64 `json:"freelist_rebuild"`
	// LeaseRecovery unmarshals every lease.
	LeaseRecovery float64 `json:"lease_recovery"`
	// IndexRestore reads every revision, unmarshals it and builds the
	// treeIndex.
	IndexRestore float64 `json:"index_restore"`
	// LeaseAttach attaches every leased key to its lease.
	LeaseAttach float64 `json:"lease_attach"`
	// CompactionRerun is the compaction etcd re-runs when the scheduled
	// one did not finish. It runs in the background after etcd is ready,
	// so Total leaves it out.
	CompactionRerun float64 `json:"compaction_rerun_async"`
}

// Total is the time from start to ready: every step but the background
// compaction.
func (b StartupBreakdown) Total() float64 {
	return b.Fixed + b.Populate + b.FreelistRebuild + b.LeaseRecovery + b.IndexRestore + b.LeaseAttach
}

// unmarshalFactor scales the calibrated gogo unmarshal cost: 3.7 decodes
// with protobuf-go's proto.Unmarshal into a heap-allocated message.
func unmarshalFactor(version string) float64 {
	if version == "3.7" {
		return 1.5
	}
	return 1
}

func predictStartup(in PredictInputs, cal Calibration, version string) StartupBreakdown {
	var b StartupBreakdown
	b.Fixed = cal.FixedStartSeconds
	w := cal.EtcdWorkFactor
	if !(w > 0) {
		w = 1
	}
	b.Populate = float64(in.FileBytes) * cal.PopulateSecondsPerByte * w
	if in.DiskReadMBps > 0 {
		b.Populate = max(b.Populate, float64(in.FileBytes)/(in.DiskReadMBps*1e6))
	}
	if !in.FreelistPersisted {
		b.FreelistRebuild = (float64(in.ReachablePages)*cal.WalkSecondsPerPage + float64(in.BboltElements)*cal.WalkSecondsPerElement) * w
	} else {
		b.FreelistRebuild = float64(in.FreePages) * cal.FreelistSecondsPerFreePage * w
	}
	b.LeaseRecovery = float64(in.Leases) * cal.LeaseSecondsPerLease * w
	btree := cal.BtreeSecondsPerInsert
	if version == "3.5" {
		btree *= cal.BtreeInterfaceFactor
	}
	b.IndexRestore = (float64(in.Revisions)*cal.RestoreSecondsPerRevision*unmarshalFactor(version) +
		float64(in.KeyBytes+in.ValueBytes)*cal.RestoreSecondsPerByte*unmarshalFactor(version) +
		float64(in.Keys)*btree) * w
	b.LeaseAttach = float64(in.LeasedKeys) * cal.LeaseSecondsPerKey * w
	if in.ScheduledCompactRev > in.FinishedCompactRev {
		// 1000 revisions a batch, a 10 ms pause after each (CompactionBatchLimit,
		// CompactionSleepInterval).
		batches := float64((in.RevisionsToRecompact + 999) / 1000)
		b.CompactionRerun = batches*0.010 + float64(in.RevisionsToRecompact)*cal.CompactSecondsPerRevision + float64(in.Keys)*cal.BtreeSecondsPerInsert
	}
	return b
}

func startupModel(in PredictInputs, cal Calibration) Model {
	freelist := "the freelist is not persisted (etcd on Linux sets NoFreelistSync), so bbolt walks every page and element to rebuild it"
	if in.FreelistPersisted {
		freelist = "the freelist is persisted, so bbolt reads its page instead of walking the tree"
	}
	cache := "the file is in the page cache (warm): populate costs the calibrated memory rate"
	if in.DiskReadMBps > 0 {
		cache = fmt.Sprintf("cold page cache: populate reads the file at %.0f MB/s (--disk-read-mbps)", in.DiskReadMBps)
	}
	return Model{
		Name: "startup",
		Model: "t = fixed + F x [file bytes x populate + (pages x walk + elements x compare) + leases x lease + " +
			"(revisions x per-revision + key and value bytes x per-byte) x unmarshal factor + keys x btree insert + leased keys x attach]; " +
			fmt.Sprintf("F = %.2f is etcd's work over the same work measured alone, fitted to real etcd starts; ", cal.EtcdWorkFactor) +
			"the compaction re-run (1000 revisions a batch, 10 ms pause each) is reported apart because it runs after ready",
		Inputs: map[string]int64{
			"file_bytes": in.FileBytes, "reachable_pages": int64(in.ReachablePages), "bbolt_elements": int64(in.BboltElements),
			"revisions": in.Revisions, "keys": in.Keys, "key_bytes": in.KeyBytes, "value_bytes": in.ValueBytes,
			"leases": in.Leases, "leased_keys": in.LeasedKeys, "revisions_to_recompact": in.RevisionsToRecompact,
		},
		Assumptions: []string{
			cache,
			freelist,
			"the data dir was restored from this db alone: no WAL entries to replay (an existing member also replays up to --snapshot-count entries)",
			"coefficients: " + cal.Source,
			"3.5 stores btree items as interfaces (google/btree v1.0.1), 3.7 unmarshals with protobuf-go: scaled from the 3.6 measurement",
			"the initial corrupt check is off (the default), so no hash of the db at startup",
		},
	}
}
