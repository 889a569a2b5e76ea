package mvcc

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"sort"
	"testing"

	"go.etcd.io/etcd/api/v3/mvccpb"
)

// memKV is an in-memory KVReader: buckets of pairs kept in key order.
type memKV struct {
	buckets map[string][][2][]byte
	failOn  string // ForEach of this bucket reports a read error after the walk
}

func newMemKV() *memKV { return &memKV{buckets: map[string][][2][]byte{}} }

func (m *memKV) put(bucket string, k, v []byte) {
	b := m.buckets[bucket]
	i := sort.Search(len(b), func(i int) bool { return bytes.Compare(b[i][0], k) >= 0 })
	if i < len(b) && bytes.Equal(b[i][0], k) {
		b[i][1] = v
		return
	}
	b = append(b, [2][]byte{})
	copy(b[i+1:], b[i:])
	b[i] = [2][]byte{k, v}
	m.buckets[bucket] = b
}

func (m *memKV) del(bucket string, k []byte) {
	b := m.buckets[bucket]
	i := sort.Search(len(b), func(i int) bool { return bytes.Compare(b[i][0], k) >= 0 })
	if i < len(b) && bytes.Equal(b[i][0], k) {
		m.buckets[bucket] = append(b[:i], b[i+1:]...)
	}
}

func (m *memKV) BucketNames() ([]string, error) {
	var names []string
	for n := range m.buckets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

func (m *memKV) ForEach(bucket string, fn func(k, v []byte) error) error {
	for _, kv := range m.buckets[bucket] {
		if err := fn(kv[0], kv[1]); err != nil {
			return err
		}
	}
	if bucket == m.failOn {
		return errors.New("page 7: bad element (corrupt)")
	}
	return nil
}

// model is a small etcd: it writes the key bucket exactly as etcd's
// kvstore_txn.go does and compacts as etcd 3.6 does, keeping the answers
// (Get, revision) in plain maps, independently of the scanner.
type model struct {
	kv   *memKV
	rev  int64
	keys map[string]*modelKey
	// compacted is the last finished compaction.
	compacted int64
}

type modelKey struct {
	live                  bool
	create, mod, ver, lse int64
	size                  int
	// revs and bytes count the key's entries in the key bucket and their
	// bucket key + value bytes; lastBytes is the newest entry's.
	revs             int
	bytes, lastBytes uint64
}

// history is the key's bytes etcd keeps only for history: every entry
// but the newest of a live key.
func (k *modelKey) history() uint64 {
	if k.live {
		return k.bytes - k.lastBytes
	}
	return k.bytes
}

func newModel() *model {
	m := &model{kv: newMemKV(), rev: 1, keys: map[string]*modelKey{}}
	m.kv.buckets["key"] = nil
	m.kv.buckets["meta"] = nil
	return m
}

type op struct {
	del   bool
	key   string
	value []byte
	lease int64
}

// txn applies ops as one main revision with sub revisions 0, 1, ...
func (m *model) txn(t testing.TB, ops ...op) {
	main := m.rev + 1
	var sub int64
	changed := false
	for _, o := range ops {
		k := m.keys[o.key]
		if o.del {
			if k == nil || !k.live {
				continue // deleting a missing key writes nothing
			}
			kv := mvccpb.KeyValue{Key: []byte(o.key)}
			m.write(t, BucketKey{Revision{main, sub}, true}, &kv)
			k.live, k.lse = false, 0
		} else {
			if k == nil {
				k = &modelKey{}
				m.keys[o.key] = k
			}
			if !k.live {
				k.create, k.ver, k.live = main, 0, true
			}
			k.ver++
			k.mod, k.lse, k.size = main, o.lease, len(o.value)
			kv := mvccpb.KeyValue{Key: []byte(o.key), CreateRevision: k.create, ModRevision: main, Version: k.ver, Value: o.value, Lease: o.lease}
			m.write(t, BucketKey{Revision{main, sub}, false}, &kv)
		}
		sub++
		changed = true
	}
	if changed {
		m.rev = main
	}
}

func (m *model) write(t testing.TB, bk BucketKey, kv *mvccpb.KeyValue) {
	v, err := kv.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	bucketKey := appendBucketKey(nil, bk)
	m.kv.put("key", bucketKey, v)
	k := m.keys[string(kv.Key)]
	n := uint64(len(bucketKey) + len(v))
	k.revs++
	k.bytes += n
	k.lastBytes = n
}

// compactPlan lists the key-bucket entries an etcd compaction at rev
// deletes. Per key, history splits into generations ending at tombstones;
// only the first generation whose tombstone is at or after rev (or that
// has none) keeps its newest revision at or below rev.
func (m *model) compactPlan(t testing.TB, rev int64) (del [][]byte, delBytes uint64) {
	type ent struct {
		k    []byte
		main int64
		tomb bool
		size uint64
	}
	byKey := map[string][]ent{}
	var order []string
	for _, p := range m.kv.buckets["key"] {
		bk, err := ParseBucketKey(p[0])
		if err != nil {
			t.Fatal(err)
		}
		var kv mvccpb.KeyValue
		if err := kv.Unmarshal(p[1]); err != nil {
			t.Fatal(err)
		}
		if _, ok := byKey[string(kv.Key)]; !ok {
			order = append(order, string(kv.Key))
		}
		byKey[string(kv.Key)] = append(byKey[string(kv.Key)], ent{p[0], bk.Main, bk.Tombstone, uint64(len(p[0]) + len(p[1]))})
	}
	for _, key := range order {
		es := byKey[key]
		var gens [][]ent
		cur := []ent{}
		for _, e := range es {
			cur = append(cur, e)
			if e.tomb {
				gens = append(gens, cur)
				cur = []ent{}
			}
		}
		gens = append(gens, cur)
		keep := -1 // index into es of the kept entry
		base := 0
		for gi, g := range gens {
			last := gi == len(gens)-1
			if !last && g[len(g)-1].main < rev {
				base += len(g)
				continue
			}
			for j := len(g) - 1; j >= 0; j-- {
				if g[j].main <= rev {
					keep = base + j
					break
				}
			}
			break
		}
		for i, e := range es {
			if e.main <= rev && i != keep {
				del = append(del, e.k)
				delBytes += e.size
			}
		}
	}
	return del, delBytes
}

// compact runs a compaction at rev; finished=false leaves it scheduled
// only, as if etcd crashed before deleting anything.
func (m *model) compact(t testing.TB, rev int64, finished bool) {
	m.kv.put("meta", []byte("scheduledCompactRev"), appendBucketKey(nil, BucketKey{Revision: Revision{Main: rev}}))
	if !finished {
		return
	}
	del, _ := m.compactPlan(t, rev)
	for _, k := range del {
		m.forget(t, k)
		m.kv.del("key", k)
	}
	m.kv.put("meta", []byte("finishedCompactRev"), appendBucketKey(nil, BucketKey{Revision: Revision{Main: rev}}))
	m.compacted = rev
}

// forget takes a key-bucket entry about to be deleted off its key's
// counts. Compaction never deletes a key's newest entry, so lastBytes
// stays right.
func (m *model) forget(t testing.TB, bucketKey []byte) {
	for _, p := range m.kv.buckets["key"] {
		if !bytes.Equal(p[0], bucketKey) {
			continue
		}
		var kv mvccpb.KeyValue
		if err := kv.Unmarshal(p[1]); err != nil {
			t.Fatal(err)
		}
		k := m.keys[string(kv.Key)]
		k.revs--
		k.bytes -= uint64(len(p[0]) + len(p[1]))
		return
	}
	t.Fatalf("compaction deletes %x, which is not in the key bucket", bucketKey)
}

// checkCounts walks the key bucket and fails unless every key's revs and
// bytes are what write and forget kept.
func (m *model) checkCounts(t testing.TB) {
	t.Helper()
	revs, size := map[string]int{}, map[string]uint64{}
	for _, p := range m.kv.buckets["key"] {
		var kv mvccpb.KeyValue
		if err := kv.Unmarshal(p[1]); err != nil {
			t.Fatal(err)
		}
		revs[string(kv.Key)]++
		size[string(kv.Key)] += uint64(len(p[0]) + len(p[1]))
	}
	for name, k := range m.keys {
		if k.revs != revs[name] || k.bytes != size[name] {
			t.Fatalf("model key %s counts %d entries of %d bytes, the key bucket has %d of %d", name, k.revs, k.bytes, revs[name], size[name])
		}
	}
}

// revisionsPerKey is the nearest-rank p50, p90, p99 and max of the
// revisions of the keys still in the key bucket, by a plain sort.
func (m *model) revisionsPerKey() Distribution {
	var revs []int
	for _, k := range m.keys {
		if k.revs > 0 {
			revs = append(revs, k.revs)
		}
	}
	if len(revs) == 0 {
		return Distribution{}
	}
	sort.Ints(revs)
	// Nearest rank: the smallest value with at least p% of keys at or
	// below it, the ceil(p×n/100)-th in order.
	rank := func(p int) uint64 { return uint64(revs[(p*len(revs)+99)/100-1]) }
	return Distribution{P50: rank(50), P90: rank(90), P99: rank(99), Max: uint64(revs[len(revs)-1])}
}

// topByHistory is the n keys with the most history bytes, most first,
// ties by key; keys without history are not ranked.
func (m *model) topByHistory(n int) []string {
	var names []string
	for name, k := range m.keys {
		if k.revs > 0 && k.history() > 0 {
			names = append(names, name)
		}
	}
	sort.Slice(names, func(i, j int) bool {
		hi, hj := m.keys[names[i]].history(), m.keys[names[j]].history()
		if hi != hj {
			return hi > hj
		}
		return names[i] < names[j]
	})
	return names[:min(n, len(names))]
}

// randomWorkload drives the model with puts, deletes, multi-op txns,
// leases and re-creations of deleted keys.
func randomWorkload(t testing.TB, m *model, rng *rand.Rand, steps, keys int) {
	name := func() string {
		switch rng.IntN(3) {
		case 0:
			return "/registry/pods/ns" + string(rune('a'+rng.IntN(3))) + "/p" + string(rune('a'+rng.IntN(keys)))
		case 1:
			return "/registry/namespaces/n" + string(rune('a'+rng.IntN(keys)))
		}
		return "/app/cfg/" + string(rune('a'+rng.IntN(keys)))
	}
	for range steps {
		n := 1 + rng.IntN(3)
		seen := map[string]bool{}
		var ops []op
		for range n {
			k := name()
			if seen[k] {
				continue
			}
			seen[k] = true
			if rng.IntN(4) == 0 {
				ops = append(ops, op{del: true, key: k})
			} else {
				ops = append(ops, op{key: k, value: bytes.Repeat([]byte{'v'}, rng.IntN(300)), lease: int64(rng.IntN(3))})
			}
		}
		m.txn(t, ops...)
	}
}

// tombstoneWorkload is randomWorkload (500 steps, 10 keys a name set) from
// seed, ended by deleting one live key: the latest revision is then a
// tombstone, the case compaction at the latest revision keeps.
func tombstoneWorkload(t testing.TB, seed uint64) *model {
	m := newModel()
	randomWorkload(t, m, rand.New(rand.NewPCG(seed, 17)), 500, 10)
	for k, mk := range m.keys {
		if mk.live {
			m.txn(t, op{del: true, key: k})
			break
		}
	}
	return m
}
