package measure

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dbinspect/dbinspect/report/calibrate"
	bolt "go.etcd.io/bbolt"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

// pipelineValueLen is the value size of the pipeline's scratch db.
const pipelineValueLen = 150

// pipelineResult is what measureRestorePipeline found.
type pipelineResult struct {
	perRev      float64   // wall seconds per revision, end to end
	revs        int       // revisions restored
	creates     int       // of which first revisions (inserts)
	fullMisses  int       // key-cache misses once the cache had filled
	bytesPerRev float64   // key and value bytes per revision
	reps        []float64 // wall seconds per revision of each timed restore, in order
}

// measureRestorePipeline times etcd's restore as it runs, end to end, on a
// scratch db of keys keys created in key order and then each rewritten
// once in key order (the shape restoresim calls sequential): the reading
// goroutine of mvcc's store.restore (bbolt UnsafeRange of 10,000 revisions
// at a time over the key bucket, then restoreChunk: unmarshal each
// mvccpb.KeyValue, string(key), the keyToLease map, a send on a channel of
// 10,000) and the index goroutine of restoreIntoIndex (the 10,000-key
// cache with its evictions, on a miss a probe keyIndex and a treeIndex Get
// under the index's read lock, verify.Verify's read of ETCD_VERIFY on every
// revision, keyIndex.put or a new keyIndex inserted under the write lock
// and counted in the keys gauge), both running at once with the
// GC as it runs (GOGC untouched). It is wall time: on two cores the two
// goroutines and the GC share them, which is what a restore whose Gets are
// cheap is made of, and which the per-revision cost measured on one
// goroutine (measureRestore) does not show. The heap is given back to the
// OS before each run, so the restore faults in every page it allocates. One
// key in 5 carries a lease, as the bigdb shapes.
//
// measureRestorePipeline builds the scratch db, times its restore reps
// times and keeps the median (res.reps has each); the scratch db is removed
// before it returns. calibrate itself uses a pipelineBench, whose
// repetitions it spreads over its whole run.
func measureRestorePipeline(dir string, keys, reps int) (pipelineResult, float64, error) {
	pb, err := newPipelineBench(dir, keys)
	if err != nil {
		return pipelineResult{}, 0, err
	}
	defer pb.close()
	for range reps {
		if err := pb.rep(); err != nil {
			return pipelineResult{}, pb.secs, err
		}
	}
	res, err := pb.result()
	return res, pb.secs, err
}

// pipelineBench is the scratch db of measureRestorePipeline, kept open so
// that its restore can be timed at several moments of a calibrate run: one
// restore of 400,000 revisions moved by up to 30% from one run to the next
// on a quiet 2-core VM (the same binary and db, the register-only
// reference loop and the VM's steal time unchanged), and the median of 7
// restores timed back to back still moved by 30% between two calibrate
// runs a minute apart (testdata/startup-truth/session9): the machine's
// memory-bound speed wanders over tens of seconds, so repetitions taken at
// one moment all share it. Spread over the run, their median is the
// machine's speed over the minute calibrate takes.
type pipelineBench struct {
	db     *bolt.DB
	path   string
	keys   int
	res    pipelineResult
	secs   float64 // wall seconds spent building and timing
	failed error
}

// newPipelineBench writes the scratch db: keys keys created in key order
// and then each rewritten once in key order.
func newPipelineBench(dir string, keys int) (*pipelineBench, error) {
	return writePipelineBench(filepath.Join(dir, "pipeline.db"), keys, 2, pipelineValueLen, nil)
}

// newHitPipelineBench writes the scratch db of the key-cache-hit restore:
// keys keys (under the key cache's 10,000, so that no key is ever evicted)
// written rounds times, each round in a new random order: after its first
// revision every revision of a key hits restore's key cache, as on a db of
// few keys with long histories.
func newHitPipelineBench(dir string, keys, rounds, valueLen int) (*pipelineBench, error) {
	return writePipelineBench(filepath.Join(dir, fmt.Sprintf("pipeline-hits-%d.db", valueLen)), keys, rounds, valueLen, rand.New(rand.NewSource(1)))
}

// writePipelineBench writes keys keys rounds times at path, values of
// valueLen bytes: in key order, or in a new order from r each round when r
// is set.
func writePipelineBench(path string, keys, rounds, valueLen int, r *rand.Rand) (*pipelineBench, error) {
	start := time.Now()
	pb := &pipelineBench{path: path, keys: keys}
	names := make([][]byte, keys)
	for i := range names {
		names[i] = strconv.AppendInt([]byte("/registry/pods/ns-"), int64(1e9+i), 10)
	}
	order := make([]int, keys)
	for i := range order {
		order[i] = i
	}
	created := make([]int64, keys)
	var kvBytes int64
	db, err := bolt.Open(pb.path, 0o600, &bolt.Options{NoFreelistSync: true})
	if err != nil {
		return nil, err
	}
	pb.db = db
	val := make([]byte, valueLen)
	rev := int64(0)
	for round := 0; round < rounds; round++ {
		if r != nil {
			r.Shuffle(keys, func(i, j int) { order[i], order[j] = order[j], order[i] })
		}
		for lo := 0; lo < keys; lo += 10000 {
			err := db.Update(func(tx *bolt.Tx) error {
				b, err := tx.CreateBucketIfNotExists([]byte("key"))
				if err != nil {
					return err
				}
				b.FillPercent = 0.9
				for o := lo; o < keys && o < lo+10000; o++ {
					i := order[o]
					rev++
					if round == 0 {
						created[i] = rev
					}
					k := make([]byte, 17)
					binary.BigEndian.PutUint64(k, uint64(rev))
					k[8] = '_'
					kv := mvccpb.KeyValue{Key: names[i], CreateRevision: created[i], ModRevision: rev, Version: int64(round + 1), Value: val}
					if i%5 == 0 {
						kv.Lease = 7
					}
					v, err := kv.Marshal()
					if err != nil {
						return err
					}
					if err := b.Put(k, v); err != nil {
						return err
					}
					kvBytes += int64(len(names[i]) + len(val))
				}
				return nil
			})
			if err != nil {
				pb.close()
				return nil, err
			}
		}
	}
	pb.res.revs = int(rev)
	pb.res.bytesPerRev = float64(kvBytes) / float64(rev)
	pb.secs = time.Since(start).Seconds()
	return pb, nil
}

// rep times one restore of the scratch db.
func (pb *pipelineBench) rep() error {
	if pb.failed != nil {
		return pb.failed
	}
	start := time.Now()
	// etcd restores into a fresh process: every page of its heap is
	// faulted in as the index grows. Give the heap back to the OS first so
	// that this restore faults in its own, as the real one does (what a
	// page fault costs is the machine's: on the reference VM it moved 4x
	// within a day).
	runtime.GC()
	debug.FreeOSMemory()
	var secs float64
	var creates, fullMisses int
	err := pb.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("key"))
		if b == nil {
			return fmt.Errorf("pipeline scratch db has no key bucket")
		}
		secs = timeWall(func() { creates, fullMisses = restorePipeline(b) })
		return nil
	})
	if err == nil && creates != pb.keys {
		err = fmt.Errorf("pipeline restore inserted %d keys, want %d", creates, pb.keys)
	}
	pb.secs += time.Since(start).Seconds()
	if err != nil {
		pb.failed = err
		return err
	}
	pb.res.creates, pb.res.fullMisses = creates, fullMisses
	pb.res.reps = append(pb.res.reps, secs/float64(pb.res.revs))
	return nil
}

// result is the median of the restores timed so far.
func (pb *pipelineBench) result() (pipelineResult, error) {
	if pb.failed != nil {
		return pipelineResult{}, pb.failed
	}
	if len(pb.res.reps) == 0 {
		return pipelineResult{}, fmt.Errorf("pipeline restore never timed")
	}
	res := pb.res
	res.reps = append([]float64(nil), pb.res.reps...)
	res.perRev = median(res.reps)
	return res, nil
}

// close closes and removes the scratch db.
func (pb *pipelineBench) close() {
	if pb.db != nil {
		pb.db.Close()
		pb.db = nil
	}
	os.Remove(pb.path)
}

// restoreVerifyEnabled is etcd's verify.IsVerificationEnabled("assert"),
// which restoreIntoIndex calls (through verify.Verify) on every revision.
func restoreVerifyEnabled() bool {
	env := strings.ToLower(os.Getenv("ETCD_VERIFY"))
	return env == "all" || env == strings.ToLower("assert")
}

// floatGauge is a prometheus Gauge's Add: a compare-and-swap loop on the
// bits of a float64 (mvcc's keysGauge).
type floatGauge struct{ bits atomic.Uint64 }

func (g *floatGauge) add(v float64) {
	for {
		old := g.bits.Load()
		if g.bits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}

// pipelineKV is mvcc's revKeyValue.
type pipelineKV struct {
	key  []byte
	kv   mvccpb.KeyValue
	kstr string
}

// restorePipeline is store.restore's reading loop and restoreIntoIndex over
// b; it returns the keys inserted and the misses on a full key cache.
func restorePipeline(b *bolt.Bucket) (creates, fullMisses int) {
	rkvc := make(chan pipelineKV, calibrate.RestoreKeyCache)
	done := make(chan [2]int)
	go func() {
		less := func(a, b *etcdKeyIndex) bool { return bytes.Compare(a.key, b.key) < 0 }
		t := newBtree(less)
		cache := make(map[string]*etcdKeyIndex, calibrate.RestoreKeyCache)
		var mu sync.RWMutex // treeIndex's
		var keysGauge floatGauge
		current := int64(1)
		var c, full int
		filled := false
		for rkv := range rkvc {
			ki, ok := cache[rkv.kstr]
			if !ok && len(cache) >= calibrate.RestoreKeyCache {
				filled = true
				i := 10
				for k := range cache {
					delete(cache, k)
					if i--; i == 0 {
						break
					}
				}
			}
			if !ok && filled {
				full++
			}
			if !ok {
				ki = &etcdKeyIndex{key: rkv.kv.Key}
				// treeIndex.KeyIndex: the Get under the index's read lock.
				found, in := func() (*etcdKeyIndex, bool) {
					mu.RLock()
					defer mu.RUnlock()
					return btreeFind(t, ki)
				}()
				if in {
					cache[rkv.kstr], ki = found, found
					ok = true
				}
			}
			main := int64(binary.BigEndian.Uint64(rkv.key[:8]))
			// verify.Verify's check that revisions ascend: it reads and
			// lowers ETCD_VERIFY on every revision.
			if restoreVerifyEnabled() && main < current {
				panic("pipeline restore: revisions out of order")
			}
			current = main
			if ok {
				ki.put(main)
				continue
			}
			ki.generations = append(ki.generations, etcdGeneration{created: etcdRevision{main: rkv.kv.CreateRevision}, ver: rkv.kv.Version})
			ki.put(main)
			keysGauge.add(1) // keyIndex.restore's keysGauge.Inc()
			// treeIndex.Insert: under the index's write lock.
			func() {
				mu.Lock()
				defer mu.Unlock()
				t.ReplaceOrInsert(ki)
			}()
			cache[rkv.kstr] = ki
			c++
		}
		done <- [2]int{c, full}
	}()
	keyToLease := make(map[string]int64)
	min := make([]byte, 17)
	binary.BigEndian.PutUint64(min, 1)
	min[8] = '_'
	for {
		var keys, vals [][]byte
		c := b.Cursor()
		for k, v := c.Seek(min); k != nil && len(keys) < calibrate.RestoreKeyCache; k, v = c.Next() {
			keys, vals = append(keys, k), append(vals, v)
		}
		for i, key := range keys {
			rkv := pipelineKV{key: key}
			if err := rkv.kv.Unmarshal(vals[i]); err != nil {
				panic(err)
			}
			rkv.kstr = string(rkv.kv.Key)
			if rkv.kv.Lease != 0 {
				keyToLease[rkv.kstr] = rkv.kv.Lease
			} else {
				delete(keyToLease, rkv.kstr)
			}
			rkvc <- rkv
		}
		if len(keys) < calibrate.RestoreKeyCache {
			break
		}
		next := binary.BigEndian.Uint64(keys[len(keys)-1][:8])
		min = make([]byte, 17)
		binary.BigEndian.PutUint64(min, next)
		min[8] = '_'
		binary.BigEndian.PutUint64(min[9:], 1) // sub 0 + 1: after the last one read
	}
	close(rkvc)
	r := <-done
	return r[0], r[1]
}

// pipelineRepsAtStep is how many restores calibrate's pipeline step times
// at once; it times one more after each later step (pipelineBench).
const pipelineRepsAtStep = 3
