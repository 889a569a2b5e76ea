package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/coreos/go-semver/semver"
	"go.etcd.io/etcd/client/pkg/v3/types"
	"go.etcd.io/etcd/pkg/v3/traceutil"
	"go.etcd.io/etcd/server/v3/etcdserver/api/membership"
	"go.etcd.io/etcd/server/v3/lease"
	"go.etcd.io/etcd/server/v3/storage/backend"
	"go.etcd.io/etcd/server/v3/storage/mvcc"
	"go.etcd.io/etcd/server/v3/storage/schema"
	"go.etcd.io/raft/v3/raftpb"
	"go.uber.org/zap"
)

// bigdbResult is what bigdb prints when it is done.
type bigdbResult struct {
	File            string  `json:"file"`
	FileBytes       int64   `json:"file_bytes"`
	TargetBytes     int64   `json:"target_bytes"`
	Keys            int     `json:"keys"`
	DeletedKeys     int     `json:"deleted_keys"`
	ExpiredEvents   int     `json:"expired_events,omitempty"`
	Puts            int64   `json:"puts"`
	Rounds          int     `json:"rounds"`
	Revision        int64   `json:"revision"`
	CompactRevision int64   `json:"compact_revision"`
	FirstCompaction int64   `json:"first_compact_revision"`
	Leases          int     `json:"leases"`
	LeasedKeys      int     `json:"leased_keys"`
	ValueSize       int     `json:"value_size_mean"`
	Seed            uint64  `json:"seed"`
	Seconds         float64 `json:"seconds"`
	MBPerSecond     float64 `json:"mb_per_second"`
}

type bigdbConfig struct {
	out        string
	target     int64
	keys       int
	valueSize  int
	seed       uint64
	revsPerKey int
	deletePct  float64
	keepRevs   int
	order      string
	burst      int
}

// k8sOrder is -order k8s: a Kubernetes-like mix (see roundOrder).
const k8sOrder = "k8s"

func runBigDB(args []string) error {
	fs := flag.NewFlagSet("bigdb", flag.ContinueOnError)
	size := fs.String("size", "1GiB", "target file size (e.g. 500MiB, 1GiB, 8GiB)")
	out := fs.String("out", "", "output db file (default testdata/big/etcd-<size>.db); must not exist")
	keys := fs.Int("keys", 0, "number of keys (default: size / (value-size * revs-per-key))")
	valueSize := fs.Int("value-size", 4096, "mean value size in bytes (per-resource multipliers apply)")
	seed := fs.Uint64("seed", 1, "random seed")
	revs := fs.Int("revs-per-key", 4, "planned revisions per key; rounds continue until the file reaches -size")
	order := fs.String("order", "random", "order keys are written in each round: random (a new permutation each round), ascending (key name order), streams (8 interleaved ascending streams over 8 contiguous parts of the key space: several controllers each walking its range), bursts (a new permutation, each key written -burst times in a row: an object updated several times in quick succession), k8s (a Kubernetes-like mix: the first round creates the objects namespace by namespace, then each write picks a random object (with replacement) and updates it, except that an event picked has expired: it is deleted, as its lease's expiry does, and a new event is created under a new name) -- issue 14's access shapes")
	deletePct := fs.Float64("delete-pct", 3, "percent of the live keys deleted at the end (tombstones)")
	burst := fs.Int("burst", 8, "with -order bursts: writes of a key in a row")
	keep := fs.Int("keep-revs", 2, "after reaching -size, compact so about this many latest revisions per key remain, leaving the freed pages free (0: no final compaction)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	target, err := parseSize(*size)
	if err != nil {
		return err
	}
	if *valueSize < 64 || *valueSize > 1<<20 {
		return fmt.Errorf("-value-size %d: want 64 to 1048576 bytes", *valueSize)
	}
	if *revs < 1 {
		return fmt.Errorf("-revs-per-key %d: want at least 1", *revs)
	}
	switch *order {
	case "random", "ascending", "streams", "bursts", k8sOrder:
	default:
		return fmt.Errorf("-order %q: want random, ascending, streams, bursts or k8s", *order)
	}
	if *deletePct < 0 || *deletePct > 100 {
		return fmt.Errorf("-delete-pct %g: want 0 to 100", *deletePct)
	}
	if *burst < 1 || *burst > 10000 {
		return fmt.Errorf("-burst %d: want 1 to 10000", *burst)
	}
	cfg := bigdbConfig{out: *out, target: target, keys: *keys, valueSize: *valueSize, seed: *seed, revsPerKey: *revs, deletePct: *deletePct, keepRevs: *keep, order: *order, burst: *burst}
	if cfg.out == "" {
		cfg.out = filepath.Join("testdata", "big", "etcd-"+*size+".db")
	}
	if cfg.keys <= 0 {
		cfg.keys = int(max(100, target/int64(cfg.valueSize*cfg.revsPerKey)))
	}
	if _, err := os.Stat(cfg.out); err == nil {
		return fmt.Errorf("%s already exists: remove it or choose another -out", cfg.out)
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(cfg.out), 0o755); err != nil {
		return err
	}
	res, err := writeBigDB(cfg)
	if err != nil {
		return err
	}
	return printJSON(res)
}

// writeBigDB drives etcd's own backend, lessor and mvcc store the way the
// server's apply loop does, minus raft: one Txn per write, as the Kubernetes
// apiserver does, so every write is one main revision.
func writeBigDB(cfg bigdbConfig) (*bigdbResult, error) {
	start := time.Now()
	lg := zap.NewNop()
	bcfg := backend.DefaultBackendConfig(lg)
	bcfg.Path = cfg.out
	// Fsync stays on: etcd's UnsafeNoFsync also sets bbolt's NoGrowSync,
	// which drops bbolt's file growth in AllocSize (16 MiB) steps, so the
	// file size would differ from a real member's.
	// The apiserver's steady write rate fills etcd's 100ms batch with a few
	// hundred writes; a batch limit of 1000 keeps commits that size here too,
	// and keeps the size check below within a few MB of the target.
	bcfg.BatchLimit = 1000
	bcfg.MmapSize = uint64(max(int64(backend.InitialMmapSize), cfg.target+cfg.target/4))
	be := backend.New(bcfg)

	le := lease.NewLessor(lg, be, fixedCluster{}, lease.LessorConfig{MinLeaseTTL: 5})
	kv := mvcc.New(lg, be, le, mvcc.StoreConfig{})

	rng := rand.New(rand.NewPCG(cfg.seed, cfg.seed^0x9e3779b97f4a7c15))
	keys := makeKeys(rng, cfg.keys, cfg.valueSize)
	values := newValueSource(rng)

	// Events share leases, as the apiserver reuses one lease per TTL window.
	var leases []lease.LeaseID
	res := &bigdbResult{File: cfg.out, TargetBytes: cfg.target, Keys: len(keys), ValueSize: cfg.valueSize, Seed: cfg.seed}
	for i := range keys {
		if keys[i].leased {
			res.LeasedKeys++
		}
	}
	for i := 0; i < max(1, res.LeasedKeys/200); i++ {
		id := lease.LeaseID(rng.Int64N(1<<62) + 1)
		if _, err := le.Grant(id, 3600); err != nil {
			return nil, fmt.Errorf("grant lease: %w", err)
		}
		leases = append(leases, id)
	}
	res.Leases = len(leases)

	var roundEndRev []int64
	compacted := false
	lastReport := time.Now()
	reached := func() bool { return be.Size() >= cfg.target }
	done := false
	for round := 0; !done; round++ {
		for _, i := range roundOrder(cfg.order, cfg.burst, rng, keys, round) {
			if keys[i].deleted {
				continue
			}
			if cfg.order == k8sOrder && round > 0 && keys[i].leased {
				// An event's lease expired: its key goes, and the next
				// event about the object gets a new name.
				tw := kv.Write(traceutil.TODO())
				tw.DeleteRange(keys[i].key, nil)
				tw.End()
				res.ExpiredEvents++
				keys[i] = newEvent(rng, keys[i], res.ExpiredEvents)
			}
			k := &keys[i]
			leaseID := lease.NoLease
			if k.leased {
				leaseID = leases[rng.IntN(len(leases))]
			}
			tw := kv.Write(traceutil.TODO())
			tw.Put(k.key, values.next(rng, k.meanSize), leaseID)
			tw.End()
			res.Puts++
			if res.Puts%1024 != 0 {
				continue
			}
			if time.Since(lastReport) > 10*time.Second {
				lastReport = time.Now()
				fmt.Fprintf(os.Stderr, "bigdb: round %d, %d puts, %d MiB of %d MiB, %.0fs\n",
					round, res.Puts, be.Size()>>20, cfg.target>>20, time.Since(start).Seconds())
			}
			// Compact once, as the apiserver does every few minutes, once the
			// file is most of the way there: the freed pages are then partly
			// reused by later writes, as in a live cluster.
			if !compacted && be.Size() >= cfg.target*85/100 {
				compacted = true
				rev := kv.Rev() / 2
				if len(roundEndRev) > 0 {
					rev = roundEndRev[0]
				}
				doneC, err := kv.Compact(traceutil.TODO(), rev)
				if err != nil {
					return nil, fmt.Errorf("compact at %d: %w", rev, err)
				}
				<-doneC
				res.FirstCompaction = rev
				res.CompactRevision = rev
			}
			if reached() {
				done = true
				break
			}
		}
		roundEndRev = append(roundEndRev, kv.Rev())
		res.Rounds = round + 1
		if res.Rounds >= 1000 {
			return nil, fmt.Errorf("file still %d bytes after 1000 rounds: raise -keys or -value-size", be.Size())
		}
	}

	// Delete a few percent of the live keys: tombstones, as deleted
	// objects leave.
	for _, i := range rng.Perm(len(keys))[:int(float64(len(keys))*cfg.deletePct/100)] {
		tw := kv.Write(traceutil.TODO())
		tw.DeleteRange(keys[i].key, nil)
		tw.End()
		keys[i].deleted = true
		res.DeletedKeys++
	}
	live := len(keys) - res.DeletedKeys
	// An expired event's key is deleted too (its slot in keys holds the
	// event that replaced it): Keys counts every key written.
	res.Keys += res.ExpiredEvents
	res.DeletedKeys += res.ExpiredEvents
	res.Revision = kv.Rev()

	// A final compaction, as the apiserver's periodic one, leaves free pages
	// in the file that nothing reuses: what defrag would reclaim.
	if cfg.keepRevs > 0 {
		rev := res.Revision - int64(cfg.keepRevs*live)
		if rev > res.CompactRevision {
			doneC, err := kv.Compact(traceutil.TODO(), rev)
			if err != nil {
				return nil, fmt.Errorf("compact at %d: %w", rev, err)
			}
			<-doneC
			res.CompactRevision = rev
		}
	}

	writeMemberMeta(lg, be, uint64(res.Revision)+uint64(res.Leases)+16)
	if err := kv.Close(); err != nil {
		return nil, fmt.Errorf("close store: %w", err)
	}
	le.Stop()
	if err := be.Close(); err != nil {
		return nil, fmt.Errorf("close backend: %w", err)
	}
	if err := syncFile(cfg.out); err != nil {
		return nil, err
	}
	st, err := os.Stat(cfg.out)
	if err != nil {
		return nil, err
	}
	res.FileBytes = st.Size()
	res.Seconds = time.Since(start).Seconds()
	res.MBPerSecond = float64(res.FileBytes) / 1e6 / res.Seconds
	return res, nil
}

// writeMemberMeta writes what a real single-member 3.6 server keeps beside
// the keys: consistent index and term, conf state, storage version, the
// member and the cluster version.
func writeMemberMeta(lg *zap.Logger, be backend.Backend, consistentIndex uint64) {
	now := time.Unix(1700000000, 0)
	m := membership.NewMember("default", types.MustNewURLs([]string{"http://127.0.0.1:2380"}), "etcd-cluster", &now)
	mb := schema.NewMembershipBackend(lg, be)
	mb.MustCreateBackendBuckets()
	mb.MustSaveMemberToBackend(m)
	mb.MustSaveClusterVersionToBackend(&semver.Version{Major: 3, Minor: 6})

	tx := be.BatchTx()
	tx.LockOutsideApply()
	schema.UnsafeCreateMetaBucket(tx)
	schema.UnsafeUpdateConsistentIndex(tx, consistentIndex, 2)
	schema.MustUnsafeSaveConfStateToBackend(lg, tx, &raftpb.ConfState{Voters: []uint64{uint64(m.ID)}})
	schema.UnsafeSetStorageVersion(tx, &semver.Version{Major: 3, Minor: 6})
	tx.Unlock()
	be.ForceCommit()
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return f.Close()
}

// fixedCluster tells the lessor the cluster runs 3.6.
type fixedCluster struct{}

func (fixedCluster) Version() *semver.Version { return &semver.Version{Major: 3, Minor: 6} }

// roundOrder is the order of one round's writes: a random permutation, key
// name order, 8 ascending streams over contiguous eighths of the key
// space taken in turn, or a random permutation with each key repeated
// burst times in a row. For k8s: the first round creates the objects
// namespace by namespace (cluster-wide ones first, then each namespace's
// objects resource by resource, each resource's in name order, as a
// namespace's manifests are applied), every later round is len(keys)
// writes to objects picked at random with replacement (status updates:
// some objects are written twice in a round, some not at all).
func roundOrder(order string, burst int, rng *rand.Rand, keys []genKey, round int) []int {
	if order == "random" {
		return rng.Perm(len(keys))
	}
	if order == k8sOrder {
		out := make([]int, len(keys))
		if round > 0 {
			for j := range out {
				out[j] = rng.IntN(len(keys))
			}
			return out
		}
		for j := range out {
			out[j] = j
		}
		slices.SortFunc(out, func(a, b int) int {
			ka, kb := &keys[a], &keys[b]
			if ka.ns != kb.ns {
				return ka.ns - kb.ns
			}
			if ka.res != kb.res {
				return ka.res - kb.res
			}
			return bytes.Compare(ka.key, kb.key)
		})
		return out
	}
	if order == "bursts" {
		out := make([]int, 0, len(keys)*burst)
		for _, i := range rng.Perm(len(keys)) {
			for range burst {
				out = append(out, i)
			}
		}
		return out
	}
	byName := make([]int, len(keys))
	for i := range byName {
		byName[i] = i
	}
	slices.SortFunc(byName, func(a, b int) int { return bytes.Compare(keys[a].key, keys[b].key) })
	if order == "ascending" {
		return byName
	}
	const streams = 8
	part := (len(byName) + streams - 1) / streams
	out := make([]int, 0, len(byName))
	for j := 0; j < part; j++ {
		for s := 0; s < streams; s++ {
			if i := s*part + j; i < len(byName) {
				out = append(out, byName[i])
			}
		}
	}
	return out
}
