package freelist

import (
	"runtime"
	"sync"

	"github.com/dbinspect/dbinspect/pages"
)

// The replay writes new data whose node sizes follow this db's own mix and
// watches where each allocator puts it. Each write transaction adds one new
// node (a run of n pages, n drawn from the mix) and rewrites its single-page
// parent: the old parent is freed (pending until the next transaction, as
// bbolt does) and a new one allocated after the node, the order in which
// bbolt spills a child before its parent. This is the transaction shape the
// differential tests check against real bbolt.

// replayStepLimit bounds the work of one replay on hostile or huge inputs.
const replayStepLimit = 1 << 20

// defaultSeeds are used when Options.Seeds is empty.
var defaultSeeds = []int64{1, 2, 3}

// replayWriteBytes is the volume to replay: the option, or half the free
// space, between 1 MiB and 256 MiB. Half leaves room for the two
// allocators to place the same writes differently (writing all of it ends
// both full); the cap keeps the default replay under a second or so.
func replayWriteBytes(opts Options, freePages uint64, pageSize int) int64 {
	if opts.WriteBytes > 0 {
		return opts.WriteBytes
	}
	return min(max(int64(freePages)*int64(pageSize)/2, 1<<20), 256<<20)
}

// mixSequence yields run sizes in proportion to the node counts, in a fixed
// interleaved order (smooth weighted round robin), so the workload is the
// same for every allocator and every run.
type mixSequence struct {
	needs   []runNeed
	current []int64
	total   int64
}

func newMixSequence(needs []runNeed) *mixSequence {
	m := &mixSequence{needs: needs, current: make([]int64, len(needs))}
	for _, n := range needs {
		m.total += n.nodes
	}
	return m
}

func (m *mixSequence) next() uint64 {
	best := 0
	for i, n := range m.needs {
		m.current[i] += n.nodes
		if m.current[i] > m.current[best] {
			best = i
		}
	}
	m.current[best] -= m.total
	return m.needs[best].pages
}

// replay runs the workload on one model starting from the file's free spans.
func replayWrites(model allocator, highWater uint64, pageSize int, writeBytes int64, needs []runNeed) ReplayResult {
	res := ReplayResult{WriteBytes: writeBytes}
	w := &txWriter{Model: model, HighWater: highWater}
	mix := newMixSequence(needs)
	var written int64
	parent := pages.Span{}
	for written < writeBytes {
		if res.Transactions >= replayStepLimit {
			res.Truncated = true
			break
		}
		res.Transactions++
		n := mix.next()
		w.Begin()
		if _, reused := w.Allocate(n); reused {
			res.PagesReused += n
		}
		w.Free(parent) // the first parent was never ours to free: skip it
		start, reused := w.Allocate(1)
		if reused {
			res.PagesReused++
		}
		parent = pages.Span{Start: start, Len: 1}
		res.PagesAllocated += n + 1
		written += int64(n) * int64(pageSize)
	}
	res.GrowthPages = w.Grown
	res.GrowthBytes = int64(w.Grown) * int64(pageSize)
	// Pages still pending are free to the next transaction and to a reopen.
	end := normalize(append(model.Spans(), w.Pending()...), 0, ^uint64(0))
	st := spanStats(end)
	res.EndFreePages, res.EndSpans, res.EndLargest = st.pages, len(end), st.largest
	res.EndIndex = needIndex(runFits(end, st.pages, needs))
	res.Work = model.Work()
	return res
}

// replayBoth fills the array replay and one hashmap replay per seed. The
// replays are independent (each has its own model and seeded choices), so
// they run in parallel; results keep the seeds' order.
func replayBoth(fr *Fragmentation, in Input, free []pages.Span, needs []runNeed, opts Options) {
	wb := replayWriteBytes(opts, fr.FreePages, in.PageSize)
	hw := max(in.HighWater, 2)
	seeds := opts.Seeds
	if len(seeds) == 0 {
		seeds = defaultSeeds
	}
	replays := make([]ReplayResult, len(seeds))
	jobs := make(chan int, len(seeds)+1)
	for i := range seeds {
		jobs <- i
	}
	jobs <- -1 // the array freelist
	close(jobs)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(seeds)+1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if i < 0 {
					fr.Array.Replay = replayWrites(newArray(free), hw, in.PageSize, wb, needs)
					continue
				}
				replays[i] = replayWrites(newHashmap(free, seeds[i]), hw, in.PageSize, wb, needs)
				replays[i].Seed = seeds[i]
			}
		}()
	}
	wg.Wait()
	h := &fr.Hashmap
	for i, r := range replays {
		h.Replays = append(h.Replays, r)
		if i == 0 {
			h.GrowthPagesMin, h.GrowthPagesMax = r.GrowthPages, r.GrowthPages
			h.EndSpansMin, h.EndSpansMax = r.EndSpans, r.EndSpans
			h.EndIndexMin, h.EndIndexMax = r.EndIndex, r.EndIndex
			h.EndLargestMin, h.EndLargestMax = r.EndLargest, r.EndLargest
			continue
		}
		h.GrowthPagesMin, h.GrowthPagesMax = min(h.GrowthPagesMin, r.GrowthPages), max(h.GrowthPagesMax, r.GrowthPages)
		h.EndSpansMin, h.EndSpansMax = min(h.EndSpansMin, r.EndSpans), max(h.EndSpansMax, r.EndSpans)
		h.EndIndexMin, h.EndIndexMax = min(h.EndIndexMin, r.EndIndex), max(h.EndIndexMax, r.EndIndex)
		h.EndLargestMin, h.EndLargestMax = min(h.EndLargestMin, r.EndLargest), max(h.EndLargestMax, r.EndLargest)
	}
}
