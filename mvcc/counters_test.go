package mvcc

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"go.etcd.io/etcd/api/v3/mvccpb"
)

// Ensure that the per-key counters follow etcd's generations: a re-created
// key has two generations with revisions, a delete of a deleted key is
// ignored, and the distribution and top lists rank what they say.
func TestGenerationCounters(t *testing.T) {
	m := newModel()
	m.txn(t, op{key: "/re", value: []byte("1")})
	m.txn(t, op{del: true, key: "/re"})
	m.txn(t, op{key: "/re", value: []byte("22")})
	m.txn(t, op{key: "/once", value: []byte("333")})
	m.txn(t, op{key: "/gone", value: []byte("4444")})
	m.txn(t, op{del: true, key: "/gone"})
	// A second tombstone for /gone, as no etcd writes it: etcd's restore
	// logs ErrRevisionNotFound and ignores it.
	v, _ := (&mvccpb.KeyValue{Key: []byte("/gone")}).Marshal()
	m.kv.put("key", appendBucketKey(nil, BucketKey{Revision: Revision{Main: 8}, Tombstone: true}), v)

	sum, sc, err := scan(m.kv, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want uint64
	}{
		{"total revisions", sum.TotalRevisions, 7},
		{"tombstones", sum.Tombstones, 3},
		{"ignored tombstones", sum.Restore.IgnoredTombstones, 1},
		{"live keys", sum.LiveKeys, 2},
		{"deleted keys", sum.DeletedKeys, 1},
		{"multi-generation keys", sum.MultiGenerationKeys, 1},
		{"revisions p50", sum.RevisionsPerKey.P50, 3},
		{"revisions max", sum.RevisionsPerKey.Max, 3},
		{"largest value", sum.LargestValueBytes, 4},
		{"index generations", sum.Index.Generations, 2 + 1 + 2}, // /re, /once, /gone
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
	if re, _ := sc.lookupKey("/re"); re.Version != 1 || re.CreateRevision != 4 || re.Generations != 2 {
		t.Errorf("/re = %+v, want version 1 created at 4 in its 2nd generation", re)
	}
	if top := sum.TopKeys.ByValueBytes; len(top) != 2 || top[0].Key != "/once" {
		t.Errorf("top by value = %+v, want /once first and no deleted key", top)
	}
	if top := sum.TopKeys.ByRevisions; len(top) != 3 || top[0].Revisions != 3 || top[1].Revisions != 3 || top[0].Key != "/gone" {
		t.Errorf("top by revisions = %+v, want ties broken by key", top)
	}
}

// Ensure that the revisions-per-key percentiles and the top keys by
// history bytes equal what the model derives on its own: the model counts
// each key's entries and bytes as it writes and compacts the key bucket,
// and ranks them with a plain sort.
func TestRevisionsPerKeyAndTopHistoryMatchModel(t *testing.T) {
	tests := []struct {
		name     string
		topN     int
		workload func(t *testing.T, m *model)
		want     *Distribution // hand-computed, when the workload makes it easy
	}{
		{
			name: "key i has i+1 revisions",
			topN: 5,
			workload: func(t *testing.T, m *model) {
				for i := range 100 {
					for range i + 1 {
						m.txn(t, op{key: fmt.Sprintf("/k/%03d", i), value: []byte("v")})
					}
				}
			},
			want: &Distribution{P50: 50, P90: 90, P99: 99, Max: 100},
		},
		{
			name: "ties, deletes and re-creations",
			topN: 4,
			workload: func(t *testing.T, m *model) {
				// /a and /b tie on history; /gone has only history;
				// /re's first generation is all history.
				for _, k := range []string{"/b", "/a", "/b", "/a", "/once"} {
					m.txn(t, op{key: k, value: []byte("xx")})
				}
				m.txn(t, op{key: "/gone", value: []byte("gone")})
				m.txn(t, op{del: true, key: "/gone"})
				m.txn(t, op{key: "/re", value: []byte("1")})
				m.txn(t, op{del: true, key: "/re"})
				m.txn(t, op{key: "/re", value: []byte("22")}, op{key: "/once", value: []byte("y")})
			},
		},
		{
			name: "random workload",
			topN: 10,
			workload: func(t *testing.T, m *model) {
				randomWorkload(t, m, rand.New(rand.NewPCG(7, 1)), 3000, 20)
			},
		},
		{
			name: "random workload, compacted",
			topN: 7,
			workload: func(t *testing.T, m *model) {
				randomWorkload(t, m, rand.New(rand.NewPCG(8, 2)), 3000, 20)
				m.compact(t, m.rev-200, true)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newModel()
			tt.workload(t, m)
			m.checkCounts(t)
			opts := DefaultOptions()
			opts.TopN = tt.topN
			sum, _, err := scan(m.kv, opts)
			if err != nil {
				t.Fatal(err)
			}
			want := m.revisionsPerKey()
			if tt.want != nil && want != *tt.want {
				t.Fatalf("model's revisions per key = %+v, hand-computed %+v: the model is wrong", want, *tt.want)
			}
			if got := sum.RevisionsPerKey; got != want {
				t.Errorf("revisions per key = %+v, model %+v", got, want)
			}
			wantTop := m.topByHistory(tt.topN)
			got := sum.TopKeys.ByHistoryBytes
			if len(got) != len(wantTop) {
				t.Errorf("top by history bytes has %d keys, model %d", len(got), len(wantTop))
			}
			for i := range min(len(got), len(wantTop)) {
				k := m.keys[wantTop[i]]
				if got[i].Key != wantTop[i] || got[i].HistoryBytes != k.history() || got[i].TotalBytes != k.bytes || got[i].Revisions != uint64(k.revs) {
					t.Errorf("top by history #%d = %s (%d history, %d total bytes, %d revisions), model %s (%d, %d, %d)",
						i, got[i].Key, got[i].HistoryBytes, got[i].TotalBytes, got[i].Revisions, wantTop[i], k.history(), k.bytes, k.revs)
				}
			}
		})
	}
}
