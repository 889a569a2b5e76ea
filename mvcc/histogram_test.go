package mvcc

import (
	"math/rand/v2"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

// Ensure that the revisions-per-key histogram equals one counted
// independently from the model's key bucket: every bucket from 1 up to
// the largest count, each holding the keys whose count falls in it.
func TestRevisionsPerKeyHistogramMatchesModel(t *testing.T) {
	cases := []struct {
		name  string
		build func(t *testing.T, m *model)
	}{
		{"empty bucket", func(t *testing.T, m *model) {}},
		{"one key one revision", func(t *testing.T, m *model) { m.txn(t, op{key: "a", value: []byte("x")}) }},
		{"gap between buckets", func(t *testing.T, m *model) {
			m.txn(t, op{key: "once", value: []byte("x")})
			for range 9 { // 9 revisions: bucket 8-15, with 2-3 and 4-7 empty
				m.txn(t, op{key: "often", value: []byte("y")})
			}
		}},
		{"random workload", func(t *testing.T, m *model) {
			randomWorkload(t, m, rand.New(rand.NewPCG(7, 7)), 600, 10)
		}},
		{"after compaction", func(t *testing.T, m *model) {
			randomWorkload(t, m, rand.New(rand.NewPCG(8, 8)), 600, 10)
			m.compact(t, m.rev/2, true)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := newModel()
			tc.build(t, m)
			perKey := map[string]uint64{}
			for _, p := range m.kv.buckets["key"] {
				var kv mvccpb.KeyValue
				if err := kv.Unmarshal(p[1]); err != nil {
					t.Fatal(err)
				}
				perKey[string(kv.Key)]++
			}
			var want []CountBucket
			for _, n := range perKey {
				i := 0
				for uint64(2)<<i <= n {
					i++
				}
				for len(want) <= i {
					lo := uint64(1) << len(want)
					want = append(want, CountBucket{Min: lo, Max: 2*lo - 1})
				}
				want[i].Keys++
				want[i].Revisions += n
			}
			sum, err := Scan(m.kv, DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			got := sum.RevisionsPerKeyHistogram
			if got == nil || len(got) != len(want) {
				t.Fatalf("histogram %+v, want %+v", got, want)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("bucket %d = %+v, want %+v", i, got[i], want[i])
				}
			}
		})
	}
}

// Ensure that on every fixture the histogram accounts for every key and
// every revision once, in the bucket its count belongs to, and reaches
// the largest count.
func TestRevisionsPerKeyHistogramFixtures(t *testing.T) {
	for _, f := range fixtures.All(t) {
		t.Run(f.Name, func(t *testing.T) {
			sum := scanWithPages(t, fixtures.Path(t, f), DefaultOptions())
			var keys, revs uint64
			for i, b := range sum.RevisionsPerKeyHistogram {
				if b.Min != 1<<i || b.Max != 2*b.Min-1 {
					t.Errorf("bucket %d is %d-%d", i, b.Min, b.Max)
				}
				if b.Revisions < b.Keys*b.Min || b.Revisions > b.Keys*b.Max {
					t.Errorf("bucket %d-%d: %d keys cannot hold %d revisions", b.Min, b.Max, b.Keys, b.Revisions)
				}
				keys += b.Keys
				revs += b.Revisions
			}
			if want := sum.LiveKeys + sum.DeletedKeys; keys != want {
				t.Errorf("histogram keys = %d, live+deleted = %d", keys, want)
			}
			if revs != sum.TotalRevisions {
				t.Errorf("histogram revisions = %d, total = %d", revs, sum.TotalRevisions)
			}
			h := sum.RevisionsPerKeyHistogram
			if mx := sum.RevisionsPerKey.Max; mx > 0 && (len(h) == 0 || h[len(h)-1].Keys == 0 || mx < h[len(h)-1].Min || mx > h[len(h)-1].Max) {
				t.Errorf("largest count %d is not in the last bucket of %+v", mx, h)
			}
		})
	}
}
