package mvcc

import (
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
	m.kv.put("key", AppendBucketKey(nil, BucketKey{Revision: Revision{Main: 8}, Tombstone: true}), v)

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
