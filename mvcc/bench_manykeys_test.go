package mvcc

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"

	"go.etcd.io/etcd/api/v3/mvccpb"
)

// leafKV is a key bucket held in memory and handed out a leaf at a time,
// as pages.File does, so the scan takes the same path as on a file.
type leafKV struct {
	keys, values [][]byte
}

// leafPairs is about what a 4 KiB leaf of small etcd values holds.
const leafPairs = 24

func (l *leafKV) BucketNames() ([]string, error) { return []string{"key", "meta"}, nil }

func (l *leafKV) ForEach(bucket string, fn func(k, v []byte) error) error {
	if bucket != "key" {
		return nil
	}
	for i, k := range l.keys {
		if err := fn(k, l.values[i]); err != nil {
			return err
		}
	}
	return nil
}

func (l *leafKV) ForEachLeaf(bucket string, fn func(keys, values [][]byte) error) error {
	if bucket != "key" {
		return nil
	}
	for i := 0; i < len(l.keys); i += leafPairs {
		j := min(i+leafPairs, len(l.keys))
		if err := fn(l.keys[i:j], l.values[i:j]); err != nil {
			return err
		}
	}
	return nil
}

var (
	manyKeysOnce sync.Once
	manyKeysKV   *leafKV
)

// manyKeysTable is a key bucket of the shape issue 16 is about, written as
// etcd writes it: 1M Kubernetes-style keys with ~120-byte values, one
// revision per write; every key put once, 85% of them rewritten in random
// order, then 3% deleted: ~1.88M revisions. Built once per test binary
// (~250 MB of pairs).
func manyKeysTable(tb testing.TB) *leafKV {
	manyKeysOnce.Do(func() {
		const keys = 1_000_000
		rng := rand.New(rand.NewPCG(16, 16))
		resources := []string{"pods", "events", "configmaps", "secrets", "replicasets", "endpointslices", "leases"}
		names := make([][]byte, keys)
		for i := range names {
			names[i] = fmt.Appendf(nil, "/registry/%s/ns-%03d/obj-%07d", resources[i%len(resources)], rng.IntN(200), i)
		}
		type keyRev struct{ create, ver int64 }
		state := make([]keyRev, keys)
		value := make([]byte, 200)
		copy(value, "k8s\x00")
		kv := &leafKV{}
		main := int64(1)
		write := func(i int, del bool) {
			main++
			bk := BucketKey{Revision: Revision{Main: main}, Tombstone: del}
			rec := mvccpb.KeyValue{Key: names[i]}
			if !del {
				if state[i].ver == 0 {
					state[i].create = main
				}
				state[i].ver++
				rec.CreateRevision, rec.ModRevision, rec.Version = state[i].create, main, state[i].ver
				rec.Value = value[:60+rng.IntN(121)]
			} else {
				state[i] = keyRev{}
			}
			v, err := rec.Marshal()
			if err != nil {
				tb.Fatal(err)
			}
			kv.keys = append(kv.keys, appendBucketKey(nil, bk))
			kv.values = append(kv.values, v)
		}
		for i := range keys {
			write(i, false)
		}
		for _, i := range rng.Perm(keys)[:keys*85/100] {
			write(i, false)
		}
		for _, i := range rng.Perm(keys)[:keys*3/100] {
			write(i, true)
		}
		manyKeysKV = kv
	})
	return manyKeysKV
}

// BenchmarkKeyPassManyKeys is the key pass of `report` (the scan, the
// compaction filter the defrag simulations use, and the per-key summary)
// on manyKeysTable, with allocs/op and the peak heap above the table
// itself, so a regression on many-key dbs shows without the big dbs.
func BenchmarkKeyPassManyKeys(b *testing.B) {
	kv := manyKeysTable(b)
	var sum *Summary
	var peak uint64
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		peak = max(peak, peakHeap(func() {
			var keep *CompactionFilter
			var err error
			sum, err = ScanFiltered(kv, DefaultOptions(), func(f *CompactionFilter) { keep = f })
			if err != nil {
				b.Fatal(err)
			}
			if keep == nil {
				b.Fatal("no compaction filter")
			}
			keep.Keep("key", kv.keys[0]) // builds its sorted list
			runtime.KeepAlive(keep)
		}))
	}
	b.ReportMetric(float64(sum.TotalRevisions)*float64(b.N)/b.Elapsed().Seconds(), "revisions/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(sum.Index.Keys), "keys")
}
