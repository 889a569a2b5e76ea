package mvcc

import (
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
	"github.com/dbinspect/dbinspect/pages"
)

// Ensure that the filter scanWithCompactionKeep builds from Scan's pass
// decides every pair as CompactionKeep's own pass does, and that its
// summary is Scan's.
func TestScanWithCompactionKeepMatchesCompactionKeep(t *testing.T) {
	type source struct {
		name string
		kv   func(t *testing.T) KVReader
	}
	fromModel := func(seed uint64, compactAt func(m *model) int64, finished bool) func(t *testing.T) KVReader {
		return func(t *testing.T) KVReader {
			m := tombstoneWorkload(t, seed)
			if compactAt != nil {
				m.compact(t, compactAt(m), finished)
			}
			return m.kv
		}
	}
	sources := []source{
		{"model", fromModel(1, nil, false)},
		{"model after a compaction", fromModel(2, func(m *model) int64 { return m.rev / 3 }, true)},
		{"model after an unfinished compaction", fromModel(3, func(m *model) int64 { return m.rev / 2 }, false)},
		{"unrestorable pairs", func(t *testing.T) KVReader {
			m := newMemKV()
			m.put("key", appendBucketKey(nil, BucketKey{Revision: Revision{2, 0}}), []byte{0xff, 0xff})
			m.put("key", []byte("short"), []byte("x"))
			return m
		}},
	}
	for _, f := range fixtures.All(t) {
		sources = append(sources, source{"fixture " + f.Name, func(t *testing.T) KVReader {
			pf, err := pages.Open(fixtures.Path(t, f))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { pf.Close() })
			return pf
		}})
	}
	for _, src := range sources {
		t.Run(src.name, func(t *testing.T) {
			kv := src.kv(t)
			for _, at := range []int64{0, 1, 3, 50, 1 << 40} {
				opts := DefaultOptions()
				opts.CompactAt = at
				sum, keep, err := scanWithCompactionKeep(kv, opts)
				if err != nil {
					t.Fatal(err)
				}
				plain, err := Scan(kv, opts)
				if err != nil {
					t.Fatal(err)
				}
				if sum.Compaction != plain.Compaction || sum.Revision != plain.Revision || sum.TotalRevisions != plain.TotalRevisions {
					t.Fatalf("at %d: summary differs from Scan's: %+v vs %+v", at, sum.Compaction, plain.Compaction)
				}
				want, err := CompactionKeep(kv, at)
				if err != nil {
					t.Fatal(err)
				}
				var pairs, dropped int
				err = kv.ForEach("key", func(k, v []byte) error {
					pairs++
					if g, w := keep.Keep("key", k), want.Keep("key", k); g != w {
						t.Errorf("at %d: pair %x kept=%v, CompactionKeep says %v", at, k, g, w)
					}
					if keep.Keep("key", k) != keep.Keep("key", k) {
						t.Errorf("at %d: pair %x decided differently without its value", at, k)
					}
					if !keep.Keep("key", k) {
						dropped++
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if uint64(dropped) != sum.Compaction.RemovedRevisions {
					t.Errorf("at %d: filter drops %d of %d pairs, the what-if removes %d", at, dropped, pairs, sum.Compaction.RemovedRevisions)
				}
			}
		})
	}
}

// Ensure that a key bucket that cannot be read whole gives no filter.
func TestScanWithCompactionKeepReadError(t *testing.T) {
	m := newMemKV()
	m.put("key", appendBucketKey(nil, BucketKey{Revision: Revision{2, 0}}), []byte{0xff, 0xff})
	m.failOn = "key"
	sum, keep, err := scanWithCompactionKeep(m, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.ReadErrors) == 0 || keep != nil {
		t.Fatalf("read errors %v, filter returned: %v; want errors and no filter", sum.ReadErrors, keep != nil)
	}
}
