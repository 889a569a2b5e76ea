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
	m.kv.put("key", AppendBucketKey(nil, bk), v)
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
	m.kv.put("meta", []byte("scheduledCompactRev"), AppendBucketKey(nil, BucketKey{Revision: Revision{Main: rev}}))
	if !finished {
		return
	}
	del, _ := m.compactPlan(t, rev)
	for _, k := range del {
		m.kv.del("key", k)
	}
	m.kv.put("meta", []byte("finishedCompactRev"), AppendBucketKey(nil, BucketKey{Revision: Revision{Main: rev}}))
	m.compacted = rev
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
