package calibrate

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Calibration holds the cost coefficients of the startup, memory and
// defrag models. 'dbinspect calibrate' measures them on the current
// machine; Default holds a reference run.
type Calibration struct {
	Source  string `json:"source"`  // where these numbers come from
	Machine string `json:"machine"` // CPU and core count of the measuring machine

	FixedStartSeconds      float64 `json:"fixed_start_seconds"`
	PopulateSecondsPerByte float64 `json:"populate_seconds_per_byte"`
	// OpenSecondsPer{Node,OverflowPage,Element} are bbolt's Open of an
	// etcd db whose freelist is not in the file (etcd's NoFreelistSync):
	// freepages() checks every reachable page (a branch or leaf node,
	// then each page of its overflow run) and the key order of every
	// element, with the map of reachable pages etcd's Open builds. Timed
	// on bbolt files calibrate writes (measure/open.go). A file saved
	// before they existed loads them from Default.
	OpenSecondsPerNode         float64 `json:"open_seconds_per_node"`
	OpenSecondsPerOverflowPage float64 `json:"open_seconds_per_overflow_page"`
	OpenSecondsPerElement      float64 `json:"open_seconds_per_element"`
	FreelistSecondsPerFreePage float64 `json:"freelist_seconds_per_free_page"`
	RestoreSecondsPerRevision  float64 `json:"restore_seconds_per_revision"`
	RestoreSecondsPerByte      float64 `json:"restore_seconds_per_byte"`
	BtreeSecondsPerInsert      float64 `json:"btree_seconds_per_insert"`
	BtreeInterfaceFactor       float64 `json:"btree_interface_factor"` // 3.5's interface items vs 3.6's generic ones
	// BtreeGetSeconds{Small,Large} are what a revision that misses the key
	// cache costs on top of RestoreSecondsPerRevision and the per-byte cost,
	// in the heap etcd's restore has built after BtreeGet{Small,Large}Keys
	// keys (a treeIndex of etcd-shaped keyIndexes, the GC running): the
	// treeIndex Get, and the GC and cache misses that heap adds to the
	// revision's other work. It grows with the tree once the tree outgrows
	// the CPU caches (each level a cache miss).
	// WithDefaults leaves these five alone: a calibration saved before they
	// were measured has none, and the startup model says so.
	BtreeGetSecondsSmall float64 `json:"btree_get_seconds_small"`
	BtreeGetSecondsLarge float64 `json:"btree_get_seconds_large"`
	BtreeGetSmallKeys    float64 `json:"btree_get_small_keys"`
	BtreeGetLargeKeys    float64 `json:"btree_get_large_keys"`
	// BtreeGetSeqSeconds{Small,Large} are the same cost for a sequential
	// Get (report/predict/restoresim's Seq class: next to the Get before
	// it both in key order and in memory) in a heap of the same sizes
	// built in key order, so that index entries that are neighbours in the
	// tree are neighbours in memory, and rewritten in key order: the Get
	// walks a path just walked and the revision's keyIndex lies beside the
	// last one, and the GC marks such a heap at a fraction of the price.
	// BtreeSecondsPerInsertSeq is an insert in key order (at the right
	// edge of the tree) plus the GC's marking of the new entry in such a
	// heap. Left alone by WithDefaults: without them a sequential Get is
	// charged as a near one and its insert as a random one.
	BtreeGetSeqSecondsSmall  float64 `json:"btree_get_seq_seconds_small,omitempty"`
	BtreeGetSeqSecondsLarge  float64 `json:"btree_get_seq_seconds_large,omitempty"`
	BtreeSecondsPerInsertSeq float64 `json:"btree_seconds_per_insert_seq,omitempty"`
	// RestoreSeqSecondsPerRevision is a sequential revision of etcd's
	// restore timed end to end, as it runs (measureRestorePipeline): the
	// reading goroutine (bbolt range, unmarshal, keyToLease, channel send)
	// and the index goroutine (key cache, Get, keyIndex put) at once, with
	// the GC, in wall time, on a db created and rewritten in key order;
	// its bytes, inserts and evictions taken out (charged by their own
	// terms). Where Gets are cheap the two goroutines are balanced and
	// their per-revision work, which a far Get's cost hides, is the
	// restore's time. Left alone by WithDefaults: without it a sequential
	// revision is charged the one-goroutine per-revision cost and seq(n).
	RestoreSeqSecondsPerRevision float64 `json:"restore_seq_seconds_per_revision,omitempty"`
	// RestoreHitSecondsPerRevision is a revision that hits restore's key
	// cache, timed end to end as RestoreSeqSecondsPerRevision is, on a db
	// of 5,000 keys each rewritten many times in random order (a db of few
	// keys with long histories): no treeIndex Get, so the index goroutine
	// is light and the restore is bounded by the reading goroutine (bbolt
	// range, unmarshal, keyToLease, the channel) and the GC beside it, on
	// two cores; its bytes and inserts taken out. Left alone by
	// WithDefaults: without it a hit is charged the one-goroutine
	// per-revision cost.
	RestoreHitSecondsPerRevision float64 `json:"restore_hit_seconds_per_revision,omitempty"`
	// Decode37SecondsPerRevision is what etcd 3.7's reading goroutine
	// spends more than 3.6's on a revision: protobuf-go's proto.Unmarshal
	// into a new *mvccpb.KeyValue against gogo's Unmarshal into one held
	// by value (measureDecode37). The startup model adds it to 3.7's
	// sequential and key-cache-hit revisions, whose restore that goroutine
	// bounds. Left alone by WithDefaults: zero, 3.7 is predicted as 3.6.
	Decode37SecondsPerRevision float64 `json:"decode_37_seconds_per_revision,omitempty"`
	// KeyCacheSecondsPerMiss is restoreIntoIndex's key cache on a miss:
	// evict 10 arbitrary entries of the 10,000 (a map range and deletes)
	// and insert the new key.
	KeyCacheSecondsPerMiss float64 `json:"key_cache_seconds_per_miss"`
	// LookupTreeKeys are the tree sizes at which calibrate timed bare
	// treeIndex Gets in an etcd-shaped heap under the patterns
	// report/predict/restoresim classes restore's Gets by:
	// LookupFarSeconds a key at a random rank (its path misses the CPU
	// caches), LookupNearSeconds the next key in key order (an ascending
	// run), LookupInterleavedSeconds 8 ascending streams taken in turn
	// (restoresim classes these near too). Each is the median of 5
	// timings, each normalised by a reference loop timed just before it
	// (ReferenceLoopSeconds, its median). The startup model charges a
	// near Get the far cost less the difference at that size. A file saved
	// before these existed loads them from Default.
	LookupTreeKeys            []float64 `json:"lookup_tree_keys"`
	LookupFarSeconds          []float64 `json:"lookup_far_seconds"`
	LookupNearSeconds         []float64 `json:"lookup_near_seconds"`
	LookupInterleavedSeconds  []float64 `json:"lookup_interleaved_seconds"`
	ReferenceLoopSeconds      float64   `json:"reference_loop_seconds"`
	LeaseSecondsPerLease      float64   `json:"lease_seconds_per_lease"`
	LeaseSecondsPerKey        float64   `json:"lease_seconds_per_key"`
	CompactSecondsPerRevision float64   `json:"compact_seconds_per_revision"`
	DefragSecondsPerPair      float64   `json:"defrag_seconds_per_pair"`
	DefragSecondsPerByte      float64   `json:"defrag_seconds_per_byte"`
	// EtcdWorkFactor is how much longer etcd takes for its size-dependent
	// startup steps than the same kinds of work measured alone by
	// calibrate (its restore pipeline, allocations and GC around them). It
	// is fitted once to real etcd starts (predict.FitToEtcd) and kept by calibrate,
	// which measures only this machine's speed at the work itself.
	EtcdWorkFactor float64 `json:"etcd_work_factor"`
	HeapGCFactor   float64 `json:"heap_gc_factor"`  // RSS of the Go heap over its live bytes after restore
	BaseHeapBytes  int64   `json:"base_heap_bytes"` // etcd's binary, runtime and fixed structures
	// The range costs (predict.Ranges). RangeWalkSecondsPerKey is the
	// treeIndex walk of one key in range (a count-only range);
	// RangeSecondsPerKey a returned key's read (bbolt lookup, unmarshal,
	// its share of the response's marshal and decode); RangeSecondsPerByte
	// a response byte's copy, marshal, send and decode. The three are wall
	// time, measured by calibrate (etcd's range rebuilt, the client on the
	// same host) when RangeMeasured; Default's were fitted to real etcd
	// 3.5 ranges on the reference machine, and a file saved before
	// calibrate measured them loads them from Default.
	// RangeAllocBytesPerKey is what the read path allocates per returned
	// key besides the copies the model counts (bbolt cursor, read buffer),
	// fitted to real etcd's allocations, not measured by calibrate.
	RangeWalkSecondsPerKey float64 `json:"range_walk_seconds_per_key"`
	RangeSecondsPerKey     float64 `json:"range_seconds_per_key"`
	RangeSecondsPerByte    float64 `json:"range_seconds_per_byte"`
	RangeAllocBytesPerKey  float64 `json:"range_alloc_bytes_per_key"`
	RangeMeasured          bool    `json:"range_measured,omitempty"`
	// RangeRequestSeconds is what every range pays before its keys on
	// an idle server (waking it, gRPC's per-request work, the linearizable
	// read's ReadIndex, the round trip): from real etcd, not measured by
	// calibrate, whose rebuilt range has no gRPC server (an empty range
	// there takes 0.2 ms after the same idle, a fifth of real etcd's).
	RangeRequestSeconds float64 `json:"range_request_seconds"`
	// RangeWalkSecondsPerKeyLarge is the walk per key measured again in a
	// bare treeIndex of RangeWalkIndexKeysLarge keys (RangeWalkSecondsPerKey
	// was at RangeWalkIndexKeysSmall): once the index outgrows the CPU
	// caches each key of a walk is a cache miss. Zero: one figure for all
	// sizes (Default, older files).
	RangeWalkSecondsPerKeyLarge float64 `json:"range_walk_seconds_per_key_large,omitempty"`
	RangeWalkIndexKeysSmall     float64 `json:"range_walk_index_keys_small,omitempty"`
	RangeWalkIndexKeysLarge     float64 `json:"range_walk_index_keys_large,omitempty"`
	// RangeWalkInterfaceFactor is the walk in etcd 3.4 and 3.5's
	// treeIndex (google/btree v1.0.1: interface items, a method call to
	// compare) over 3.6's (generic BTreeG of pointers), measured by
	// calibrate on the large index. Zero: no difference (Default, older
	// files).
	RangeWalkInterfaceFactor float64 `json:"range_walk_interface_factor,omitempty"`
	// SnapshotSaveSecondsPerByte and SnapshotSendSecondsPerByte are the
	// wall time a db byte takes to stream when the network is not the
	// limit: an 'etcdctl snapshot save' (the member's gRPC Snapshot stream
	// and the client writing the file) and a snapshot sent to a lagging
	// follower (rafthttp's HTTP/1.1 stream into the follower's temp file),
	// sender and receiver on one host. Measured by calibrate (both streams
	// rebuilt, SnapshotStreamMeasured); Default's come from real etcd
	// 3.5/3.6 members on the reference machine over loopback.
	SnapshotSaveSecondsPerByte float64 `json:"snapshot_save_seconds_per_byte"`
	SnapshotSendSecondsPerByte float64 `json:"snapshot_send_seconds_per_byte"`
	SnapshotStreamMeasured     bool    `json:"snapshot_stream_measured,omitempty"`
	// The WAL part of a member's restart (report's member section).
	// WALDecodeSecondsPerByte is etcd's read of its WAL per frame byte and
	// pass (ValidSnapshotEntries, then ReadAll with each entry
	// unmarshalled and kept), each pass into fresh heap (pages faulted in,
	// as in etcd's newly started process); EntryUnmarshalSecondsPerOp the apply loop's
	// unmarshal of each committed entry's request, per mvcc op;
	// ApplySecondsPerEntry, ApplySecondsPerOp and ApplySecondsPerByte an
	// entry applied again (etcd's apply of a txn of puts: raft's batches,
	// the txn, and per put the treeIndex, KeyValue marshal, bbolt put and
	// buffers, bbolt commits every 10,000 puts), solved from three shapes
	// when ApplyMeasured (files saved before it existed measured only the
	// per-op and per-byte parts of a bare bbolt put, and kept the per-entry
	// one at its reference value). RaftLogHeapFactor is the peak RSS
	// growth over the live raft log while etcd reads the WAL into raft's
	// MemoryStorage at GOGC=100, measured when RaftLogHeapMeasured.
	// A file saved before these existed loads them from Default.
	WALDecodeSecondsPerByte    float64 `json:"wal_decode_seconds_per_byte"`
	EntryUnmarshalSecondsPerOp float64 `json:"entry_unmarshal_seconds_per_op"`
	ApplySecondsPerEntry       float64 `json:"apply_seconds_per_entry"`
	ApplySecondsPerOp          float64 `json:"apply_seconds_per_op"`
	ApplySecondsPerByte        float64 `json:"apply_seconds_per_byte"`
	RaftLogHeapFactor          float64 `json:"raft_log_heap_factor"`
	ApplyMeasured              bool    `json:"apply_measured,omitempty"`
	RaftLogHeapMeasured        bool    `json:"raft_log_heap_measured,omitempty"`
}

// RestoreKeyCache is the size of restoreIntoIndex's key cache
// (restoreChunkKeys, server/storage/mvcc/kvstore.go): measured here, and
// modelled by report/predict.
const RestoreKeyCache = 10000

// Default is a reference run of 'dbinspect calibrate' on the
// project's 2-core amd64 machine at load average 0.7 (2026-11-23 13:52 UTC),
// its restore, insert, lookup and key cache coefficients from a later run at
// load 0.9 (14:29 UTC) that measures restore in an etcd-shaped heap;
// FixedStartSeconds and BaseHeapBytes come from real etcd 3.5/3.6 starts
// of the small fixtures (testdata/etcdbench). No scale is fitted in: see
// FitToEtcd and report/testdata/startup_check.md.
var Default = Calibration{
	Source:                 "built-in reference (2-core amd64 Linux); run 'dbinspect calibrate' for this machine",
	Machine:                "reference: 2 cores amd64",
	FixedStartSeconds:      0.53, // median of 16 small fixtures, etcd 3.5 and 3.6
	PopulateSecondsPerByte: 1.0 / 16.6e9,
	// bbolt's Open: 'dbinspect calibrate' at load 1.5-2 on 2026-12-05
	// (real bolt.Open of a 1.1 GB and a 744 MB etcd db: 0.43-0.51 s and
	// 0.55-0.60 s, against 0.48 s and 0.62 s from these)
	OpenSecondsPerNode:         2.96e-6,
	OpenSecondsPerOverflowPage: 1.64e-6,
	OpenSecondsPerElement:      30e-9,
	FreelistSecondsPerFreePage: 10e-9,
	RestoreSecondsPerRevision:  392e-9,
	RestoreSecondsPerByte:      1.198e-9,
	BtreeSecondsPerInsert:      1778e-9,
	BtreeInterfaceFactor:       1.14,
	// the lookups: a key-cache-missing revision in a heap of etcd-shaped
	// treeIndexes, over the restore coefficients above, which come from the
	// same run (14:29 UTC, load 0.9) as it is measured against them
	BtreeGetSecondsSmall:   1755e-9,
	BtreeGetSecondsLarge:   6160e-9,
	BtreeGetSmallKeys:      50000,
	BtreeGetLargeKeys:      1 << 20,
	KeyCacheSecondsPerMiss: 267e-9,
	// sequential revisions (keys created and rewritten in key order): the
	// mean of the two quiet 'dbinspect calibrate' runs of issue 14's truth
	// runs, 2026-12-05 22:39 and 22:42 UTC, load 1.5-2.5
	// (testdata/startup-truth/session8-*/truth-{ascending,streams}-700MiB)
	BtreeGetSeqSecondsSmall:  286e-9,
	BtreeGetSeqSecondsLarge:  237e-9,
	BtreeSecondsPerInsertSeq: 404e-9,
	// the restore timed end to end (both goroutines, the GC, a fresh heap):
	// a sequential revision and a key-cache hit, as multiples of the
	// one-goroutine revision above (RestoreSecondsPerRevision), the medians
	// of the ratios in six quiet calibrate runs of session 10 on one machine,
	// 2026-12-06 05:08-05:58 UTC (seq 1.59-2.00, median 1.89; hit
	// 1.15-1.41, median 1.31; testdata/startup-truth/session10): the
	// reference run predates both measurements (the sequential one was
	// 1054 ns, from session 8's runs on another machine, before calibrate
	// timed treeIndex's locks and verify's read in it)
	RestoreSeqSecondsPerRevision: 741e-9,
	RestoreHitSecondsPerRevision: 512e-9,
	// bare treeIndex Gets by pattern and tree size: per figure the median
	// of three back-to-back 'dbinspect calibrate' runs, 2026-12-05
	// 18:35-18:38 UTC, load 1.8-3.2
	LookupTreeKeys:            []float64{1 << 14, 1 << 16, 1 << 18, 1 << 20},
	LookupFarSeconds:          []float64{532e-9, 1064e-9, 1868e-9, 2778e-9},
	LookupNearSeconds:         []float64{333e-9, 319e-9, 378e-9, 417e-9},
	LookupInterleavedSeconds:  []float64{357e-9, 362e-9, 474e-9, 510e-9},
	ReferenceLoopSeconds:      0.0386,
	LeaseSecondsPerLease:      682e-9,
	LeaseSecondsPerKey:        1296e-9,
	CompactSecondsPerRevision: 965e-9,
	DefragSecondsPerPair:      2198e-9,
	DefragSecondsPerByte:      7.07e-9,
	EtcdWorkFactor:            1.0,
	HeapGCFactor:              2.0,
	BaseHeapBytes:             26 << 20, // smallest fixture's RSS (27 MiB) less its file
	// fitted to the wall time of real etcd 3.5.35 ranges timed on a quiet
	// machine (client on the same host), checked on 3.6.16
	// (testdata/etcdcost/README.md, 2026-12-05 18:50); the first fit, to
	// server CPU on a loaded machine (436 ns, 4.92 µs, 11.4 ns), was 1.6-5x
	// the quiet times
	RangeWalkSecondsPerKey: 275e-9,
	// a Get of one missing key on a member idle for 100 ms, median of 9:
	// 1.04-1.09 ms on 3.6.16, 1.04-1.06 ms on 3.5.35 (0.2-0.5 ms back to
	// back; testdata/etcdcost probe, 2026-12-06)
	RangeRequestSeconds:   1.0e-3,
	RangeSecondsPerKey:    3.11e-6,
	RangeSecondsPerByte:   3.06e-9,
	RangeAllocBytesPerKey: 360,
	// real etcd over loopback, client and member on the 2-core machine:
	// saves of a 416 MB db in 1.62-1.96 s on 3.6.16 (2026-12-06, 05:00
	// UTC) and of an 822 MB one in 4.0-5.3 s (3.5.35, 3.6.16,
	// 2026-12-05); sends of the 822 MB db to a learner at 2.97-3.36
	// Gbit/s (testdata/etcdcost/README.md)
	SnapshotSaveSecondsPerByte: 4.5e-9,
	SnapshotSendSecondsPerByte: 2.5e-9,
	// The WAL coefficients the member restart model was first checked
	// with (report/testdata/member_restart_check.md): decode and unmarshal
	// fitted to real etcd 3.6.16 restarts of two big data dirs on the
	// 2-core machine, the apply ones assumed (those restarts replayed
	// nothing); 'dbinspect calibrate' measures them all.
	WALDecodeSecondsPerByte:    5e-9,
	EntryUnmarshalSecondsPerOp: 0.8e-6,
	ApplySecondsPerEntry:       10e-6,
	ApplySecondsPerOp:          2e-6,
	ApplySecondsPerByte:        6e-9,
	RaftLogHeapFactor:          2.0,
}

// DefaultPath is where calibrate saves by default.
func DefaultPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no user config dir (set XDG_CONFIG_HOME or pass --calibration FILE): %w", err)
	}
	return filepath.Join(dir, "dbinspect", "calibration.json"), nil
}

// Load reads saved coefficients. An empty path means the
// default path, and a missing file there gives Default; a
// named file must exist. Coefficients the file leaves at zero or negative
// keep their defaults, so an older file still loads.
func Load(path string) (Calibration, error) {
	named := path != ""
	if !named {
		p, err := DefaultPath()
		if err != nil {
			return Default, nil
		}
		path = p
	}
	b, err := readCapped(path, maxCalibrationBytes)
	if err != nil {
		if !named && errors.Is(err, fs.ErrNotExist) {
			return Default, nil
		}
		return Calibration{}, fmt.Errorf("reading calibration %s (run 'dbinspect calibrate' to create it): %w", path, err)
	}
	var c Calibration
	if err := json.Unmarshal(b, &c); err != nil {
		return Calibration{}, fmt.Errorf("calibration %s is not valid JSON (run 'dbinspect calibrate' again): %w", path, err)
	}
	c = c.WithDefaults()
	if c.Source == "" {
		c.Source = path
	}
	c.Source = fmt.Sprintf("%s (loaded from %s)", c.Source, path)
	return c, nil
}

// maxCalibrationBytes bounds the read of a calibration file: a saved one is
// about 2 KB; --calibration /dev/zero once read until 10 GB of memory.
const maxCalibrationBytes = 1 << 20

// readCapped reads path whole, refusing one longer than max bytes.
func readCapped(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err == nil && int64(len(b)) > max {
		err = fmt.Errorf("longer than %d KiB: not a file 'dbinspect calibrate' saved", max>>10)
	}
	return b, err
}

// Save writes c as JSON, creating the directory.
func Save(path string, c Calibration) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("saving calibration: %w", err)
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("saving calibration: %w", err)
	}
	return os.Rename(tmp, path)
}

// WithDefaults is c with its missing or nonsensical coefficients replaced
// by Default's: Load applies it to a saved file, measure to a new run.
func (c Calibration) WithDefaults() Calibration {
	d := Default
	f := func(v *float64, def float64) {
		if !(*v > 0) || *v > 1e6 {
			*v = def
		}
	}
	f(&c.FixedStartSeconds, d.FixedStartSeconds)
	f(&c.PopulateSecondsPerByte, d.PopulateSecondsPerByte)
	f(&c.OpenSecondsPerNode, d.OpenSecondsPerNode)
	f(&c.OpenSecondsPerOverflowPage, d.OpenSecondsPerOverflowPage)
	f(&c.OpenSecondsPerElement, d.OpenSecondsPerElement)
	f(&c.FreelistSecondsPerFreePage, d.FreelistSecondsPerFreePage)
	f(&c.RestoreSecondsPerRevision, d.RestoreSecondsPerRevision)
	f(&c.RestoreSecondsPerByte, d.RestoreSecondsPerByte)
	f(&c.BtreeSecondsPerInsert, d.BtreeSecondsPerInsert)
	f(&c.BtreeInterfaceFactor, d.BtreeInterfaceFactor)
	f(&c.LeaseSecondsPerLease, d.LeaseSecondsPerLease)
	f(&c.LeaseSecondsPerKey, d.LeaseSecondsPerKey)
	f(&c.CompactSecondsPerRevision, d.CompactSecondsPerRevision)
	f(&c.DefragSecondsPerPair, d.DefragSecondsPerPair)
	f(&c.DefragSecondsPerByte, d.DefragSecondsPerByte)
	f(&c.HeapGCFactor, d.HeapGCFactor)
	f(&c.EtcdWorkFactor, d.EtcdWorkFactor)
	f(&c.RangeWalkSecondsPerKey, d.RangeWalkSecondsPerKey)
	f(&c.RangeRequestSeconds, d.RangeRequestSeconds)
	f(&c.RangeSecondsPerKey, d.RangeSecondsPerKey)
	f(&c.RangeSecondsPerByte, d.RangeSecondsPerByte)
	f(&c.RangeAllocBytesPerKey, d.RangeAllocBytesPerKey)
	f(&c.SnapshotSaveSecondsPerByte, d.SnapshotSaveSecondsPerByte)
	f(&c.SnapshotSendSecondsPerByte, d.SnapshotSendSecondsPerByte)
	f(&c.WALDecodeSecondsPerByte, d.WALDecodeSecondsPerByte)
	f(&c.EntryUnmarshalSecondsPerOp, d.EntryUnmarshalSecondsPerOp)
	f(&c.ApplySecondsPerEntry, d.ApplySecondsPerEntry)
	f(&c.ApplySecondsPerOp, d.ApplySecondsPerOp)
	f(&c.ApplySecondsPerByte, d.ApplySecondsPerByte)
	f(&c.RaftLogHeapFactor, d.RaftLogHeapFactor)
	f(&c.ReferenceLoopSeconds, d.ReferenceLoopSeconds)
	if !validLookups(c) {
		c.LookupTreeKeys, c.LookupFarSeconds, c.LookupNearSeconds, c.LookupInterleavedSeconds =
			d.LookupTreeKeys, d.LookupFarSeconds, d.LookupNearSeconds, d.LookupInterleavedSeconds
	}
	if c.BaseHeapBytes <= 0 {
		c.BaseHeapBytes = d.BaseHeapBytes
	}
	return c
}

// validLookups is whether c's lookup pattern tables are whole: one figure
// per size, sizes increasing, every figure positive and finite.
func validLookups(c Calibration) bool {
	n := len(c.LookupTreeKeys)
	if n == 0 || len(c.LookupFarSeconds) != n || len(c.LookupNearSeconds) != n || len(c.LookupInterleavedSeconds) != n {
		return false
	}
	for i := range n {
		if i > 0 && !(c.LookupTreeKeys[i] > c.LookupTreeKeys[i-1]) {
			return false
		}
		for _, v := range []float64{c.LookupTreeKeys[i], c.LookupFarSeconds[i], c.LookupNearSeconds[i], c.LookupInterleavedSeconds[i]} {
			if !(v > 0) || v > 1e12 {
				return false
			}
		}
	}
	return true
}
