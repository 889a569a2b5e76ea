package mvcc

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dbinspect/dbinspect/pages"
)

// peakHeap samples the heap while fn runs and returns the peak above what
// was live before. It reads runtime/metrics, which does not stop the world
// (runtime.ReadMemStats every 20 ms did, and doubled the scan's time on
// a 270 MiB heap).
func peakHeap(fn func()) uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	heap := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	base := heap()
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			if h := heap(); h > peak.Load() {
				peak.Store(h)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	fn()
	close(done)
	wg.Wait()
	if h := heap(); h > peak.Load() {
		peak.Store(h)
	}
	return peak.Load() - min(peak.Load(), base)
}

// BenchmarkScan scans the big fixture named by DBINSPECT_BIG_DB through
// dbinspect's page reader and reports revisions/s and the peak heap.
func BenchmarkScan(b *testing.B) {
	path := os.Getenv("DBINSPECT_BIG_DB")
	if path == "" {
		b.Skip("set DBINSPECT_BIG_DB to a 1 GiB+ etcd db to run this benchmark")
	}
	var sum *Summary
	var peak uint64
	b.ResetTimer()
	for range b.N {
		peak = max(peak, peakHeap(func() { sum = scanWithPages(b, path, DefaultOptions()) }))
	}
	b.ReportMetric(float64(sum.TotalRevisions)*float64(b.N)/b.Elapsed().Seconds(), "revisions/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(sum.Index.Keys), "keys")
}

// BenchmarkScanSynthetic scans an in-memory key bucket of 300k revisions
// over 50k Kubernetes-style keys, so the hot path is measured without a
// big file.
func BenchmarkScanSynthetic(b *testing.B) {
	m := newModel()
	rng := rand.New(rand.NewPCG(1, 2))
	val := bytes.Repeat([]byte{'v'}, 200)
	for i := range 300000 {
		k := fmt.Sprintf("/registry/pods/ns-%d/pod-%d", rng.IntN(50), rng.IntN(1000))
		if i%20 == 0 {
			m.txn(b, op{del: true, key: k})
			continue
		}
		m.txn(b, op{key: k, value: val[:rng.IntN(len(val))]})
	}
	var sum *Summary
	var peak uint64
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		peak = max(peak, peakHeap(func() {
			var err error
			sum, err = Scan(m.kv, DefaultOptions())
			if err != nil {
				b.Fatal(err)
			}
		}))
	}
	b.ReportMetric(float64(sum.TotalRevisions)*float64(b.N)/b.Elapsed().Seconds(), "revisions/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}

// BenchmarkCompactionKeep builds the compaction filter for the latest
// revision on the big fixture (DBINSPECT_BIG_DB) and applies it to every
// key-bucket pair, as the compaction-then-defrag simulation does; it
// reports the peak heap of building and the heap the filter keeps.
func BenchmarkCompactionKeep(b *testing.B) {
	path := os.Getenv("DBINSPECT_BIG_DB")
	if path == "" {
		b.Skip("set DBINSPECT_BIG_DB to a 1 GiB+ etcd db to run this benchmark")
	}
	f, err := pages.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var peak, kept, pairs, dropped uint64
	b.ResetTimer()
	for range b.N {
		var keep *CompactionFilter
		peak = max(peak, peakHeap(func() {
			if keep, err = CompactionKeep(f, 0); err != nil {
				b.Fatal(err)
			}
		}))
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		kept = ms.HeapAlloc
		pairs, dropped = 0, 0
		err = f.ForEach("key", func(k, v []byte) error {
			pairs++
			if !keep.Keep("key", k) {
				dropped++
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		runtime.KeepAlive(keep)
	}
	b.ReportMetric(float64(pairs)*float64(b.N)/b.Elapsed().Seconds(), "pairs/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(kept)/(1<<20), "heap-with-filter-MiB")
	b.ReportMetric(float64(dropped), "dropped")
}
