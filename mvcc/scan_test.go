package mvcc

import (
	"math/rand/v2"
	"testing"
	"unsafe"

	"go.etcd.io/etcd/api/v3/mvccpb"
)

// Ensure that the scan answers like etcd (revision, live keys, Get) and
// predicts compactions exactly, on model-written key buckets with
// tombstones, re-created keys, multi-op txns and compaction layouts.
func TestScanMatchesModel(t *testing.T) {
	type layout struct {
		name      string
		compactAt func(m *model) int64 // 0: no compaction
		finished  bool
		whatIf    func(m *model) int64
	}
	layouts := []layout{
		{name: "no compaction", whatIf: func(m *model) int64 { return m.rev / 2 }},
		{name: "compacted midway", compactAt: func(m *model) int64 { return m.rev / 2 }, finished: true, whatIf: func(m *model) int64 { return m.rev * 3 / 4 }},
		{name: "compacted at latest", compactAt: func(m *model) int64 { return m.rev }, finished: true, whatIf: func(m *model) int64 { return 0 }},
		{name: "unfinished compaction", compactAt: func(m *model) int64 { return m.rev * 2 / 3 }, finished: false, whatIf: func(m *model) int64 { return 0 }},
	}
	for seed := uint64(1); seed <= 6; seed++ {
		for _, lay := range layouts {
			t.Run(lay.name, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(seed, 99))
				m := newModel()
				randomWorkload(t, m, rng, 400, 12)
				// End with a delete so a tombstone sits at the latest revision.
				for k, mk := range m.keys {
					if mk.live {
						m.txn(t, op{del: true, key: k})
						break
					}
				}
				var scheduled int64
				if lay.compactAt != nil {
					scheduled = lay.compactAt(m)
					m.compact(t, scheduled, lay.finished)
				}
				at := lay.whatIf(m)
				planAt := at
				if planAt == 0 {
					planAt = m.rev
				}
				wantDel, wantBytes := m.compactPlan(t, planAt)
				var rerunDel [][]byte
				var rerunBytes uint64
				if lay.compactAt != nil && !lay.finished {
					rerunDel, rerunBytes = m.compactPlan(t, scheduled)
				}

				opts := DefaultOptions()
				opts.CompactAt = at
				sum, sc, err := scan(m.kv, opts)
				if err != nil {
					t.Fatal(err)
				}
				if sum.Revision != m.rev {
					t.Errorf("revision = %d, want %d", sum.Revision, m.rev)
				}
				if sum.CompactRevision != m.compacted {
					t.Errorf("compact revision = %d, want %d", sum.CompactRevision, m.compacted)
				}
				var live, leased, leasedAlloc uint64
				for key, mk := range m.keys {
					got, found := sc.lookupKey(key)
					if !mk.live {
						if found && got.Live {
							t.Errorf("%s: live in scan, deleted in model", key)
						}
						continue
					}
					live++
					if mk.lse != 0 {
						leased++
						leasedAlloc += GoAllocBytes(uint64(len(key)), true)
					}
					if !found || got.Version != mk.ver || got.CreateRevision != mk.create || got.ModRevision != mk.mod ||
						got.Lease != mk.lse || got.ValueBytes != uint64(mk.size) {
						t.Errorf("%s: scan %+v, model %+v", key, got, *mk)
					}
				}
				if sum.LiveKeys != live || sum.Etcdutl.TotalKeys != live {
					t.Errorf("live keys = %d (etcdutl %d), want %d", sum.LiveKeys, sum.Etcdutl.TotalKeys, live)
				}
				if sum.Restore.LeasedKeys != leased || sum.Restore.LeasedKeyAllocBytes != leasedAlloc {
					t.Errorf("leased keys = %d (%d B of names), want %d (%d B)", sum.Restore.LeasedKeys, sum.Restore.LeasedKeyAllocBytes, leased, leasedAlloc)
				}
				if n := uint64(len(m.kv.buckets["key"])); sum.TotalRevisions != n {
					t.Errorf("total revisions = %d, want %d", sum.TotalRevisions, n)
				}
				c := sum.Compaction
				if c.Revision != planAt || c.RemovedRevisions != uint64(len(wantDel)) || c.RemovedBytes != wantBytes {
					t.Errorf("compaction at %d removes %d revisions, %d bytes; want at %d: %d, %d",
						c.Revision, c.RemovedRevisions, c.RemovedBytes, planAt, len(wantDel), wantBytes)
				}
				if lay.compactAt != nil && !lay.finished {
					r := sum.Restore.Rerun
					if !sum.Restore.UnfinishedCompaction || r == nil {
						t.Fatalf("unfinished compaction not flagged")
					}
					if r.RemovedRevisions != uint64(len(rerunDel)) || r.RemovedBytes != rerunBytes {
						t.Errorf("rerun removes %d revisions, %d bytes; want %d, %d", r.RemovedRevisions, r.RemovedBytes, len(rerunDel), rerunBytes)
					}
				} else if sum.Restore.Rerun != nil {
					t.Errorf("rerun reported without an unfinished compaction")
				}
				if sum.LiveBytes+sum.HistoryBytes != sum.KeyBucketBytes {
					t.Errorf("live %d + history %d != key bucket bytes %d", sum.LiveBytes, sum.HistoryBytes, sum.KeyBucketBytes)
				}
				checkIndexShape(t, m.kv, sum.Index)
			})
		}
	}
}

// etcd's keyIndex, copied from server/storage/mvcc/key_index.go (3.6;
// 3.5 is the same) with real Go slices, so append's capacities are the
// runtime's own.
type etcdGeneration struct {
	ver     int64
	created Revision
	revs    []Revision
}

type etcdKeyIndex struct {
	key         []byte
	modified    Revision
	generations []etcdGeneration
}

func (ki *etcdKeyIndex) put(main, sub int64) {
	rev := Revision{main, sub}
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

func (ki *etcdKeyIndex) restore(created, modified Revision, ver int64) {
	ki.modified = modified
	g := etcdGeneration{created: created, ver: ver, revs: []Revision{modified}}
	ki.generations = append(ki.generations, g)
}

func (ki *etcdKeyIndex) tombstone(main, sub int64) {
	if len(ki.generations[len(ki.generations)-1].revs) == 0 {
		return // ErrRevisionNotFound
	}
	ki.put(main, sub)
	ki.generations = append(ki.generations, etcdGeneration{})
}

// checkIndexShape rebuilds etcd's index as restoreIntoIndex does and
// compares its real slice capacities with the scan's IndexShape.
func checkIndexShape(t *testing.T, src *memKV, got IndexShape) {
	t.Helper()
	if s := unsafe.Sizeof(etcdGeneration{}); s != generationSize {
		t.Fatalf("generation is %d bytes, constants say %d", s, generationSize)
	}
	idx := map[string]*etcdKeyIndex{}
	for _, p := range src.buckets["key"] {
		bk, err := ParseBucketKey(p[0])
		if err != nil {
			continue
		}
		var kv mvccpb.KeyValue
		if err := kv.Unmarshal(p[1]); err != nil {
			continue
		}
		ki, ok := idx[string(kv.Key)]
		if ok {
			if bk.Tombstone {
				ki.tombstone(bk.Main, bk.Sub)
			} else {
				ki.put(bk.Main, bk.Sub)
			}
			continue
		}
		ki = &etcdKeyIndex{key: kv.Key}
		if bk.Tombstone {
			ki.restore(Revision{}, bk.Revision, 1)
			ki.generations = append(ki.generations, etcdGeneration{})
		} else {
			ki.restore(Revision{Main: kv.CreateRevision}, bk.Revision, kv.Version)
		}
		idx[string(kv.Key)] = ki
	}
	var want IndexShape
	for _, ki := range idx {
		want.Keys++
		want.KeyAllocBytes += uint64(cap(ki.key))
		want.Generations += uint64(len(ki.generations))
		want.GenerationAllocBytes += uint64(cap(ki.generations)) * generationSize
		for _, g := range ki.generations {
			want.RevisionAllocBytes += uint64(cap(g.revs)) * revisionSize
		}
	}
	if got != want {
		t.Errorf("index shape = %+v, etcd's index has %+v", got, want)
	}
}

var growSink struct {
	revs []Revision
	gens []etcdGeneration
}

// Ensure that append's growth, as the scan prices it, is the runtime's.
func TestGrowCapMatchesRuntime(t *testing.T) {
	// The slices live in a heap object, as in etcd: a local slice that
	// does not escape may start in a stack buffer with a larger cap.
	h := &growSink
	h.revs, h.gens = nil, nil
	revCap, genCap := uint64(0), uint64(0)
	for i := 1; i <= 5000; i++ {
		h.revs = append(h.revs, Revision{})
		h.gens = append(h.gens, etcdGeneration{})
		revs, gens := h.revs, h.gens
		if uint64(len(revs)) > revCap {
			revCap = growCap(revCap, uint64(len(revs)), revisionSize, true)
		}
		if uint64(len(gens)) > genCap {
			genCap = growCap(genCap, uint64(len(gens)), generationSize, false)
		}
		if revCap != uint64(cap(revs)) || genCap != uint64(cap(gens)) {
			t.Fatalf("len %d: predicted caps revs=%d gens=%d, runtime gave %d, %d", i, revCap, genCap, cap(revs), cap(gens))
		}
	}
	for n := 1; n <= 70000; n += 1 + n/50 {
		var kv mvccpb.KeyValue
		b, _ := (&mvccpb.KeyValue{Key: make([]byte, n)}).Marshal()
		if err := kv.Unmarshal(b); err != nil {
			t.Fatal(err)
		}
		if got := roundUpSize(uint64(n), true); got != uint64(cap(kv.Key)) {
			t.Fatalf("key of %d bytes: predicted %d, gogo's copy has cap %d", n, got, cap(kv.Key))
		}
	}
}

// Ensure that the per-key state stays as small as the doc says: memory per
// key must stay well under etcd's own keyIndex (64 B + 48 B + 16 B + key +
// btree slots).
func TestKeyStateSize(t *testing.T) {
	if s := unsafe.Sizeof(keyState{}); s > 80 {
		t.Errorf("keyState is %d bytes, the package promises 80", s)
	}
}
