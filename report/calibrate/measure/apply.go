package measure

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
)

// The apply of an entry replayed at restart, as etcd 3.5 and 3.6 run it
// (read in server/etcdserver/apply, etcdserver/txn/txn.go,
// storage/mvcc/kvstore_txn.go, watchable_store_txn.go, index.go,
// key_index.go, storage/backend/batch_tx.go and tx_buffer.go), rebuilt
// here without the server module (it brings grpc): the mechanism, not its
// code.
//
// Per committed batch (raft's Ready, at most 1 MiB of entries,
// MaxCommittedSizePerReady = MaxSizePerMsg): MemoryStorage.Entries and a
// hand-off to the apply goroutine. Per entry (a txn of puts): the write
// txn's begin (locks, a trace, the changes slice), the response, the
// watchable store's events at End (no watcher at restart), the batch tx's
// Unlock writing its write buffer back into the read buffer, and a bbolt
// commit (and fsync) whenever 10,000 puts are pending (batchLimit). Per
// put: the treeIndex Get of the key at the new revision (keyIndex.get:
// findGeneration, walk), the lessor's lookup of an existing key's lease,
// the revision bytes, mvccpb.KeyValue marshalled, bbolt's put into the key
// bucket (fill percent 0.9, as UnsafeSeqPut sets it) and the write
// buffer's, the treeIndex Put (a second Get, keyIndex.put), the changes
// append, the trace steps and the response ops. The request's unmarshal
// is not in it (entry_unmarshal_seconds_per_op bills it for every
// committed entry).

// applyKeyIndex is etcd's keyIndex with the get that put calls.
type applyKeyIndex struct {
	key         []byte
	modified    etcdRevision
	generations []etcdGeneration
}

func (ki *applyKeyIndex) get(atRev int64) (created etcdRevision, ver int64, ok bool) {
	for cg := len(ki.generations) - 1; cg >= 0; cg-- {
		g := &ki.generations[cg]
		if len(g.revs) == 0 {
			continue
		}
		if cg != len(ki.generations)-1 && g.revs[len(g.revs)-1].main <= atRev {
			return etcdRevision{}, 0, false
		}
		if g.revs[0].main > atRev {
			continue
		}
		for i := len(g.revs) - 1; i >= 0; i-- {
			if g.revs[i].main <= atRev {
				return g.created, g.ver - int64(len(g.revs)-i-1), true
			}
		}
		return etcdRevision{}, 0, false
	}
	return etcdRevision{}, 0, false
}

func (ki *applyKeyIndex) put(main, sub int64) {
	rev := etcdRevision{main: main, sub: sub}
	if len(ki.generations) == 0 {
		ki.generations = append(ki.generations, etcdGeneration{})
	}
	g := &ki.generations[len(ki.generations)-1]
	if len(g.revs) == 0 {
		g.created = rev
	}
	g.revs = append(g.revs, rev)
	g.ver++
	ki.modified = rev
}

// applyTrace is traceutil.Trace's step list: one step (time.Now, a
// message, fields) per Step call.
type applyTrace struct {
	start time.Time
	steps []applyStep
}

type applyStep struct {
	time    time.Time
	msg     string
	fields  []string
	isStart bool
}

func (t *applyTrace) step(msg string, fields ...string) {
	t.steps = append(t.steps, applyStep{time: time.Now(), msg: msg, fields: fields})
}

// The response a put in a txn gets (etcdserverpb.ResponseOp, its oneof
// wrapper, PutResponse and ResponseHeader: gogo structs with XXX fields).
type (
	applyHeader struct {
		clusterID, memberID uint64
		revision, raftTerm  int64
		xxx                 []byte
		size                int32
	}
	applyPutResponse struct {
		header *applyHeader
		prev   *mvccpb.KeyValue
		xxx    []byte
		size   int32
	}
	applyResponseOp struct {
		response any
		xxx      []byte
		size     int32
	}
	applyPutWrapper struct{ put *applyPutResponse }
)

// applyOp is a put of an entry's txn, already unmarshalled.
type applyOp struct{ key, value []byte }

// applyStore is the part of etcd's backend and mvcc store a put touches.
type applyStore struct {
	mu      sync.RWMutex // store.mu, revMu and the batch tx lock, taken in turn
	tree    *btree[*applyKeyIndex]
	leases  map[string]int64 // lessor.itemMap (LeaseItem{Key: string})
	leaseMu sync.RWMutex
	db      *bolt.DB
	tx      *bolt.Tx
	pending int
	wbuf    []applyKV // txWriteBuffer's key bucket
	rbuf    []applyKV // txReadBuffer's key bucket, reset at commit
	rev     int64
	commits int
}

type applyKV struct{ key, val []byte }

var applyKeyBucket = []byte("key")

func newApplyStore(path string, keys [][]byte) (*applyStore, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if err != nil {
		return nil, err
	}
	s := &applyStore{db: db, leases: map[string]int64{}, wbuf: make([]applyKV, 0, 512), rbuf: make([]applyKV, 0, 512)}
	s.tree = newBtree(func(a, b *applyKeyIndex) bool { return bytes.Compare(a.key, b.key) < 0 })
	// The keys exist already (a replay rewrites keys the db holds): one
	// revision each, as restore leaves them.
	s.rev = 1
	for _, k := range keys {
		ki := &applyKeyIndex{key: append([]byte(nil), k...)}
		ki.put(s.rev, 0)
		s.tree.ReplaceOrInsert(ki)
		s.leases[string(k)] = 0
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucket(applyKeyBucket); err != nil {
			return err
		}
		_, err := tx.CreateBucket([]byte("meta"))
		return err
	}); err != nil {
		db.Close()
		return nil, err
	}
	s.tx, err = db.Begin(true)
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func (s *applyStore) close() error {
	if s.tx != nil {
		if err := s.tx.Commit(); err != nil {
			s.db.Close()
			return err
		}
	}
	return s.db.Close()
}

func (s *applyStore) get(key []byte) (*applyKeyIndex, bool) {
	return btreeFind(s.tree, &applyKeyIndex{key: key})
}

// commit is batchTxBuffered.commit: the consistent index saved by the
// pre-commit hook, bbolt's commit (with its fsync), a new write tx, the
// read buffer reset.
func (s *applyStore) commit(index uint64) error {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], index)
	if err := s.tx.Bucket([]byte("meta")).Put([]byte("consistent_index"), b[:]); err != nil {
		return err
	}
	if err := s.tx.Commit(); err != nil {
		return err
	}
	s.commits++
	s.pending = 0
	s.rbuf = s.rbuf[:0]
	var err error
	s.tx, err = s.db.Begin(true)
	return err
}

// applyTxn applies one entry: a txn of puts at the next revision.
func (s *applyStore) applyTxn(index uint64, ops []applyOp) error {
	// txn.Txn: a trace, the read view opened and closed (no compares),
	// the response with one ResponseOp per put.
	tr := &applyTrace{start: time.Now()}
	resps := make([]*applyResponseOp, len(ops))
	for i := range resps {
		resps[i] = &applyResponseOp{response: &applyPutWrapper{}}
	}
	s.mu.RLock()
	s.mu.RUnlock()
	// kv.Write: the write txn.
	s.mu.Lock()
	rev := s.rev + 1
	changes := make([]mvccpb.KeyValue, 0, 4)
	for i, op := range ops {
		tr.steps = append(tr.steps, applyStep{time: time.Now(), fields: []string{"put", string(op.key)}, isStart: true})
		c := rev
		var ver int64
		if ki, ok := s.get(op.key); ok {
			created, v, found := ki.get(rev)
			if found {
				c, ver = created.main, v
				s.leaseMu.RLock()
				_ = s.leases[string(op.key)]
				s.leaseMu.RUnlock()
			}
			tr.step("get key's previous created_revision and leaseID")
		}
		ibytes := make([]byte, 17, 18)
		binary.BigEndian.PutUint64(ibytes, uint64(rev))
		ibytes[8] = '_'
		binary.BigEndian.PutUint64(ibytes[9:], uint64(len(changes)))
		kv := mvccpb.KeyValue{Key: op.key, Value: op.value, CreateRevision: c, ModRevision: rev, Version: ver + 1}
		d, err := kv.Marshal()
		if err != nil {
			s.mu.Unlock()
			return err
		}
		tr.step("marshal mvccpb.KeyValue")
		b := s.tx.Bucket(applyKeyBucket)
		b.FillPercent = 0.9
		if err := b.Put(ibytes, d); err != nil {
			s.mu.Unlock()
			return err
		}
		s.pending++
		s.wbuf = append(s.wbuf, applyKV{ibytes, d})
		if ki, ok := s.get(op.key); ok {
			ki.put(rev, int64(len(changes)))
		} else {
			ki := &applyKeyIndex{key: op.key}
			ki.put(rev, int64(len(changes)))
			s.tree.ReplaceOrInsert(ki)
		}
		changes = append(changes, kv)
		tr.step("store kv pair into bolt db")
		tr.step("attach lease to kv pair")
		resps[i].response.(*applyPutWrapper).put = &applyPutResponse{header: &applyHeader{revision: rev}}
		tr.steps = append(tr.steps, applyStep{time: time.Now()})
	}
	// watchableStoreTxnWrite.End: the events (no watcher to notify).
	evs := make([]mvccpb.Event, len(changes))
	for i := range changes {
		evs[i].Kv = &changes[i]
		evs[i].Type = mvccpb.PUT
	}
	if len(changes) > 0 {
		s.rev++
	}
	// batchTxBuffered.Unlock: write back, commit at the batch limit.
	s.rbuf = append(s.rbuf, s.wbuf...)
	s.wbuf = s.wbuf[:0]
	var err error
	if s.pending >= 10000 {
		err = s.commit(index)
	}
	s.mu.Unlock()
	return err
}

// applyShape is one replay of the apply measurement: entries txns of ops
// puts of vlen-byte values over a keyspace of keys.
type applyShape struct{ entries, ops, vlen int }

// runApply replays sh through raft's MemoryStorage and the apply
// emulation, and returns its wall time (fsync is part of it) and the
// entries' data bytes (what the restart model bills per byte: the
// requests' size, keys and values with their framing).
func runApply(dir string, sh applyShape, keys [][]byte) (secs float64, dataBytes int64, err error) {
	path := filepath.Join(dir, fmt.Sprintf("apply-%d-%d.db", sh.ops, sh.vlen))
	defer os.Remove(path)
	s, err := newApplyStore(path, keys)
	if err != nil {
		return 0, 0, err
	}
	defer func() {
		if cerr := s.close(); err == nil {
			err = cerr
		}
	}()
	// The committed entries, in MemoryStorage as etcd's restart leaves
	// them; their requests already decoded (an entry's Data is only its
	// size here: the unmarshal is billed elsewhere).
	value := make([]byte, sh.vlen)
	for i := range value {
		value[i] = byte('a' + i%26)
	}
	txns := make([][]applyOp, sh.entries)
	ents := make([]raftpb.Entry, sh.entries)
	next := 0
	for i := range txns {
		ops := make([]applyOp, sh.ops)
		size := 0
		for j := range ops {
			ops[j] = applyOp{key: keys[next%len(keys)], value: value}
			next++
			size += len(ops[j].key) + len(value) + 12 // RequestOp, PutRequest tags and lengths
		}
		txns[i] = ops
		ents[i] = raftpb.Entry{Term: 2, Index: uint64(i + 1), Data: make([]byte, size)}
		dataBytes += int64(size)
	}
	ms := raft.NewMemoryStorage()
	if err := ms.Append(ents); err != nil {
		return 0, 0, err
	}
	ents = nil
	applyc := make(chan []raftpb.Entry)
	done := make(chan error, 1)
	go func() {
		var aerr error
		for batch := range applyc {
			for _, e := range batch {
				if aerr == nil {
					aerr = s.applyTxn(e.Index, txns[e.Index-1])
				}
			}
		}
		done <- aerr
	}()
	secs = timeWall(func() {
		for lo := uint64(1); lo <= uint64(sh.entries); {
			batch, berr := ms.Entries(lo, uint64(sh.entries)+1, 1<<20)
			if berr != nil {
				err = berr
				break
			}
			applyc <- batch
			lo += uint64(len(batch))
		}
		close(applyc)
		if aerr := <-done; err == nil {
			err = aerr
		}
		if err == nil && s.pending > 0 {
			err = s.commit(uint64(sh.entries))
		}
	})
	return secs, dataBytes, err
}

// measureApply times the apply of replayed entries and solves for the
// cost per entry, per put and per data byte from three shapes of the same
// number of puts: txns of 1 put of 100 B, of 200 puts of 100 B and of 200
// puts of 2,000 B, over 10,000 existing keys. Each shape runs twice, the
// faster kept.
func measureApply(dir string, ops int) (perEntry, perOp, perByte, secs float64, err error) {
	keys := make([][]byte, 10000)
	for i := range keys {
		keys[i] = fmt.Appendf(nil, "/registry/pods/ns-%02d/pod-%06d", i%50, i)
	}
	ops = max(ops/200*200, 400)
	shapes := []applyShape{{ops / 2, 1, 100}, {ops / 200, 200, 100}, {ops / 200, 200, 2000}}
	var t, e, o, b [3]float64
	for i, sh := range shapes {
		best := 0.0
		for range 2 {
			s, n, rerr := runApply(dir, sh, keys)
			if rerr != nil {
				return 0, 0, 0, 0, rerr
			}
			secs += s
			if best == 0 || s < best {
				best = s
			}
			b[i] = float64(n)
		}
		t[i], e[i], o[i] = best, float64(sh.entries), float64(sh.entries*sh.ops)
	}
	perEntry, perOp, perByte = solveThree(e, o, b, t)
	return perEntry, perOp, perByte, secs, nil
}

// solveThree solves t = pe·e + po·o + pb·b on three rows (Cramer's rule),
// each coefficient kept at a small positive floor (timings are noisy).
func solveThree(e, o, b, t [3]float64) (pe, po, pb float64) {
	det := func(c0, c1, c2 [3]float64) float64 {
		return c0[0]*(c1[1]*c2[2]-c1[2]*c2[1]) - c1[0]*(c0[1]*c2[2]-c0[2]*c2[1]) + c2[0]*(c0[1]*c1[2]-c0[2]*c1[1])
	}
	d := det(e, o, b)
	if d != 0 {
		pe, po, pb = det(t, o, b)/d, det(e, t, b)/d, det(e, o, t)/d
	}
	pe, po, pb = max(pe, 1e-9), max(po, 1e-9), max(pb, 1e-12)
	return pe, po, pb
}
