package restoresim

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
)

func seq(lo, hi uint32) []uint32 {
	var s []uint32
	for k := lo; k < hi; k++ {
		s = append(s, k)
	}
	return s
}

// identity ranks: key id order is key order.
func identity(n int) []uint32 { return seq(0, uint32(n)) }

func TestSimulateHandSequences(t *testing.T) {
	type want struct {
		hits, misses, found, keys, rounds, full, near, far, seq, seqIns uint64
	}
	bursts := make([]uint32, 100) // key 0, 100 times
	cases := []struct {
		name  string
		keys  []uint32
		ranks []uint32
		want  want
		size  map[[2]int]uint64 // {class, bucket} -> Gets
		opt   Options
	}{
		{
			// 0 new (far: nothing before), 1 new (1 from 0 in rank and
			// id: sequential), 0 hit, 2 new (sequential).
			name: "small", keys: []uint32{0, 1, 0, 2}, ranks: identity(3),
			want: want{hits: 1, misses: 3, keys: 3, far: 1, seq: 2, seqIns: 2},
			size: map[[2]int]uint64{{int(Far), 0}: 1, {int(Seq), 0}: 1, {int(Seq), 1}: 1},
		},
		{
			// ranks 0, 1000, 1: the second Get is 1000 from the first in a
			// tree of 1 key of 1001: scaled 0.99, near; so is the third.
			name: "scaled", keys: []uint32{0, 1, 2}, ranks: append([]uint32{0, 1000, 1}, seq(2, 1000)...),
			want: want{misses: 3, keys: 3, far: 1, seq: 2, seqIns: 2},
		},
		{
			name: "burst", keys: bursts, ranks: identity(1),
			want: want{hits: 99, misses: 1, keys: 1, far: 1},
		},
		{
			// 10,011 new keys: the cache fills at 10,000; the 10,001st evicts
			// (9,991 left, then 9,992), the next 9 fill it, the 10,011th
			// evicts; the last 11 misses are on a full cache.
			name: "fill and evict", keys: seq(0, 10011), ranks: identity(10011),
			want: want{misses: 10011, keys: 10011, rounds: 2, full: 11, far: 1, seq: 10010, seqIns: 10010},
		},
		{
			// descending key order is as near as ascending.
			name: "descending", keys: seq(0, 500), ranks: func() []uint32 {
				r := make([]uint32, 500)
				for i := range r {
					r[i] = uint32(499 - i)
				}
				return r
			}(),
			want: want{misses: 500, keys: 500, far: 1, seq: 499, seqIns: 499},
		},
		{
			// Near 1 (in rank and id), 21 keys ranked: 0 far; 1 at rank 10
			// is 10 x 1/21 = 0.48 from rank 0 in a tree of 1 key, and 1
			// from id 0: sequential; 2 at rank 20 is 10 x 2/21 = 0.95 from
			// rank 10, id 1 from 1: sequential; 3 at rank 1 is 1 from rank
			// 0 but 3 from its id (and 9 x 3/21 = 1.29 from rank 10): near,
			// not sequential.
			name: "near in rank, far in memory", keys: seq(0, 4), ranks: append([]uint32{0, 10, 20, 1}, append(seq(2, 10), seq(11, 20)...)...),
			opt:  Options{Near: 1},
			want: want{misses: 4, keys: 4, far: 1, near: 1, seq: 2, seqIns: 2},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Simulate(tc.keys, tc.ranks, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			got := want{c.Hits, c.Misses, c.GetsFound, c.Keys, c.EvictionRounds, c.MissesFull, c.Near, c.Far, c.Seq, c.SeqInserts}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			if c.Revisions != uint64(len(tc.keys)) || c.Hits+c.Misses != c.Revisions || c.Near+c.Far+c.Seq != c.Gets() {
				t.Errorf("counts do not add up: %+v", c)
			}
			for k, n := range tc.size {
				if c.BySize[k[0]][k[1]] != n {
					t.Errorf("class %d bucket %d: %d Gets, want %d", k[0], k[1], c.BySize[k[0]][k[1]], n)
				}
			}
		})
	}
}

// After the cache is full, every key once more: exactly 9,991 of the
// 10,000 old keys are still cached when the second pass starts (one
// eviction by key 10,000); each miss of the second pass is a Get that
// finds its key.
func TestSimulateSecondPass(t *testing.T) {
	keys := append(seq(0, 10001), seq(0, 10000)...)
	c, err := Simulate(keys, identity(10001), Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if c.Keys != 10001 || c.GetsFound != c.Misses-10001 {
		t.Fatalf("%+v", c)
	}
	// The second pass misses at least the 10 evicted keys; each miss
	// adds a key, and every 10th on a full cache evicts 10 more, some of
	// them keys not yet revisited: the misses stay a small share.
	if c.GetsFound < 10 || c.GetsFound > 200 {
		t.Errorf("second pass: %d misses, want 10..200", c.GetsFound)
	}
	if c.Hits != 20001-c.Misses {
		t.Errorf("hits %d, misses %d", c.Hits, c.Misses)
	}
}

// Uniform random rewrites of 100,000 keys: the cache holds ~10,000 of
// them, so a rewrite hits with probability ~0.1; Gets are far but for
// chance neighbours (16 recent keys x 128 of 100,000: 2%) and the small
// tree of the first inserts.
func TestSimulateUniform(t *testing.T) {
	const n = 100000
	rng := rand.New(rand.NewPCG(1, 2))
	perm := rng.Perm(n)
	ranks := make([]uint32, n)
	for i, p := range perm {
		ranks[i] = uint32(p)
	}
	keys := seq(0, n)
	for range 4 * n {
		keys = append(keys, uint32(rng.IntN(n)))
	}
	c, err := Simulate(keys, ranks, Options{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	later := uint64(4 * n)
	rate := float64(later-c.GetsFound) / float64(later)
	if rate < 0.09 || rate > 0.11 {
		t.Errorf("rewrite hit rate %.3f, want ~0.1", rate)
	}
	if share := float64(c.Near+c.Seq) / float64(c.Gets()); share > 0.05 {
		t.Errorf("near share %.3f on uniform random keys", share)
	}
	again, _ := Simulate(keys, ranks, Options{Seed: 3})
	if again != c {
		t.Error("same seed, different counts")
	}
}

// Interleaved ascending streams: with as many streams as recent accesses
// every Get is near a recent one; with many more streams, the keys of a
// stream are far apart in the tree once it holds many keys of each.
func TestSimulateInterleaved(t *testing.T) {
	for _, tc := range []struct {
		streams, per int
		nearMin      float64
		nearMax      float64
	}{
		{8, 5000, 0.99, 1},
		{200, 2000, 0, 0.1},
	} {
		n := tc.streams * tc.per
		ranks := make([]uint32, n)
		var keys []uint32
		for j := range tc.per {
			for s := range tc.streams {
				id := uint32(len(keys))
				ranks[id] = uint32(s*tc.per + j)
				keys = append(keys, id)
			}
		}
		c, err := Simulate(keys, ranks, Options{})
		if err != nil {
			t.Fatal(err)
		}
		// Each key is created 'streams' ids after the one before it in
		// its stream: sequential when that is within 64 ids.
		share := float64(c.Near+c.Seq) / float64(c.Gets())
		if share < tc.nearMin || share > tc.nearMax {
			t.Errorf("%d streams: near share %.3f, want %.2f..%.2f", tc.streams, share, tc.nearMin, tc.nearMax)
		}
		if tc.streams <= DefaultNear && c.Near != 0 {
			t.Errorf("%d streams: %d near Gets not sequential", tc.streams, c.Near)
		}
	}
}

// Keys created in random key order, then each rewritten once in key
// order: the rewrites' Gets are near in rank (the next key) but their
// index entries were allocated at random places: near, not sequential,
// but for chance neighbours in id (16 recent x 129 of 50,000: ~4%).
func TestSimulateAscendingOverRandomCreates(t *testing.T) {
	const n = 50000
	rng := rand.New(rand.NewPCG(5, 6))
	byRank := make([]uint32, n) // id at each rank
	ranks := make([]uint32, n)
	for r, id := range rng.Perm(n) {
		byRank[r], ranks[id] = uint32(id), uint32(r)
	}
	keys := append(seq(0, n), byRank...)
	c, err := Simulate(keys, ranks, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if c.GetsFound < n*8/10 {
		t.Fatalf("%d of %d rewrites missed the cache, want most", c.GetsFound, n)
	}
	// The creates are far (random ranks) but in the small tree at the
	// start, where they are sequential (and counted as sequential
	// inserts); the rest of the sequential Gets are rewrites.
	if c.SeqInserts > c.Seq {
		t.Fatalf("sequential inserts %d > sequential Gets %d", c.SeqInserts, c.Seq)
	}
	seqRewrites := c.Seq - c.SeqInserts
	if float64(c.Near) < 0.9*float64(c.GetsFound) || float64(seqRewrites) > 0.06*float64(c.GetsFound) {
		t.Errorf("rewrites in key order of keys created at random: near %d, sequential %d of %d found", c.Near, seqRewrites, c.GetsFound)
	}
}

func TestSimulateBadOrder(t *testing.T) {
	for _, tc := range []struct {
		keys, ranks []uint32
	}{
		{[]uint32{1}, identity(2)},    // skips key 0
		{[]uint32{0, 1}, identity(1)}, // no rank for key 1
		{[]uint32{0, 2}, identity(3)},
	} {
		if _, err := Simulate(tc.keys, tc.ranks, Options{}); !errors.Is(err, ErrBadOrder) {
			t.Errorf("%v: err %v, want ErrBadOrder", tc.keys, err)
		}
	}
	if c, err := Simulate(nil, nil, Options{}); err != nil || c != (Counts{}) {
		t.Errorf("empty: %+v %v", c, err)
	}
}

// TestSimulateAsReference replays random orders with Simulate and with the
// first implementation kept below (each key's place in the cache, the
// float comparison for every recent access): every count must be equal.
func TestSimulateAsReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for _, tc := range []struct {
		keys, revisions int
		near            uint64
		recent          int
	}{
		{1, 10, 0, 0}, {100, 1000, 0, 0}, {5000, 20000, 3, 4},
		{30000, 120000, 0, 0}, {40000, 100000, 1000, 32}, {25000, 200000, 64, 16},
	} {
		ranks := rng.Perm(tc.keys)
		rk := make([]uint32, len(ranks))
		for i, r := range ranks {
			rk[i] = uint32(r)
		}
		keys := make([]uint32, 0, tc.revisions)
		next := uint32(0)
		for range tc.revisions {
			switch {
			case next < uint32(tc.keys) && (next == 0 || rng.IntN(3) == 0):
				keys = append(keys, next)
				next++
			case rng.IntN(2) == 0: // a recent key: cache hits and near ranks
				keys = append(keys, next-1-uint32(rng.IntN(int(min(next, 50)))))
			default:
				keys = append(keys, uint32(rng.IntN(int(next))))
			}
		}
		opt := Options{Recent: tc.recent, Near: tc.near, Seed: uint64(tc.keys)}
		want, werr := simulateReference(keys, rk, opt)
		// Classify in parts of 1 to 9 blocks of 1000 to 2^16 revisions,
		// from 1 to 7 goroutines: the parts start from the misses before
		// them, and must count as one pass does.
		for _, bp := range [][2]int{{1 << 16, 0}, {1000, 0}, {1000, 1}, {4096, 2}, {777, 3}, {1 << 16, 7}, {64, 4}} {
			blockRevs = bp[0]
			var got Counts
			var err error
			if bp[1] == 0 {
				got, err = Simulate(keys, rk, opt)
			} else {
				var m *Misses
				if m, err = Replay(keys, len(rk), opt); err == nil {
					got = m.counts
					blocks := len(m.inTree)
					for p := range bp[1] {
						var pc Counts
						m.classify(rk, p*blocks/bp[1], (p+1)*blocks/bp[1], &pc)
						got.add(&pc)
					}
				}
			}
			if err != nil || werr != nil || got != want {
				t.Errorf("%d keys, %d revisions, blocks of %d in %d parts: Simulate %+v, %v\nreference %+v, %v", tc.keys, tc.revisions, bp[0], bp[1], got, err, want, werr)
			}
		}
		blockRevs = 1 << 16
		if want.EvictionRounds == 0 && tc.keys > CacheKeys {
			t.Errorf("%d keys: no eviction: the case does not test one", tc.keys)
		}
	}
}

// simulateReference is Simulate as first written (issue 14).
func simulateReference(keys, ranks []uint32, opt Options) (Counts, error) {
	if opt.Recent <= 0 {
		opt.Recent = DefaultRecent
	}
	if opt.Near == 0 {
		opt.Near = DefaultNear
	}
	var c Counts
	n := uint64(len(ranks))
	keysIn, pos := make([]uint32, 0, CacheKeys), make([]int32, len(ranks))
	for i := range pos {
		pos[i] = -1
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 0x5eed))
	recent := make([]access, 0, opt.Recent)
	full, next := false, 0
	var inTree uint64
	for i, k := range keys {
		if uint64(k) > inTree || uint64(k) >= n {
			return c, fmt.Errorf("%w: revision %d", ErrBadOrder, i)
		}
		c.Revisions++
		if pos[k] >= 0 {
			c.Hits++
			continue
		}
		c.Misses++
		if len(keysIn) >= CacheKeys {
			full = true
			c.EvictionRounds++
			for range EvictPerRound {
				j := rng.IntN(len(keysIn))
				dk, last := keysIn[j], keysIn[len(keysIn)-1]
				keysIn[j] = last
				pos[last] = int32(j)
				keysIn = keysIn[:len(keysIn)-1]
				pos[dk] = -1
			}
		}
		if full {
			c.MissesFull++
		}
		a := access{rank: ranks[k], id: k}
		cl := Far
		if len(recent) > 0 {
			for _, x := range recent {
				d := dist(a.rank, x.rank)
				if d > opt.Near && float64(d)*float64(inTree)/float64(n) > float64(opt.Near) {
					continue
				}
				if dist(a.id, x.id) <= opt.Near {
					cl = Seq
					break
				}
				cl = Near
			}
		}
		c.BySize[cl][sizeBucket(inTree)]++
		switch cl {
		case Near:
			c.Near++
		case Far:
			c.Far++
		case Seq:
			c.Seq++
		}
		if len(recent) < opt.Recent {
			recent = append(recent, a)
		} else {
			recent[next] = a
			next = (next + 1) % opt.Recent
		}
		if uint64(k) < inTree {
			c.GetsFound++
		} else {
			inTree++
			c.Keys++
			if cl == Seq {
				c.SeqInserts++
			}
		}
		pos[k] = int32(len(keysIn))
		keysIn = append(keysIn, k)
	}
	return c, nil
}
