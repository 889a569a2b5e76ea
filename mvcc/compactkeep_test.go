package mvcc

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
	"github.com/dbinspect/dbinspect/pages"
	"github.com/dbinspect/dbinspect/pages/defrag"
	bolt "go.etcd.io/bbolt"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

// keptKeys applies keep to every pair of src and returns the key-bucket
// keys it keeps; it fails the test if a pair of another bucket is dropped.
func keptKeys(t *testing.T, src *memKV, keep *CompactionFilter) [][]byte {
	t.Helper()
	var out [][]byte
	for name, pairs := range src.buckets {
		for _, p := range pairs {
			if keep.Keep(name, p[0]) {
				if name == "key" {
					out = append(out, p[0])
				}
			} else if name != "key" {
				t.Errorf("bucket %s: pair %q dropped", name, p[0])
			}
		}
	}
	return out
}

// Ensure that on model-written key buckets the pairs CompactionKeep keeps
// are exactly the key bucket the model's etcd 3.6 compaction leaves, for
// compactions below, at and (as "latest") at the current revision, with a
// tombstone at the latest revision, after finished and unfinished
// compactions.
func TestCompactionKeepMatchesModel(t *testing.T) {
	type layout struct {
		name      string
		compactAt func(m *model) int64 // 0: no earlier compaction
		finished  bool
		at        func(m *model) int64 // 0: latest
	}
	layouts := []layout{
		{name: "midway", at: func(m *model) int64 { return m.rev / 2 }},
		{name: "latest", at: func(m *model) int64 { return 0 }},
		{name: "at the current revision", at: func(m *model) int64 { return m.rev }},
		{name: "first revision", at: func(m *model) int64 { return 2 }},
		{name: "after a compaction", compactAt: func(m *model) int64 { return m.rev / 3 }, finished: true, at: func(m *model) int64 { return m.rev * 3 / 4 }},
		{name: "latest after an unfinished compaction", compactAt: func(m *model) int64 { return m.rev / 2 }, at: func(m *model) int64 { return 0 }},
	}
	for seed := uint64(1); seed <= 5; seed++ {
		for _, lay := range layouts {
			t.Run(lay.name, func(t *testing.T) {
				m := tombstoneWorkload(t, seed)
				m.kv.put("lease", []byte("lease-1"), []byte("x"))
				if lay.compactAt != nil {
					m.compact(t, lay.compactAt(m), lay.finished)
				}
				at := lay.at(m)
				planAt := at
				if planAt == 0 {
					planAt = m.rev
				}
				del, _ := m.compactPlan(t, planAt)
				deleted := map[string]bool{}
				for _, k := range del {
					deleted[string(k)] = true
				}
				var want [][]byte
				for _, p := range m.kv.buckets["key"] {
					if !deleted[string(p[0])] {
						want = append(want, p[0])
					}
				}

				keep, err := CompactionKeep(m.kv, at)
				if err != nil {
					t.Fatal(err)
				}
				got := keptKeys(t, m.kv, keep)
				if len(del) == 0 && lay.name == "midway" {
					t.Fatal("the workload left nothing to compact: the test proves nothing")
				}
				if len(got) != len(want) {
					t.Fatalf("kept %d pairs, the model's compaction leaves %d", len(got), len(want))
				}
				for i := range want {
					if !bytes.Equal(got[i], want[i]) {
						t.Fatalf("kept pair %d is %x, the model keeps %x", i, got[i], want[i])
					}
				}
			})
		}
	}
}

// Ensure that pairs etcd never restored are decided as its compaction
// would (main revision 0 is deleted) or kept as Scan counts them (bad
// key or value, on which etcd stops at startup), that a delete of a
// deleted key goes, and that the dropped pairs add up to Scan's what-if.
func TestCompactionKeepUnrestoredPairs(t *testing.T) {
	put := func(m *memKV, main, sub int64, tomb bool, key string, ver int64) []byte {
		k := appendBucketKey(nil, BucketKey{Revision{main, sub}, tomb})
		kv := mvccpb.KeyValue{Key: []byte(key)}
		if !tomb {
			kv.Value, kv.Version, kv.CreateRevision, kv.ModRevision = []byte("value"), ver, main, main
		}
		v, err := kv.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		m.put("key", k, v)
		return k
	}
	m := newMemKV()
	rev0 := put(m, 0, 0, false, "zero", 1)
	a2 := put(m, 2, 0, false, "a", 1)
	a3 := put(m, 3, 0, true, "a", 0)
	a4 := put(m, 4, 0, true, "a", 0) // a is already deleted: etcd ignores it
	b5 := put(m, 5, 0, false, "b", 1)
	badValue := appendBucketKey(nil, BucketKey{Revision: Revision{6, 0}})
	m.put("key", badValue, []byte{0xff, 0xff})
	badKey := []byte("short")
	m.put("key", badKey, []byte("x"))
	b7 := put(m, 7, 0, false, "b", 2)

	cases := []struct {
		at   int64
		keep map[string]bool
	}{
		{at: 3, keep: map[string]bool{string(rev0): false, string(a2): false, string(a3): true, string(a4): true, string(b5): true, string(badValue): true, string(badKey): true, string(b7): true}},
		{at: 6, keep: map[string]bool{string(rev0): false, string(a2): false, string(a3): false, string(a4): false, string(b5): true, string(badValue): true, string(badKey): true, string(b7): true}},
		{at: 0, keep: map[string]bool{string(rev0): false, string(a2): false, string(a3): false, string(a4): false, string(b5): false, string(badValue): true, string(badKey): true, string(b7): true}},
	}
	for _, tc := range cases {
		keep, err := CompactionKeep(m, tc.at)
		if err != nil {
			t.Fatal(err)
		}
		var dropped, droppedBytes uint64
		for _, p := range m.buckets["key"] {
			got := keep.Keep("key", p[0])
			if want, ok := tc.keep[string(p[0])]; !ok || got != want {
				t.Errorf("at %d: pair %x kept=%v, want %v", tc.at, p[0], got, want)
			}
			if !got {
				dropped++
				droppedBytes += uint64(len(p[0]) + len(p[1]))
			}
		}
		opts := DefaultOptions()
		opts.CompactAt = tc.at
		sum, err := Scan(m, opts)
		if err != nil {
			t.Fatal(err)
		}
		if c := sum.Compaction; c.RemovedRevisions != dropped || c.RemovedBytes != droppedBytes {
			t.Errorf("at %d: filter drops %d pairs, %d bytes; what-if removes %d, %d", tc.at, dropped, droppedBytes, c.RemovedRevisions, c.RemovedBytes)
		}
	}
}

// Ensure that CompactionKeep fails cleanly on a file without a key bucket
// and on a read error, rather than returning a partial filter.
func TestCompactionKeepErrors(t *testing.T) {
	m := newMemKV()
	m.put("meta", []byte("term"), make([]byte, 8))
	if _, err := CompactionKeep(m, 0); err != ErrNotEtcd {
		t.Errorf("no key bucket: err = %v, want ErrNotEtcd", err)
	}
	m.put("key", appendBucketKey(nil, BucketKey{Revision: Revision{2, 0}}), []byte{})
	m.failOn = "key"
	if keep, err := CompactionKeep(m, 0); err == nil || keep != nil {
		t.Errorf("read error: filter %v, err %v; want an error", keep != nil, err)
	}
}

// Ensure that on every fixture, read through the page reader, the pairs
// the filter drops add up to Summary.Compaction's removed revisions and
// bytes, at the latest revision and halfway through the history.
func TestCompactionKeepFixtures(t *testing.T) {
	for _, f := range fixtures.All(t) {
		t.Run(f.Name, func(t *testing.T) {
			path := fixtures.Path(t, f)
			for _, at := range []int64{0, (f.CompactRevision + f.Revision + 1) / 2} {
				opts := DefaultOptions()
				opts.CompactAt = at
				sum := scanWithPages(t, path, opts)
				pf, err := pages.Open(path)
				if err != nil {
					t.Fatal(err)
				}
				keep, err := CompactionKeep(pf, at)
				if err != nil {
					pf.Close()
					t.Fatal(err)
				}
				var dropped, droppedBytes uint64
				err = pf.ForEach("key", func(k, v []byte) error {
					if !keep.Keep("key", k) {
						dropped++
						droppedBytes += uint64(len(k) + len(v))
					}
					return nil
				})
				pf.Close()
				if err != nil {
					t.Fatal(err)
				}
				c := sum.Compaction
				if dropped != c.RemovedRevisions || droppedBytes != c.RemovedBytes {
					t.Errorf("at %d: filter drops %d pairs, %d bytes; what-if removes %d, %d", c.Revision, dropped, droppedBytes, c.RemovedRevisions, c.RemovedBytes)
				}
			}
		})
	}
}

// Ensure that the compaction-then-defrag prediction the report makes
// (defrag.Simulate with this filter) is within a page or two per bucket of
// what really happens: the dropped pairs are deleted from a bbolt copy of
// the fixture, which is then defragmented as etcd does.
func TestCompactionKeepDefragMatchesBbolt(t *testing.T) {
	for _, name := range []string{"config-store-v3.5", "config-store-v3.6", "k8s-v3.5", "k8s-v3.6-snapshot"} {
		t.Run(name, func(t *testing.T) {
			f := fixtures.Get(t, name)
			path := fixtures.Copy(t, f)
			pf, err := pages.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			keep, err := CompactionKeep(pf, 0)
			if err != nil {
				pf.Close()
				t.Fatal(err)
			}
			pageSize := pf.PageSize()
			sim, err := defrag.Simulate(pf, pageSize, defrag.Options{KeepKey: keep.Keep})
			if err != nil {
				pf.Close()
				t.Fatal(err)
			}
			var drop [][]byte
			err = pf.ForEach("key", func(k, v []byte) error {
				if !keep.Keep("key", k) {
					drop = append(drop, bytes.Clone(k))
				}
				return nil
			})
			pf.Close()
			if err != nil {
				t.Fatal(err)
			}

			db, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = db.Update(func(tx *bolt.Tx) error {
				b := tx.Bucket([]byte("key"))
				for _, k := range drop {
					if err := b.Delete(k); err != nil {
						return err
					}
				}
				return nil
			})
			if cerr := db.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				t.Fatal(err)
			}
			dst := filepath.Join(t.TempDir(), "defrag.db")
			pairs, err := defrag.Copy(path, dst)
			if err != nil {
				t.Fatal(err)
			}
			out, err := bolt.Open(dst, 0o400, &bolt.Options{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			var realPgid uint64
			_ = out.View(func(tx *bolt.Tx) error { realPgid = uint64(tx.Size()) / uint64(pageSize); return nil })
			out.Close()
			st, err := os.Stat(dst)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("dropped %d pairs; high water: simulated %d pages, real %d; file: simulated %d, real %d", len(drop), sim.HighWaterPgid, realPgid, sim.FileBytes, st.Size())
			if len(drop) == 0 {
				t.Fatal("nothing to compact: the test proves nothing")
			}
			if sim.Pairs != pairs {
				t.Errorf("pairs: simulated %d, copied %d", sim.Pairs, pairs)
			}
			slack := uint64(2 * len(sim.Buckets))
			if sim.HighWaterPgid > realPgid+slack || realPgid > sim.HighWaterPgid+slack {
				t.Errorf("high water: simulated %d pages, real %d (more than 2 pages per bucket apart)", sim.HighWaterPgid, realPgid)
			}
		})
	}
}
