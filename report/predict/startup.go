package predict

import (
	"fmt"
	"math"
	"strings"

	"github.com/dbinspect/dbinspect/report/calibrate"
)

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
	// treeIndex, including the treeIndex lookups (indexLookupSeconds).
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

func predictStartup(in Inputs, cal calibrate.Calibration, version string) StartupBreakdown {
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
		// bbolt's freepages() in Open: every node, every page of its
		// overflow run, every element's key order (calibrate times it).
		nodes := in.ReachablePages - min(in.OverflowPages, in.ReachablePages)
		b.FreelistRebuild = (float64(nodes)*cal.OpenSecondsPerNode + float64(in.OverflowPages)*cal.OpenSecondsPerOverflowPage +
			float64(in.BboltElements)*cal.OpenSecondsPerElement) * w
	} else {
		b.FreelistRebuild = float64(in.FreePages) * cal.FreelistSecondsPerFreePage * w
	}
	b.LeaseRecovery = float64(in.Leases) * cal.LeaseSecondsPerLease * w
	btree := cal.BtreeSecondsPerInsert
	if like35(version) {
		btree *= cal.BtreeInterfaceFactor
	}
	// A key's insert follows the Get that found it missing, down the path
	// that Get just brought into the CPU caches: it costs what calibrate's
	// inserts into a small tree cost (1.5 us each in real etcd's profile on
	// 1.5M keys, against 6-7 us for a Get), plus the GC's marking of the
	// bytes the key's index entry keeps live, which calibrate adds to it.
	// 3.7 decodes with protobuf-go (proto.Unmarshal into a new message),
	// 1.7-2.2x the CPU of 3.6's gogo Unmarshal in CPU profiles of real
	// starts; that decoding runs in restore's reading goroutine, so it
	// lengthens the restore only where that goroutine is a bound: the
	// sequential revisions and the key-cache hits (revisionSeconds, with
	// calibrate's Decode37SecondsPerRevision), not the far and near Gets
	// that keep the index goroutine busier.
	b.IndexRestore = (revisionSeconds(in, cal, version) +
		float64(in.KeyBytes+in.ValueBytes)*cal.RestoreSecondsPerByte +
		insertSeconds(in, cal, btree, version) + lookupSeconds(in, cal)) * w
	b.LeaseAttach = float64(in.LeasedKeys) * cal.LeaseSecondsPerKey * w
	if in.ScheduledCompactRev > in.FinishedCompactRev {
		// 1000 revisions a batch, a 10 ms pause after each (CompactionBatchLimit,
		// CompactionSleepInterval).
		batches := float64((in.RevisionsToRecompact + 999) / 1000)
		b.CompactionRerun = batches*0.010 + float64(in.RevisionsToRecompact)*cal.CompactSecondsPerRevision + float64(in.Keys)*cal.BtreeSecondsPerInsert
	}
	return b
}

// insertSeconds is the keys' treeIndex inserts at btree seconds each
// (3.5's factor applied), but for the keys whose first revision the replay
// found sequential (created in key order, at the right edge of the tree,
// next to the last entry in memory): those at calibrate's insert in key
// order, when the calibration has it.
func insertSeconds(in Inputs, cal calibrate.Calibration, btree float64, version string) float64 {
	keys := float64(in.Keys)
	if in.Access == nil || !(cal.BtreeSecondsPerInsertSeq > 0) {
		return keys * btree
	}
	seq := min(float64(in.Access.SeqInserts), keys)
	seqCost := cal.BtreeSecondsPerInsertSeq
	if like35(version) {
		seqCost *= cal.BtreeInterfaceFactor
	}
	return (keys-seq)*btree + seq*seqCost
}

// lookupSeconds is the Gets and evictions from the replay of the db's own
// order when report ran it, else the uniform estimate.
func lookupSeconds(in Inputs, cal calibrate.Calibration) float64 {
	if in.Access != nil {
		return accessLookupSeconds(in.Access, cal)
	}
	return indexLookupSeconds(in, cal)
}

// indexLookupSeconds is restoreIntoIndex's treeIndex Gets: one for each
// key's first revision (in a tree half its final size on average) and one
// for every later revision that misses the key cache. restoreIntoIndex
// keeps only 10,000 keys in that cache, so on a db with millions of keys
// nearly every revision costs a Get, which misses the CPU caches at every
// level of a tree that size: 17-19 s of real etcd's 29-42 s starts on a
// 1.5M-key db in CPU profiles (report/testdata/startup_check.md). get(n)
// is calibrated as the whole extra cost of such a revision in a heap of n
// keys' etcd-shaped index: the Get, and the cache misses and GC marking
// that heap adds to the revision's other work.
//
// Every miss also evicts 10 arbitrary cache entries (a map range and
// deletes) once the cache is full: 1.5 s of that profile.
func indexLookupSeconds(in Inputs, cal calibrate.Calibration) float64 {
	later := keyCacheMisses(in.Revisions, in.Keys)
	evicting := later
	if in.Keys > calibrate.RestoreKeyCache {
		evicting += float64(in.Keys - calibrate.RestoreKeyCache)
	}
	return float64(in.Keys)*btreeGetSeconds(cal, float64(in.Keys)/2) +
		later*btreeGetSeconds(cal, float64(in.Keys)) +
		evicting*max(cal.KeyCacheSecondsPerMiss, 0)
}

// keyCacheMisses is how many revisions after a key's first one miss
// restoreIntoIndex's key cache and look the key up in the treeIndex. With
// at most calibrate.RestoreKeyCache keys nothing is evicted and every later revision
// hits; with more, each miss evicts arbitrary entries, so the cache holds a
// random calibrate.RestoreKeyCache of the keys and a revision of a key rewritten at a
// random point in history hits with probability cache/keys. (Bursts of
// rewrites of one key hit more often: this is the upper end.) The first
// revision of every key is looked up too and is counted apart.
func keyCacheMisses(revisions, keys int64) float64 {
	later := float64(revisions - keys)
	if keys <= calibrate.RestoreKeyCache || later <= 0 {
		return 0
	}
	return later * (1 - calibrate.RestoreKeyCache/float64(keys))
}

// btreeGetSeconds is one treeIndex Get in a tree of n keys, from the two
// sizes calibrate measured: up to the small size the tree is in the CPU
// caches and a Get costs in proportion to its depth (log2 n); above it, each
// extra level adds a cache miss, so the cost is linear in log2 n through
// both measurements and extrapolated past the large one.
func btreeGetSeconds(cal calibrate.Calibration, n float64) float64 {
	return getBetween(cal.BtreeGetSecondsSmall, cal.BtreeGetSecondsLarge, cal.BtreeGetSmallKeys, cal.BtreeGetLargeKeys, n)
}

// getBetween is a cost measured as gs at ns keys and gl at nl keys, at n
// keys: in proportion to log2 n below ns, linear in log2 n above.
func getBetween(gs, gl, ns, nl, n float64) float64 {
	if !(n > 1) || !(gs > 0) || !(ns >= 2) || !(nl > ns) || !(gl > 0) {
		return 0
	}
	if n <= ns {
		return gs * math.Log2(n) / math.Log2(ns)
	}
	return max(gs+(gl-gs)*(math.Log2(n)-math.Log2(ns))/(math.Log2(nl)-math.Log2(ns)), gs)
}

func startupModel(in Inputs, cal calibrate.Calibration) Model {
	freelist := "the freelist is not persisted (etcd on Linux sets NoFreelistSync), so bbolt walks every page and element to rebuild it"
	if in.FreelistPersisted {
		freelist = "the freelist is persisted, so bbolt reads its page instead of walking the tree"
	}
	cache := "the file is in the page cache (warm): populate costs the calibrated memory rate"
	if in.DiskReadMBps > 0 {
		cache = fmt.Sprintf("cold page cache: populate reads the file at %.0f MB/s (--disk-read-mbps)", in.DiskReadMBps)
	}
	m := Model{
		Name: "startup",
		Model: "t = fixed + F x [file bytes x populate + (nodes x node check + overflow pages x page check + elements x key order check: bbolt's Open rebuilding the freelist) + leases x lease + " +
			"revisions x per-revision + key and value bytes x per-byte + keys x btree insert + " +
			"(keys x get(keys/2) + key-cache misses x get(keys) + evicting misses x eviction) + leased keys x attach]; " +
			"get(n) is what a revision that misses the key cache costs in a heap holding the index of n keys (the treeIndex lookup, and the GC and cache misses that heap adds), calibrated at two sizes (it grows with the tree once the tree outgrows the CPU caches); " +
			"key-cache misses = (revisions - keys) x (1 - 10000/keys) when keys > 10000: restoreIntoIndex caches 10,000 keys and evicts arbitrary ones, so nearly every revision of a db with millions of keys looks its key up in the tree; " +
			fmt.Sprintf("F = %.2f is etcd's work over the same work measured alone, fitted to real etcd starts; ", cal.EtcdWorkFactor) +
			"the compaction re-run (1000 revisions a batch, 10 ms pause each) is reported apart because it runs after ready",
		Inputs: map[string]int64{
			"file_bytes": in.FileBytes, "reachable_pages": int64(in.ReachablePages), "overflow_pages": int64(in.OverflowPages), "bbolt_elements": int64(in.BboltElements),
			"revisions": in.Revisions, "keys": in.Keys, "key_bytes": in.KeyBytes, "value_bytes": in.ValueBytes,
			"leases": in.Leases, "leased_keys": in.LeasedKeys, "revisions_to_recompact": in.RevisionsToRecompact,
		},
		Assumptions: []string{
			cache,
			freelist,
			"the data dir was restored from this db alone: no WAL entries to replay (an existing member also replays up to --snapshot-count entries)",
			"coefficients: " + cal.Source + lookupNote(cal),
			"3.5 stores btree items as interfaces (google/btree v1.0.1): its inserts are scaled from the 3.6 measurement",
			"at least two cores: 3.7 unmarshals with protobuf-go into a new message, more CPU than 3.5 and 3.6's gogo code (calibrate times the difference), in restore's reading goroutine: it is charged on the revisions that goroutine bounds (sequential ones and key-cache hits), not on those whose far or near Get keeps the index goroutine busier; on one core add it to every revision",
			"the initial corrupt check is off (the default), so no hash of the db at startup",
		},
	}
	if a := in.Access; a != nil {
		m.Model = strings.Replace(m.Model, "(keys x get(keys/2) + key-cache misses x get(keys) + evicting misses x eviction)",
			"(far lookups x get(n) + near lookups x near(n) + sequential lookups x seq(n) + misses on a full cache x eviction)", 1)
		m.Model = strings.Replace(m.Model, "keys x btree insert", "keys x btree insert (keys created in key order x insert in key order)", 1)
		m.Model += "; the lookups are counted by replaying restoreIntoIndex on this db's own order of keys (its 10,000-key cache, 10 random evictions every 10th miss once full, a Get per miss), " +
			"each Get at the tree size n it ran at: far (not within 64 keys of one of the 16 Gets before it) at get(n), near at get(n) less what a near Get saves over a far one in calibrate's bare Gets at that size, " +
			"sequential (also within 64 keys of it in allocation order, the order keys first appear: its index entry lies beside one just touched) at seq(n), a key-cache-missing revision in a heap built and rewritten in key order; " +
			"when calibrate timed etcd's restore end to end on a db written in key order (both goroutines and the GC, wall time), a sequential revision costs that instead of per-revision + seq(n): with cheap Gets the reading and indexing goroutines are balanced and the restore is their shared per-revision work; " +
			"likewise a key-cache hit costs calibrate's restore end to end on a db of 5,000 keys rewritten in random order (every rewrite a hit), when it was timed: with no Get the index goroutine is light and the reading goroutine (bbolt range, unmarshal, lease map, channel send) and the GC bound the restore"
		m.Inputs["restore_lookups_sequential"] = int64(a.Seq)
		m.Inputs["restore_inserts_sequential"] = int64(a.SeqInserts)
		m.Inputs["restore_misses_full_cache"] = int64(a.MissesFull)
		m.Inputs["restore_cache_hits"] = int64(a.Hits)
		m.Inputs["restore_lookups_near"] = int64(a.Near)
		m.Inputs["restore_lookups_far"] = int64(a.Far)
		m.Inputs["restore_lookups_found"] = int64(a.GetsFound)
		m.Inputs["restore_eviction_rounds"] = int64(a.EvictionRounds)
		m.Assumptions = append([]string{accessAssumption(a, cal)}, m.Assumptions...)
	} else {
		m.Assumptions = append(m.Assumptions, "a key's revisions are spread over the history in random key order (the key cache then misses at the rate above, every lookup far): the db's own order of keys was not available to replay; keys rewritten in bursts or ascending runs cost less, so the lookup term is an upper end")
	}
	return m
}

// lookupNote warns when the calibration predates the treeIndex lookup
// coefficients, which then count as zero.
func lookupNote(cal calibrate.Calibration) string {
	if btreeGetSeconds(cal, 2*cal.BtreeGetSmallKeys) > 0 {
		return ""
	}
	return " (without treeIndex lookup costs, which this calibration predates: startup of dbs with over 10,000 keys is underestimated; run 'dbinspect calibrate' again)"
}
