package measure

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dbinspect/dbinspect/pages/defrag"
	"github.com/dbinspect/dbinspect/pages/defrag/exact"
	"github.com/dbinspect/dbinspect/report/calibrate"
	bolt "go.etcd.io/bbolt"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

// Options sizes the measurements.
type Options struct {
	// Scale multiplies every workload; 1 takes about 30 s on 2 cores,
	// about 200 MB of temp disk and 400 MB of memory (most of both time and
	// memory is the 1M-key etcd-shaped index heap). Tests use a small scale.
	Scale float64
	// TempDir makes the dir that holds the scratch files; nil:
	// os.MkdirTemp under os.TempDir().
	TempDir defrag.TempDirFunc
	// Progress, if set, is told each step's name before it runs.
	Progress func(step string)
}

// Step is one measurement and the coefficients it gave.
type Step struct {
	Name    string  `json:"name"`
	Work    string  `json:"work"`
	Seconds float64 `json:"seconds"`
}

// Run measures on this machine the kinds of work etcd does at startup
// and during defrag, and returns coefficients for the models. Coefficients
// it cannot measure without etcd (fixed start, heap factor) keep the
// reference values. Scratch files are removed before it returns.
func Run(opts Options) (calibrate.Calibration, []Step, error) {
	if !(opts.Scale > 0) {
		opts.Scale = 1
	}
	mkdir := opts.TempDir
	if mkdir == nil {
		mkdir = defrag.OSTempDir
	}
	dir, remove, err := mkdir("dbinspect-calibrate-*")
	if err != nil {
		return calibrate.Calibration{}, nil, fmt.Errorf("calibrate: creating a scratch dir: %w", err)
	}
	defer remove()

	c := calibrate.Default
	c.Source = fmt.Sprintf("dbinspect calibrate on %s, %s", time.Now().UTC().Format("2006-01-02 15:04 UTC"), runtime.Version())
	c.Machine = fmt.Sprintf("%s/%s, %d CPUs", runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	var steps []Step
	step := func(name string, fn func() (string, float64, error)) error {
		if opts.Progress != nil {
			opts.Progress(name)
		}
		work, secs, err := fn()
		if err != nil {
			return fmt.Errorf("calibrate %s: %w", name, err)
		}
		steps = append(steps, Step{Name: name, Work: work, Seconds: secs})
		return nil
	}
	n := func(base int) int { return max(int(float64(base)*opts.Scale), 1000) }

	// The restore step's first large heap, averaged with a second one
	// timed at the end of the run.
	var firstHeap restoredLookup
	// The restore pipeline's scratch db stays until the run ends: its
	// restore is timed again after each later step.
	var pipe *pipelineBench
	// The same for the key-cache-hit restore (few keys, long histories).
	var hitPipe *pipelineBench
	defer func() {
		if pipe != nil {
			pipe.close()
		}
		if hitPipe != nil {
			hitPipe.close()
		}
	}()

	// The steps run in order; the first that fails ends the calibration.
	work := []struct {
		name string
		fn   func() (string, float64, error)
	}{
		{"populate", func() (string, float64, error) {
			size := int64(n(128 << 20))
			perByte, secs, err := measurePopulate(filepath.Join(dir, "populate"), size)
			c.PopulateSecondsPerByte = perByte
			return fmt.Sprintf("map %d bytes of a cached file with MAP_POPULATE (read on other systems)", size), secs, err
		}},
		{"bbolt open", func() (string, float64, error) {
			perNode, perOverflow, perElem, secs, err := measureOpen(dir, n, c.PopulateSecondsPerByte)
			c.OpenSecondsPerNode, c.OpenSecondsPerOverflowPage, c.OpenSecondsPerElement = perNode, perOverflow, perElem
			return "bbolt's Open of three bbolt files (small values, 1000-byte values, overflow values) with etcd's options: the freelist rebuilt by checking every page and key", secs, err
		}},
		{"restore", func() (string, float64, error) {
			perRev, perByte, perKey, perKeySeq, secs := measureRestore(n(200000))
			c.RestoreSecondsPerRevision, c.RestoreSecondsPerByte, c.BtreeSecondsPerInsert = perRev, perByte, perKey
			// etcd's restore looks up every revision that misses its key
			// cache in the treeIndex: time a Get at two tree sizes.
			small := n(50000)
			large := max(n(1<<20), 4*small)
			gs, _, _, s1 := measureRestoredLookup(small, n(200000), perRev, perByte, heapScattered)
			// The large heap's lookup moves by 10-20% from one heap
			// to the next (its layout in memory), and with the machine's
			// memory-bound speed, which wanders for tens of seconds at a
			// time: two heaps, averaged, the second one timed at the end
			// of the run (the "restore, second heap" step).
			gl, mark, perKeyLive, s2 := measureRestoredLookup(large, n(200000), perRev, perByte, heapScattered)
			firstHeap = restoredLookup{get: gl, mark: mark, perKeyLive: perKeyLive, perKey: perKey, keys: large}
			c.BtreeGetSecondsSmall, c.BtreeGetSecondsLarge = gs, gl
			// The GC marks each key's index entry about once for each
			// byte of it that becomes live (see measureRestoredLookup):
			// billed with the insert, once a key.
			c.BtreeSecondsPerInsert += perKeyLive * mark
			c.BtreeGetSmallKeys, c.BtreeGetLargeKeys = float64(small), float64(large)
			// The same in heaps built and rewritten in key order
			// (restoresim's sequential Gets and inserts).
			gss, _, _, s4 := measureRestoredLookup(small, n(200000), perRev, perByte, heapOrdered)
			gsl, markSeq, perKeyLiveSeq, s5 := measureRestoredLookup(large, n(200000), perRev, perByte, heapOrdered)
			c.BtreeGetSeqSecondsSmall, c.BtreeGetSeqSecondsLarge = gss, gsl
			c.BtreeSecondsPerInsertSeq = perKeySeq + perKeyLiveSeq*markSeq
			s1 += s4 + s5
			perMiss, s3 := measureKeyCache(n(500000))
			c.KeyCacheSecondsPerMiss = perMiss
			return fmt.Sprintf("mvccpb.KeyValue.Unmarshal, string(key), key cache lookup and revision append per revision; "+
				"B-tree (degree 32) insert per key; a key-cache-missing revision (unmarshal, tree Get, revision append) in heaps of etcd-shaped treeIndexes of %d and %d keys, over the small-heap cost; key cache evictions; the same in heaps built and rewritten in key order, and inserts in key order", small, large), secs + s1 + s2 + s3, nil
		}},
		{"restore pipeline", func() (string, float64, error) {
			var err error
			pipe, err = newPipelineBench(dir, n(500000))
			if err != nil {
				return "", 0, err
			}
			hitPipe, err = newHitPipelineBench(dir, hitPipelineKeys, max(n(400000)/hitPipelineKeys, 4), pipelineValueLen)
			if err != nil {
				return "", pipe.secs, err
			}
			for range pipelineRepsAtStep {
				if err := pipe.rep(); err != nil {
					return "", pipe.secs + hitPipe.secs, err
				}
				if err := hitPipe.rep(); err != nil {
					return "", pipe.secs + hitPipe.secs, err
				}
			}
			// Set now, from these restores; set again from all of them,
			// one more timed after each later step, once the run ends.
			if err := setPipelines(&c, pipe, hitPipe); err != nil {
				return "", pipe.secs + hitPipe.secs, err
			}
			return "", pipe.secs + hitPipe.secs, nil
		}},
		{"lookup patterns", func() (string, float64, error) {
			var sizes []int
			for _, base := range []int{1 << 14, 1 << 16, 1 << 18, 1 << 20} {
				sz := n(base)
				if len(sizes) > 0 {
					sz = max(sz, 2*sizes[len(sizes)-1])
				}
				sizes = append(sizes, sz)
			}
			lp, secs := measureLookupPatterns(sizes, n(200000))
			c.LookupTreeKeys = lp.keys
			c.LookupFarSeconds, c.LookupNearSeconds, c.LookupInterleavedSeconds = lp.perGet[patternFar], lp.perGet[patternNear], lp.perGet[patternInterleaved]
			c.ReferenceLoopSeconds = lp.refSecs
			return fmt.Sprintf("bare treeIndex Gets in one etcd-shaped heap grown to %v keys: random keys (far), the next key in order (near), %d ascending streams in turn (interleaved); median of %d, each over a reference loop (repetitions spread up to %.0f%% raw, %.0f%% normalised)",
				sizes, interleavedStreams, lookupReps, 100*lp.spreadRaw, 100*lp.spreadNorm), secs, nil
		}},
		{"3.7 decode", func() (string, float64, error) {
			extra, secs := measureDecode37(n(200000))
			c.Decode37SecondsPerRevision = extra
			return fmt.Sprintf("etcd 3.7's decode of a revision (protobuf-go proto.Unmarshal into a new mvccpb.KeyValue) over 3.6's (gogo Unmarshal into one held by value), median of 3 pairs: %.0f ns more a revision", extra*1e9), secs, nil
		}},
		{"btree interface items", func() (string, float64, error) {
			f, secs := measureBtreeInterfaceFactor(n(200000))
			c.BtreeInterfaceFactor = f
			return "the same inserts with interface items (etcd 3.5, google/btree v1.0.1) over generic ones", secs, nil
		}},
		{"leases", func() (string, float64, error) {
			perLease, perKey, secs := measureLeases(n(100000))
			c.LeaseSecondsPerLease, c.LeaseSecondsPerKey = perLease, perKey
			return "lease struct, map and channel per lease; item map inserts per leased key", secs, nil
		}},
		{"defrag", func() (string, float64, error) {
			perPair, perByte, secs, err := measureDefrag(dir, n(60000))
			c.DefragSecondsPerPair, c.DefragSecondsPerByte = perPair, perByte
			return "etcd's defragdb with bbolt on two scratch dbs (small and large values)", secs, err
		}},
		{"wal decode", func() (string, float64, error) {
			perByte, secs, err := measureWALDecode(dir, max(n(512), 64))
			c.WALDecodeSecondsPerByte = perByte
			return "etcd's two reads of a WAL of 140 KiB entries (a new buffer per frame, the record's data copied, CRC-32C; then each raftpb.Entry unmarshalled and kept), each into a heap given back to the OS first (fresh pages, as etcd's new process)", secs, err
		}},
		{"entry unmarshal", func() (string, float64, error) {
			perOp, secs, err := measureEntryUnmarshal(n(400000))
			c.EntryUnmarshalSecondsPerOp = perOp
			return "gogo Unmarshal of a message of 200 small messages (authpb.Role, standing in for etcdserverpb's TxnRequest), per small message", secs, err
		}},
		{"apply", func() (string, float64, error) {
			perEntry, perOp, perByte, secs, err := measureApply(dir, n(100000))
			c.ApplySecondsPerEntry, c.ApplySecondsPerOp, c.ApplySecondsPerByte = perEntry, perOp, perByte
			c.ApplyMeasured = err == nil
			return "etcd's apply of replayed txns rebuilt: raft MemoryStorage batches of 1 MiB, per put the treeIndex Get and Put, lease lookup, KeyValue marshal, bbolt put and write buffer, per txn the trace, response, events and write-back, a bbolt commit (fsync) every 10,000 puts; txns of 1 x 100 B, 200 x 100 B and 200 x 2,000 B puts", secs, err
		}},
		{"raft log heap", func() (string, float64, error) {
			factor, secs, ok, err := measureRaftLogHeap(dir, max(n(512), 64))
			if ok {
				c.RaftLogHeapFactor, c.RaftLogHeapMeasured = factor, true
				return "peak RSS growth over the live raft log while a WAL of 140 KiB entries is read twice and its entries appended to raft's MemoryStorage (GOGC as etcd: 100)", secs, err
			}
			return "not measured here (peak RSS cannot be reset): the reference factor is kept", secs, err
		}},
		{"ranges", func() (string, float64, error) {
			fit, secs, err := measureRanges(dir, n(100000))
			if errors.Is(err, errNoLoopback) {
				return fmt.Sprintf("not measured here (%v): the reference range coefficients are kept", err), secs, nil
			}
			if err != nil {
				return "", secs, err
			}
			c.RangeWalkSecondsPerKey, c.RangeSecondsPerKey, c.RangeSecondsPerByte = fit.walk, fit.perKey, fit.perByte
			c.RangeWalkSecondsPerKeyLarge, c.RangeWalkIndexKeysSmall, c.RangeWalkIndexKeysLarge = fit.walkLarge, fit.smallKeys, fit.largeKeys
			c.RangeWalkInterfaceFactor = fit.interfaceFactor
			c.RangeMeasured = true
			var shapes []string
			for _, sh := range fit.shapes {
				shapes = append(shapes, fmt.Sprintf("%s %d keys, %d B in %.3f s", sh.prefix, sh.keys, sh.bytes, sh.secs))
			}
			return fmt.Sprintf("count-only walks (keyIndex.get per key) after 100 ms idle, in treeIndexes of %.0f and %.0f keys created in shuffled order: %.0f and %.0f ns/key (x%.2f with 3.5's interface items); ", fit.smallKeys, fit.largeKeys, fit.walk*1e9, fit.walkLarge*1e9, fit.interfaceFactor) +
				"etcd's range over a prefix rebuilt: full ranges (the walk, per key a bbolt cursor Seek in a read tx and mvccpb.KeyValue.Unmarshal, the response marshalled as etcd's codec does (gogo Marshal, then the reflective CheckInitialized of each KeyValue), sent in 16 KiB HTTP/2 frames over loopback TCP, joined, unmarshalled and checked by a client goroutine), wall time from a heap given back to the OS, as an idle server's, median of 5: " +
				strings.Join(shapes, "; "), secs, nil
		}},
		{"snapshot streams", func() (string, float64, error) {
			fit, secs, err := measureSnapshotStreams(dir, n(64<<20))
			if errors.Is(err, errNoLoopback) {
				return fmt.Sprintf("not measured here (%v): the reference stream rates are kept", err), secs, nil
			}
			if err != nil {
				return "", secs, err
			}
			c.SnapshotSaveSecondsPerByte, c.SnapshotSendSecondsPerByte, c.SnapshotStreamMeasured = fit.save, fit.send, true
			return fmt.Sprintf("a db of %d bytes streamed over loopback TCP, median of %d alternate rounds: etcdctl snapshot save rebuilt (32 KiB SnapshotResponses marshalled, SHA-256, gRPC's 16 KiB HTTP/2 frames; the client joins, unmarshals and writes the file) %.2f ns/byte (%.0f Mbit/s); a snapshot sent to a follower rebuilt (HTTP/1.1 chunks of 32 KiB, each flushed, into the follower's file) %.2f ns/byte (%.0f Mbit/s)",
				fit.dbBytes, snapshotStreamRounds, fit.save*1e9, 8/fit.save/1e6, fit.send*1e9, 8/fit.send/1e6), secs, nil
		}},
		{"compaction", func() (string, float64, error) {
			perRev, secs, err := measureCompaction(dir, n(30000))
			c.CompactSecondsPerRevision = perRev
			return "bbolt deletes in 1000-revision transactions, as etcd's scheduled compaction", secs, err
		}},
		{"restore, second heap", func() (string, float64, error) {
			gl2, mark2, _, secs := measureRestoredLookup(firstHeap.keys, n(200000), c.RestoreSecondsPerRevision, c.RestoreSecondsPerByte, heapScattered)
			mark := (firstHeap.mark + mark2) / 2
			c.BtreeGetSecondsLarge = (firstHeap.get + gl2) / 2
			c.BtreeSecondsPerInsert = firstHeap.perKey + firstHeap.perKeyLive*mark
			return fmt.Sprintf("the restore step's key-cache-missing revision in a second heap of %d keys, at the end of the run; the two averaged (%.0f and %.0f ns)", firstHeap.keys, firstHeap.get*1e9, gl2*1e9), secs, nil
		}},
	}
	for _, w := range work {
		if err := step(w.name, w.fn); err != nil {
			return calibrate.Calibration{}, steps, err
		}
		if pipe != nil && hitPipe != nil && w.name != "restore pipeline" {
			if err := pipe.rep(); err != nil {
				return calibrate.Calibration{}, steps, fmt.Errorf("calibrate restore pipeline: %w", err)
			}
			if err := hitPipe.rep(); err != nil {
				return calibrate.Calibration{}, steps, fmt.Errorf("calibrate restore pipeline: %w", err)
			}
		}
	}
	if pipe != nil && hitPipe != nil {
		if err := setPipelines(&c, pipe, hitPipe); err != nil {
			return calibrate.Calibration{}, steps, fmt.Errorf("calibrate restore pipeline: %w", err)
		}
		res, _ := pipe.result()
		hits, _ := hitPipe.result()
		for i := range steps {
			if steps[i].Name == "restore pipeline" {
				steps[i].Seconds = pipe.secs + hitPipe.secs
				steps[i].Work = fmt.Sprintf("etcd's restore end to end, both goroutines and the GC, in wall time, on a bbolt db of %d keys created and rewritten in key order: "+
					"median of %d restores, %d timed at this step and one after each later step, so that they span the run (%.0f ns a revision, from %.0f to %.0f; less its bytes, inserts and evictions); "+
					"the same on a bbolt db of %d keys each written %d times in random order, every rewrite a key-cache hit (%.0f ns a revision, from %.0f to %.0f; less its bytes and inserts)",
					res.creates, len(res.reps), pipelineRepsAtStep, res.perRev*1e9, slices.Min(res.reps)*1e9, slices.Max(res.reps)*1e9,
					hits.creates, hits.revs/max(hits.creates, 1), hits.perRev*1e9, slices.Min(hits.reps)*1e9, slices.Max(hits.reps)*1e9)
			}
		}
	}
	c = c.WithDefaults()
	return c, steps, nil
}

// restoredLookup is what the restore step measured in its large heap.
type restoredLookup struct {
	get, mark, perKeyLive, perKey float64
	keys                          int
}

// setPipelines sets the sequential and the key-cache-hit revision's costs
// from the two restore pipelines' medians.
func setPipelines(c *calibrate.Calibration, seq, hits *pipelineBench) error {
	res, err := seq.result()
	if err != nil {
		return err
	}
	setPipeline(c, res)
	hres, err := hits.result()
	if err != nil {
		return err
	}
	setHitPipeline(c, hres)
	return nil
}

// setPipeline sets the sequential revision's cost from the restore
// pipeline's median: its wall time per revision less what the other terms
// charge for its bytes, inserts and evictions.
func setPipeline(c *calibrate.Calibration, res pipelineResult) {
	revs := float64(res.revs)
	c.RestoreSeqSecondsPerRevision = max(res.perRev-
		c.BtreeSecondsPerInsertSeq*float64(res.creates)/revs-
		c.RestoreSecondsPerByte*res.bytesPerRev-
		c.KeyCacheSecondsPerMiss*float64(res.fullMisses)/revs, 1e-9)
}

// setHitPipeline sets the key-cache-hit revision's cost from the hit
// pipeline's median: its wall time per revision less what the other terms
// charge for its bytes and its keys' first revisions (an insert each; the
// Get before it, in a tree of a few thousand keys, is left in).
func setHitPipeline(c *calibrate.Calibration, res pipelineResult) {
	revs := float64(res.revs)
	c.RestoreHitSecondsPerRevision = max(res.perRev-
		c.BtreeSecondsPerInsert*float64(res.creates)/revs-
		c.RestoreSecondsPerByte*res.bytesPerRev, 1e-9)
}

// hitPipelineKeys is how many keys the key-cache-hit restore rewrites:
// half restore's key cache, so that none is ever evicted.
const hitPipelineKeys = calibrate.RestoreKeyCache / 2

// timeIt runs CPU-bound fn and returns the CPU time it took; the GC runs
// first so earlier garbage is not billed to fn.
func timeIt(fn func()) float64 {
	runtime.GC()
	t := cpuSeconds()
	fn()
	return cpuSeconds() - t
}

// timeWall runs fn, which waits on the disk (fsync), and returns its wall
// time.
func timeWall(fn func()) float64 {
	runtime.GC()
	t := time.Now()
	fn()
	return time.Since(t).Seconds()
}

// fitTwo solves a·x1 + b·y1 = t1, a·x2 + b·y2 = t2 for a and b, clamping
// both at a small positive floor (timings are noisy).
func fitTwo(x1, y1, t1, x2, y2, t2 float64) (a, b float64) {
	det := x1*y2 - x2*y1
	if det != 0 {
		a = (t1*y2 - t2*y1) / det
		b = (x1*t2 - x2*t1) / det
	}
	if a <= 0 {
		a = t1 / (x1 + 1e-9) / 2
	}
	if b <= 0 {
		b = 1e-12
	}
	return a, b
}

// restoreKeyIndex mirrors the parts of etcd's keyIndex restore touches.
type restoreKeyIndex struct {
	key  []byte
	revs []int64
}

// measureRestore times etcd's restore loop per revision (unmarshal, key
// string, key lookup, revision append) with two value sizes, to split the
// per-revision from the per-byte cost, and the treeIndex inserts per key,
// in random key order (perKey) and in key order (perKeySeq).
func measureRestore(revs int) (perRev, perByte, perKey, perKeySeq, secs float64) {
	r := rand.New(rand.NewSource(1))
	keys := max(revs/4, 1)
	names := make([][]byte, keys)
	for i := range names {
		names[i] = []byte(fmt.Sprintf("/registry/pods/ns-%03d/pod-%08d", i%97, r.Int63()))
	}
	// run restores revs revisions of values of valueLen bytes over the
	// first revs/4 keys (each key is rewritten about four times).
	run := func(valueLen, revs int) float64 {
		encoded := make([][]byte, revs)
		val := make([]byte, valueLen)
		keys := max(revs/4, 1)
		for i := range encoded {
			kv := mvccpb.KeyValue{Key: names[r.Intn(keys)], CreateRevision: int64(i + 1), ModRevision: int64(i + 1), Version: 1, Value: val}
			encoded[i], _ = kv.Marshal()
		}
		index := make(map[string]*restoreKeyIndex, keys)
		return timeIt(func() {
			for i, b := range encoded {
				var kv mvccpb.KeyValue
				if err := kv.Unmarshal(b); err != nil {
					panic(err)
				}
				kstr := string(kv.Key)
				ki, ok := index[kstr]
				if !ok {
					ki = &restoreKeyIndex{key: kv.Key}
					index[kstr] = ki
				}
				ki.revs = append(ki.revs, int64(i))
			}
		})
	}
	// The per-byte cost is the difference between two runs alike but for
	// their values, tiny and 4 KiB (the size of a typical Kubernetes
	// object), over an eighth of the revisions to bound memory; the
	// per-revision cost is what remains of a full run of tiny values. With
	// one fit over 16- and 512-byte values the per-byte figure moved from
	// 0.01 to 0.64 ns between calibrate runs: the difference it rests on
	// was a third of the run.
	const small, large = 16, 4096
	revsBytes := max(revs/8, 1)
	tSmall := bestOf(3, func() float64 { return run(small, revs) })
	tBytesSmall := bestOf(3, func() float64 { return run(small, revsBytes) })
	tBytesLarge := bestOf(3, func() float64 { return run(large, revsBytes) })
	keyLen := float64(len(names[0]))
	perByte = max((tBytesLarge-tBytesSmall)/(float64(revsBytes)*(large-small)), 1e-12)
	perRev = max((tSmall-float64(revs)*(small+keyLen)*perByte)/float64(revs), 1e-9)
	items := make([]*restoreKeyIndex, keys)
	for i := range items {
		items[i] = &restoreKeyIndex{key: names[i]}
	}
	tTree := bestOf(3, func() float64 {
		return timeIt(func() {
			t := newBtree(func(a, b *restoreKeyIndex) bool { return bytes.Compare(a.key, b.key) < 0 })
			for _, it := range items {
				t.ReplaceOrInsert(it)
			}
		})
	})
	perKey = max(tTree/float64(keys), 1e-9)
	slices.SortFunc(items, func(a, b *restoreKeyIndex) int { return bytes.Compare(a.key, b.key) })
	tSeq := bestOf(3, func() float64 {
		return timeIt(func() {
			t := newBtree(func(a, b *restoreKeyIndex) bool { return bytes.Compare(a.key, b.key) < 0 })
			for _, it := range items {
				t.ReplaceOrInsert(it)
			}
		})
	})
	perKeySeq = max(tSeq/float64(keys), 1e-9)
	return perRev, perByte, perKey, perKeySeq, tSmall + tBytesSmall + tBytesLarge + tTree + tSeq
}

// etcdKeyIndex, etcdGeneration and etcdRevision have the shape and sizes of
// etcd's keyIndex, generation and Revision (server/storage/mvcc/
// key_index.go, revision.go): 64 B a keyIndex, 48 B a generation.
type etcdKeyIndex struct {
	key         []byte
	modified    etcdRevision
	generations []etcdGeneration
}

type etcdGeneration struct {
	ver     int64
	created etcdRevision
	revs    []etcdRevision
}

type etcdRevision struct{ main, sub int64 }

// put is keyIndex.put's work on a key that has a live generation.
func (ki *etcdKeyIndex) put(main int64) {
	rev := etcdRevision{main: main}
	g := &ki.generations[len(ki.generations)-1]
	g.revs = append(g.revs, rev)
	g.ver++
	ki.modified = rev
}

// measureRestoredLookup times what a revision that misses restoreIntoIndex's
// key cache costs in a heap shaped like the one etcd's restore has built
// after keys keys, over and above perRev + perByte x bytes, the same
// revision's work measured in a small heap (measureRestore).
//
// The shape is the point. etcd's treeIndex is a B-tree of pointers to
// separately allocated keyIndex structs, each with its key bytes (the
// unmarshalled key, kept), a generation slice and a revision slice,
// allocated between the garbage of the revisions restore unmarshals. A Get
// dereferences a keyIndex and its key at every level, and at 1.5M keys these
// are ~800 MB scattered over the heap: most comparisons miss the CPU caches
// and the TLB. A tree of bare keys, or a small heap, measures ~4 us a Get
// where etcd's profile shows 6-7 us; and in a big live heap every allocation
// of the revision loop (unmarshal, string(key), the revision append) pays
// for GC marking of that heap, which a small heap never shows (2.8 us a
// revision in etcd against 0.8 us measured alone). So the tree is built the
// way restore builds it, the GC runs as it does in etcd (GOGC untouched,
// its CPU on the other core billed too: cpuSeconds is process time), and
// the timed loop is restore's: unmarshal with mvccpb, string(key), the key
// cache map lookup, the tree Get, keyIndex.put's append.
//
// It returns the extra seconds per such revision (at least a bare Get in
// the same heap), the GC's seconds per live byte marked in this heap, the
// live heap per key and the time spent.
func measureRestoredLookup(keys, probes int, perRev, perByte float64, layout heapLayout) (perLookup, markPerByte, liveBytesPerKey, secs float64) {
	start := time.Now()
	r := rand.New(rand.NewSource(2))
	const valueLen = 150
	less := func(a, b *etcdKeyIndex) bool { return bytes.Compare(a.key, b.key) < 0 }
	t := newBtree(less)
	names := make([][]byte, keys)
	for i := range names {
		names[i] = strconv.AppendInt(append(strconv.AppendInt([]byte("/registry/pods/ns-"), int64(100+i%97), 10), "/pod-"...), r.Int63(), 10)
	}
	if layout == heapOrdered {
		// Created in key order: each key's index entry is allocated next
		// to the one before it in key order.
		slices.SortFunc(names, bytes.Compare)
	}
	var garbage [][]byte
	for i := range names {
		// As restore: the unmarshalled key is kept by the keyIndex, the
		// value and the cache's string(key) become garbage beside it.
		key := append([]byte(nil), names[i]...)
		names[i] = key
		garbage = append(garbage[:0], make([]byte, valueLen), []byte(string(key)))
		ki := &etcdKeyIndex{key: key}
		ki.generations = append(ki.generations, etcdGeneration{created: etcdRevision{main: int64(i + 1)}})
		ki.put(int64(i + 1))
		t.ReplaceOrInsert(ki)
	}
	runtime.KeepAlive(garbage)
	// The GC's price in this heap: the CPU one full collection takes (its
	// mark of the live treeIndex) per byte live. The GC is held off during
	// the timed loop and billed at that price per byte the loop allocates:
	// paced at GOGC=100 the GC marks the live heap once per live heap's
	// worth of allocation, so each allocated byte costs a byte of marking.
	// (Left running, a loop this short sees zero or one collection of a
	// heap this large: a coin toss, not a measurement.)
	var ms runtime.MemStats
	// One full collection's time moved by 20-30% from one calibrate run to
	// the next: the median of three.
	runtime.GC()
	gcSecs := median([]float64{timeIt(runtime.GC), timeIt(runtime.GC), timeIt(runtime.GC)})
	runtime.ReadMemStats(&ms)
	live := float64(ms.HeapAlloc)
	markPerByte = gcSecs / max(live, 1)
	liveBytesPerKey = live / float64(keys)
	encoded := make([][]byte, probes)
	val := make([]byte, valueLen)
	var kvBytes float64
	at := r.Intn(keys)
	for i := range encoded {
		k := names[r.Intn(keys)]
		if layout == heapOrdered {
			// Rewritten in key order too: each revision's key is the
			// next one (the same leaf, the next index entry in memory).
			k = names[at]
			at = (at + 1) % keys
		}
		kv := mvccpb.KeyValue{Key: k, CreateRevision: 1, ModRevision: int64(keys + i + 1), Version: 2, Value: val}
		encoded[i], _ = kv.Marshal()
		kvBytes += float64(len(k) + valueLen)
	}
	cache := make(map[string]*etcdKeyIndex, calibrate.RestoreKeyCache)
	probe := &etcdKeyIndex{}
	found := 0
	var allocated float64
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	loop := medianOf(lookupLoopReps, func() float64 {
		runtime.ReadMemStats(&ms)
		before := ms.TotalAlloc
		defer func() {
			runtime.ReadMemStats(&ms)
			allocated = float64(ms.TotalAlloc - before)
		}()
		return timeIt(func() {
			for i, b := range encoded {
				var kv mvccpb.KeyValue
				if err := kv.Unmarshal(b); err != nil {
					panic(err)
				}
				kstr := string(kv.Key)
				ki, ok := cache[kstr]
				if !ok {
					probe.key = kv.Key
					ki, ok = btreeFind(t, probe)
				}
				if ok {
					ki.put(int64(keys + i + 1))
					found++
				}
			}
		})
	})
	probes2 := make([]*etcdKeyIndex, max(probes/2, 1))
	for i := range probes2 {
		k := names[r.Intn(keys)]
		if layout == heapOrdered {
			k = names[at]
			at = (at + 1) % keys
		}
		probes2[i] = &etcdKeyIndex{key: append([]byte(nil), k...)}
	}
	bare := bestOf(1, func() float64 {
		return timeIt(func() {
			for _, p := range probes2 {
				if _, ok := btreeFind(t, p); ok {
					found++
				}
			}
		})
	})
	runtime.KeepAlive(t)
	if found == 0 {
		panic("calibrate: B-tree lookups found nothing")
	}
	bareGet := max(bare/float64(len(probes2)), 1e-9)
	extra := (loop + allocated*markPerByte - float64(probes)*perRev - kvBytes*perByte) / float64(probes)
	return max(extra, bareGet), markPerByte, liveBytesPerKey, time.Since(start).Seconds()
}

// heapLayout is how a calibration heap's index entries lie in memory
// relative to key order.
type heapLayout int

const (
	// heapScattered: keys created in random key order, so neighbours in
	// key order are far apart in memory; revisions of random keys.
	heapScattered heapLayout = iota
	// heapOrdered: keys created in key order (bulk creates, imports), so
	// neighbours in key order are neighbours in memory; revisions in key
	// order.
	heapOrdered
)

// measureKeyCache replays restoreIntoIndex's key cache on misses keys
// that are all new to it: each miss ranges over the 10,000-entry map to
// delete 10 arbitrary entries, then inserts the key. It returns seconds per
// miss and the time spent.
func measureKeyCache(misses int) (perMiss, secs float64) {
	names := make([]string, misses)
	for i := range names {
		names[i] = fmt.Sprintf("/registry/pods/ns-%03d/pod-%08d", i%97, i)
	}
	v := &restoreKeyIndex{}
	t := bestOf(3, func() float64 {
		cache := make(map[string]*restoreKeyIndex, calibrate.RestoreKeyCache)
		return timeIt(func() {
			for _, k := range names {
				if _, ok := cache[k]; !ok && len(cache) >= calibrate.RestoreKeyCache {
					i := 10
					for old := range cache {
						delete(cache, old)
						if i--; i == 0 {
							break
						}
					}
				}
				cache[k] = v
			}
		})
	})
	return max(t/float64(misses), 1e-9), 3 * t
}

// btreeFind returns t's item equal to x, descending as google/btree's
// Get does.
func btreeFind[T any](t *btree[T], x T) (T, bool) {
	for n := t.root; n != nil; {
		i, found := n.find(x, t.less)
		if found {
			return n.items[i], true
		}
		if len(n.children) == 0 {
			break
		}
		n = n.children[i]
	}
	var zero T
	return zero, false
}

type item interface{ Less(than item) bool }

type stringItem string

func (s stringItem) Less(than item) bool { return s < than.(stringItem) }

func measureBtreeInterfaceFactor(keys int) (float64, float64) {
	r := rand.New(rand.NewSource(2))
	ks := make([]string, keys)
	for i := range ks {
		ks[i] = fmt.Sprintf("/registry/configmaps/ns-%03d/cm-%09d", i%101, r.Int63())
	}
	g := bestOf(3, func() float64 {
		return timeIt(func() {
			t := newBtree(func(a, b *string) bool { return *a < *b })
			for i := range ks {
				t.ReplaceOrInsert(&ks[i])
			}
		})
	})
	iface := bestOf(3, func() float64 {
		return timeIt(func() {
			t := newBtree(func(a, b item) bool { return a.Less(b) })
			for _, k := range ks {
				t.ReplaceOrInsert(stringItem(k))
			}
		})
	})
	return min(max(iface/g, 1), 3), g + iface
}

type lease struct {
	id      int64
	ttl     int64
	itemSet map[string]struct{}
	revokec chan struct{}
}

func measureLeases(n int) (perLease, perKey, secs float64) {
	leases := make(map[int64]*lease)
	tl := timeIt(func() {
		for i := 0; i < n; i++ {
			leases[int64(i)] = &lease{id: int64(i), ttl: 60, itemSet: map[string]struct{}{}, revokec: make(chan struct{})}
		}
	})
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("/registry/leases/kube-node-lease/node-%08d", i)
	}
	itemMap := make(map[string]int64)
	tk := timeIt(func() {
		for i, k := range keys {
			l := leases[int64(i%len(leases))]
			l.itemSet[k] = struct{}{}
			itemMap[k] = l.id
		}
	})
	return tl / float64(n), tk / float64(n), tl + tk
}

// writeScratchDB writes n pairs of etcd-shaped keys with values of vlen bytes.
func writeScratchDB(path string, n, vlen int) (int64, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{NoFreelistSync: true})
	if err != nil {
		return 0, err
	}
	defer db.Close()
	val := make([]byte, vlen)
	var total int64
	for start := 0; start < n; start += 10000 {
		err := db.Update(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("key"))
			if err != nil {
				return err
			}
			b.FillPercent = 0.9
			for i := start; i < n && i < start+10000; i++ {
				k := make([]byte, 17)
				binary.BigEndian.PutUint64(k, uint64(i+1))
				k[8] = '_'
				if err := b.Put(k, val); err != nil {
					return err
				}
				total += int64(len(k) + vlen)
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	return total, nil
}

func measureDefrag(dir string, pairs int) (perPair, perByte, secs float64, err error) {
	var t [2]float64
	var bytesN [2]int64
	counts := [2]int{pairs, pairs / 10}
	for i, vlen := range []int{64, 4000} {
		src := filepath.Join(dir, fmt.Sprintf("defrag-src-%d.db", i))
		if bytesN[i], err = writeScratchDB(src, counts[i], vlen); err != nil {
			return 0, 0, 0, err
		}
		dst := filepath.Join(dir, fmt.Sprintf("defrag-dst-%d.db", i))
		var derr error
		t[i] = timeWall(func() { _, derr = exact.Copy(src, dst) })
		if derr != nil {
			return 0, 0, 0, derr
		}
	}
	perPair, perByte = fitTwo(float64(counts[0]), float64(bytesN[0]), t[0], float64(counts[1]), float64(bytesN[1]), t[1])
	return perPair, perByte, t[0] + t[1], nil
}

func measureCompaction(dir string, revs int) (float64, float64, error) {
	path := filepath.Join(dir, "compact.db")
	if _, err := writeScratchDB(path, revs, 200); err != nil {
		return 0, 0, err
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{NoFreelistSync: true})
	if err != nil {
		return 0, 0, err
	}
	defer db.Close()
	var derr error
	secs := timeWall(func() {
		for start := 0; start < revs && derr == nil; start += 1000 {
			derr = db.Update(func(tx *bolt.Tx) error {
				b := tx.Bucket([]byte("key"))
				c := b.Cursor()
				k := make([]byte, 17)
				binary.BigEndian.PutUint64(k, uint64(start+1))
				k[8] = '_'
				i := 0
				for kk, _ := c.Seek(k); kk != nil && i < 1000; kk, _ = c.Next() {
					if err := c.Delete(); err != nil {
						return err
					}
					i++
				}
				return nil
			})
		}
	})
	return secs / float64(revs), secs, derr
}

// bestOf runs a timing n times and keeps the fastest: on a shared machine
// the slower runs measure the neighbours, not the work.
// lookupLoopReps is how many times measureRestoredLookup times its loop of
// key-cache-missing revisions (the median is kept).
const lookupLoopReps = 3

// medianOf runs run n times and returns the median of what it returned.
func medianOf(n int, run func() float64) float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = run()
	}
	return median(xs)
}

func bestOf(n int, run func() float64) float64 {
	best := math.Inf(1)
	for i := 0; i < n; i++ {
		best = min(best, run())
	}
	return best
}

// describeSteps renders the steps for a human.
func describeSteps(steps []Step) string {
	var b strings.Builder
	for _, s := range steps {
		fmt.Fprintf(&b, "%-22s %6.2fs  %s\n", s.Name, s.Seconds, s.Work)
	}
	return b.String()
}

// notMeasured marks a figure calibrate kept at its reference value.
func notMeasured(measured bool) string {
	if measured {
		return ""
	}
	return " (reference values, not measured)"
}

// Describe is what 'dbinspect calibrate' prints.
func Describe(c calibrate.Calibration, steps []Step, path string) string {
	var b strings.Builder
	b.WriteString(describeSteps(steps))
	fmt.Fprintf(&b, "\nThese coefficients are THIS machine's (%s): predictions made with them say how long etcd takes here.\n", c.Machine)
	b.WriteString("For a customer's member, run 'dbinspect calibrate --calibration node.json' on its node (or one like it), copy node.json here and pass 'predict --calibration node.json'.\n")
	fmt.Fprintf(&b, "saved to %s\n", path)
	if len(c.LookupTreeKeys) > 0 {
		b.WriteString("treeIndex Get by tree size (far / near / interleaved, ns):")
		for i, k := range c.LookupTreeKeys {
			fmt.Fprintf(&b, " %.0f keys %.0f/%.0f/%.0f;", k, c.LookupFarSeconds[i]*1e9, c.LookupNearSeconds[i]*1e9, c.LookupInterleavedSeconds[i]*1e9)
		}
		fmt.Fprintf(&b, " reference loop %.1f ms\n", c.ReferenceLoopSeconds*1e3)
	}
	if c.BtreeGetSeqSecondsLarge > 0 {
		fmt.Fprintf(&b, "in a heap built in key order: key-cache-missing revision %.0f ns at %.0f keys, %.0f ns at %.0f keys, insert %.0f ns/key; restore in key order end to end %.0f ns/revision\n",
			c.BtreeGetSeqSecondsSmall*1e9, c.BtreeGetSmallKeys, c.BtreeGetSeqSecondsLarge*1e9, c.BtreeGetLargeKeys, c.BtreeSecondsPerInsertSeq*1e9, c.RestoreSeqSecondsPerRevision*1e9)
	}
	if c.RestoreHitSecondsPerRevision > 0 {
		fmt.Fprintf(&b, "restore of key-cache hits end to end %.0f ns/revision (one goroutine: %.0f)\n", c.RestoreHitSecondsPerRevision*1e9, c.RestoreSecondsPerRevision*1e9)
	}
	fmt.Fprintf(&b, "populate %.2f GB/s, bbolt open %.0f ns/node + %.0f ns/overflow page + %.1f ns/element, restore %.0f ns/revision + %.3f ns/byte, btree %.0f ns/key (3.5 x%.2f), lookup %.0f ns at %.0f keys, %.0f ns at %.0f keys, key cache %.0f ns/miss, defrag %.0f ns/pair + %.2f ns/byte, WAL decode %.2f ns/byte, entry unmarshal %.0f ns/op, apply %.1f us/entry + %.0f ns/op + %.2f ns/byte, raft log heap x%.2f, range walk %.0f ns/key (%.0f at %.0fk keys) + read %.2f us/key + %.2f ns/response byte%s, snapshot save %.2f ns/byte (%.0f Mbit/s) and send to a follower %.2f ns/byte (%.0f Mbit/s)%s\n",
		1e-9/c.PopulateSecondsPerByte, c.OpenSecondsPerNode*1e9, c.OpenSecondsPerOverflowPage*1e9, c.OpenSecondsPerElement*1e9, c.RestoreSecondsPerRevision*1e9,
		c.RestoreSecondsPerByte*1e9, c.BtreeSecondsPerInsert*1e9, c.BtreeInterfaceFactor,
		c.BtreeGetSecondsSmall*1e9, c.BtreeGetSmallKeys, c.BtreeGetSecondsLarge*1e9, c.BtreeGetLargeKeys, c.KeyCacheSecondsPerMiss*1e9, c.DefragSecondsPerPair*1e9, c.DefragSecondsPerByte*1e9,
		c.WALDecodeSecondsPerByte*1e9, c.EntryUnmarshalSecondsPerOp*1e9, c.ApplySecondsPerEntry*1e6, c.ApplySecondsPerOp*1e9, c.ApplySecondsPerByte*1e9, c.RaftLogHeapFactor,
		c.RangeWalkSecondsPerKey*1e9, c.RangeWalkSecondsPerKeyLarge*1e9, c.RangeWalkIndexKeysLarge/1e3, c.RangeSecondsPerKey*1e6, c.RangeSecondsPerByte*1e9, notMeasured(c.RangeMeasured),
		c.SnapshotSaveSecondsPerByte*1e9, 8/c.SnapshotSaveSecondsPerByte/1e6, c.SnapshotSendSecondsPerByte*1e9, 8/c.SnapshotSendSecondsPerByte/1e6, notMeasured(c.SnapshotStreamMeasured))
	return b.String()
}
