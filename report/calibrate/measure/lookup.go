package measure

import (
	"bytes"
	"math/rand"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"time"
)

// Lookup patterns: where a treeIndex Get lands in key order relative to the
// Gets just before it, as report/predict/restoresim classes restore's Gets.
const (
	patternFar         = iota // a key at a random rank: its path misses the CPU caches
	patternNear               // the next key in key order (ascending run)
	patternInterleaved        // 8 ascending streams taken in turn
	patterns
)

// interleavedStreams is how many ascending streams patternInterleaved
// takes in turn: fewer than restoresim's 16 recent accesses, so it classes
// each of these Gets near.
const interleavedStreams = 8

// lookupReps is how many times each pattern is timed at each size; the
// median is kept (see measureLookupPatterns).
const lookupReps = 5

// lookupPatterns is what measureLookupPatterns found at each tree size.
type lookupPatterns struct {
	keys    []float64
	perGet  [patterns][]float64 // seconds per bare Get, normalised
	refSecs float64             // the reference loop's median seconds
	// spread is the largest (max-min)/median over the repetitions of a
	// pattern at a size, before and after normalising by the reference
	// loop: what a single timing would have wandered by.
	spreadRaw, spreadNorm float64
}

// measureLookupPatterns grows one etcd-shaped treeIndex (keyIndexes with
// their keys, generations and revision slices, allocated in random key
// order between garbage as restore allocates them) and, each time it
// reaches one of sizes keys, times probes bare Gets under each pattern.
//
// Steadiness: each pattern is timed lookupReps times, interleaved with a
// reference loop (a fixed CPU-bound loop that touches no memory beyond the
// L1 cache); each timing is divided by the reference loop timed just
// before it, the median of those ratios is kept and multiplied back by the
// reference loop's median. A change of clock speed (frequency scaling, a
// neighbour on the core's sibling) moves both timings of a pair alike and
// cancels; a pause that hits one timing is outvoted by the median. The GC
// is held off during the timed loops (they allocate nothing): a collection
// of a heap this size lands on one repetition or another at random.
func measureLookupPatterns(sizes []int, probes int) (lookupPatterns, float64) {
	start := time.Now()
	var lp lookupPatterns
	r := rand.New(rand.NewSource(3))
	less := func(a, b *etcdKeyIndex) bool { return bytes.Compare(a.key, b.key) < 0 }
	t := newBtree(less)
	var garbage [][]byte
	built := 0
	var refs []float64
	for _, size := range sizes {
		for ; built < size; built++ {
			key := strconv.AppendInt(append(strconv.AppendInt([]byte("/registry/pods/ns-"), int64(100+built%97), 10), "/pod-"...), r.Int63(), 10)
			garbage = append(garbage[:0], make([]byte, 150), []byte(string(key)))
			ki := &etcdKeyIndex{key: key}
			ki.generations = append(ki.generations, etcdGeneration{created: etcdRevision{main: int64(built + 1)}})
			ki.put(int64(built + 1))
			t.ReplaceOrInsert(ki)
		}
		runtime.KeepAlive(garbage)
		sorted := make([][]byte, 0, built)
		t.Ascend(func(ki *etcdKeyIndex) { sorted = append(sorted, ki.key) })
		// The probes are fresh copies, as restore's Get probes with the key
		// it just unmarshalled.
		var order [patterns][]*etcdKeyIndex
		for p := range order {
			order[p] = make([]*etcdKeyIndex, probes)
		}
		at := r.Intn(built)
		streams := make([]int, interleavedStreams)
		for s := range streams {
			streams[s] = r.Intn(built)
		}
		for i := 0; i < probes; i++ {
			order[patternFar][i] = &etcdKeyIndex{key: append([]byte(nil), sorted[r.Intn(built)]...)}
			order[patternNear][i] = &etcdKeyIndex{key: append([]byte(nil), sorted[at]...)}
			at = (at + 1) % built
			s := i % interleavedStreams
			order[patternInterleaved][i] = &etcdKeyIndex{key: append([]byte(nil), sorted[streams[s]]...)}
			streams[s] = (streams[s] + 1) % built
		}
		sorted = nil
		runtime.GC()
		old := debug.SetGCPercent(-1)
		var raw, ratio [patterns][]float64
		for range lookupReps {
			for p := range order {
				ref := timeIt(referenceLoop)
				found := 0
				secs := timeIt(func() {
					for _, probe := range order[p] {
						if _, ok := btreeFind(t, probe); ok {
							found++
						}
					}
				})
				if found != probes {
					panic("calibrate: a lookup missed a key that is in the tree")
				}
				refs = append(refs, ref)
				raw[p] = append(raw[p], secs)
				ratio[p] = append(ratio[p], secs/max(ref, 1e-9))
			}
		}
		debug.SetGCPercent(old)
		refMed := median(refs)
		lp.keys = append(lp.keys, float64(built))
		for p := range order {
			lp.perGet[p] = append(lp.perGet[p], max(median(ratio[p])*refMed/float64(probes), 1e-10))
			lp.spreadRaw = max(lp.spreadRaw, spread(raw[p]))
			lp.spreadNorm = max(lp.spreadNorm, spread(ratio[p]))
		}
	}
	lp.refSecs = median(refs)
	runtime.KeepAlive(t)
	return lp, time.Since(start).Seconds()
}

// referenceSink keeps referenceLoop's result alive.
var referenceSink uint64

// referenceLoop is a fixed amount of CPU work on registers only (about 20 ms
// on the reference machine): a xorshift chain, each step depending on the
// last, so its time follows the core's clock and nothing else.
func referenceLoop() {
	x := uint64(88172645463325252)
	for i := 0; i < 20_000_000; i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	referenceSink += x
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// spread is (max - min) / median.
func spread(xs []float64) float64 {
	m := median(xs)
	if !(m > 0) {
		return 0
	}
	lo, hi := xs[0], xs[0]
	for _, x := range xs {
		lo, hi = min(lo, x), max(hi, x)
	}
	return (hi - lo) / m
}
