// Package restoresim replays etcd's restoreIntoIndex (server/storage/mvcc
// kvstore.go, the same loop in 3.5, 3.6 and 3.7) on the order in which a
// db's revisions are restored (mvcc.RestoreOrder), and counts what the
// startup costs are made of: key-cache hits and misses, the treeIndex Gets
// (one per miss), the inserts of new keys, the cache evictions, and where
// each Get lands in key order relative to the Gets just before it (near:
// its B-tree path is in the CPU caches; far: it is not), and whether its
// key's index entry also lies next to a recently touched one in memory
// (sequential).
//
// Memory order matters as much as key order. restore allocates a key's
// keyIndex (with its key bytes, generation and revision slices) at the
// key's first revision, so index entries lie in memory in the order of
// first appearance, which is the key id here. When keys were created in
// key order (bulk creates, imports, a controller walking a range) the
// entries that are neighbours in the tree are neighbours in memory: a Get
// next to the one before it touches memory the CPU just loaded, and the
// GC marks the tree streaming through memory. In calibrate's heaps an
// etcd-shaped index of 1M keys built in key order costs 0.2 us a
// key-cache-missing revision and 0.6 ns of marking a live byte, against
// 4.3 us and 3.0 ns when built in random key order (measureRestoredLookup).
//
// restoreIntoIndex, per restored revision of key k:
//
//	ki, ok := kiCache[k]
//	if !ok && len(kiCache) >= restoreChunkKeys (10,000) { delete 10 entries in map order }
//	if !ok { if ki = idx.KeyIndex(k) (a Get); found { kiCache[k] = ki; ok = true } }
//	if !ok { ...; idx.Insert(ki); kiCache[k] = ki }
//
// Go's map order starts at a random place of a hash-ordered table, so the
// 10 entries deleted are arbitrary keys: the simulation deletes 10 chosen
// at random with a fixed seed, so its counts are reproducible. Once full,
// the cache drops to 9,991 keys on a miss and fills up again on the next 9
// misses: one eviction every 10 misses.
//
// It is a pure function of the order: no file, no clock.
package restoresim

import (
	"errors"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
)

const (
	// CacheKeys is restoreChunkKeys, the key cache's size.
	CacheKeys = 10000
	// EvictPerRound is how many entries a full cache drops on a miss.
	EvictPerRound = 10
	// DefaultRecent is how many recent tree accesses a Get is compared with.
	DefaultRecent = 16
	// DefaultNear is the distance in key rank, in the tree as it is when
	// the Get runs, within which a Get counts as near: etcd's treeIndex is
	// a google/btree of degree 32 (31 to 63 keys a node), so a key within
	// 64 of a key just looked up shares its leaf or its leaf's parent.
	// The same distance in key id (allocation order) makes a near Get
	// sequential: 64 keyIndexes of 64 B are one 4 KiB page.
	DefaultNear = 64
	// SizeBuckets bounds the tree sizes Gets are grouped by (log2).
	SizeBuckets = 33
)

// Options tunes the locality classes and the eviction's random choice.
type Options struct {
	Recent int    // recent tree accesses compared (default DefaultRecent)
	Near   uint64 // near distance in current key rank and in key id (default DefaultNear)
	Seed   uint64 // seed of the eviction choice
}

// Class is where a Get lands.
type Class int

const (
	// Near: within Near keys in key order of a recent Get (its path is in
	// the CPU caches), but its index entry is not near theirs in memory.
	Near Class = iota
	// Far: not near a recent Get in key order.
	Far
	// Seq (sequential): near a recent Get both in key order and in key id
	// (allocation order): the tree path, the index entry and its
	// neighbours in memory were all just touched.
	Seq
	classes
)

// Counts is what the replay counted.
type Counts struct {
	Revisions uint64 // restored revisions replayed
	Keys      uint64 // distinct keys (inserts)
	Hits      uint64 // revisions whose key was in the cache
	Misses    uint64 // the others: each one a treeIndex Get
	// GetsFound are Gets of a key already in the tree (a later revision
	// whose key had been evicted); the other misses are a key's first
	// revision, whose Get finds nothing and which is then inserted.
	GetsFound uint64
	// EvictionRounds are misses on a full cache, each deleting
	// EvictPerRound entries.
	EvictionRounds uint64
	// MissesFull are the misses once the cache has first filled: each one
	// pays its share of an eviction round (one round every EvictPerRound
	// misses) and a map insert into a map of CacheKeys entries.
	MissesFull     uint64
	Near, Far, Seq uint64 // Gets by Class
	// SeqInserts are first revisions whose Get was sequential: the key is
	// inserted next to the key inserted or looked up just before it (at
	// the right edge of the tree when keys are created in key order).
	SeqInserts uint64
	// BySize[c][b] counts the Gets of class c run in a tree of 2^b to
	// 2^(b+1)-1 keys (b = 0 for an empty tree).
	BySize [classes][SizeBuckets]uint64
}

// Gets is the number of treeIndex Gets (one per cache miss).
func (c Counts) Gets() uint64 { return c.Misses }

// ErrBadOrder is returned when the order is not one mvcc.RestoreOrder
// could have made.
var ErrBadOrder = errors.New("restore order is inconsistent")

// cache is the key cache: the keys in it, in no order, and one bit per
// key id saying whether it is in (a bitmap rather than each key's place:
// nothing looks a key's place up, and at one bit a key the membership test
// of every revision stays in the CPU caches).
type cache struct {
	keys []uint32
	in   []uint64
}

func (c *cache) has(k uint32) bool { return c.in[k>>6]&(1<<(k&63)) != 0 }

func (c *cache) add(k uint32) {
	c.in[k>>6] |= 1 << (k & 63)
	c.keys = append(c.keys, k)
}

// drop removes the key at place i.
func (c *cache) drop(i int) {
	k := c.keys[i]
	c.keys[i] = c.keys[len(c.keys)-1]
	c.keys = c.keys[:len(c.keys)-1]
	c.in[k>>6] &^= 1 << (k & 63)
}

// Simulate replays keys (the key id of every restored revision, ids
// numbered by first appearance) with ranks (each key's place in key
// order). It fails with ErrBadOrder when a key id skips ahead of the
// next new one or has no rank. It is Replay then Misses.Classify.
func Simulate(keys, ranks []uint32, opt Options) (Counts, error) {
	m, err := Replay(keys, len(ranks), opt)
	if err != nil {
		return m.counts, err
	}
	return m.Classify(ranks)
}

// Misses is the key cache's replay of an order (Replay): which revisions
// missed, and the counts that need no rank.
type Misses struct {
	keys  []uint32
	nKeys int
	opt   Options
	// miss has a bit per revision: set when it missed the cache.
	miss []uint64
	// inTree[b] is the number of keys in the tree before revision
	// b*blockRevs (the key ids are numbered by first appearance).
	inTree []uint32
	counts Counts
}

// blockRevs is how often Replay notes the keys in the tree: Classify
// splits the revisions at these places.
var blockRevs = 1 << 16

// Replay runs the key cache of restoreIntoIndex over keys, for an order of
// nKeys keys: everything of the simulation that does not depend on the
// keys' ranks, so that it can run before they are known. Its result is
// exact: Classify completes the counts Simulate gives.
func Replay(keys []uint32, nKeys int, opt Options) (*Misses, error) {
	if opt.Recent <= 0 {
		opt.Recent = DefaultRecent
	}
	if opt.Near == 0 {
		opt.Near = DefaultNear
	}
	m := &Misses{keys: keys, nKeys: nKeys, opt: opt, miss: make([]uint64, (len(keys)+63)/64)}
	c := &m.counts
	n := uint64(nKeys)
	ca := cache{keys: make([]uint32, 0, CacheKeys), in: make([]uint64, (nKeys+63)/64)}
	rng := rand.New(rand.NewPCG(opt.Seed, 0x5eed))
	full := false
	var inTree uint64
	m.inTree = make([]uint32, 0, len(keys)/blockRevs+1)
	for i, k := range keys {
		if i%blockRevs == 0 {
			m.inTree = append(m.inTree, uint32(inTree))
		}
		if uint64(k) > inTree || uint64(k) >= n {
			return m, fmt.Errorf("%w: revision %d has key %d with %d keys seen and %d ranked", ErrBadOrder, i, k, inTree, n)
		}
		c.Revisions++
		if ca.has(k) {
			c.Hits++
			continue
		}
		c.Misses++
		m.miss[i>>6] |= 1 << (i & 63)
		if len(ca.keys) >= CacheKeys {
			full = true
			c.EvictionRounds++
			for range EvictPerRound {
				ca.drop(rng.IntN(len(ca.keys)))
			}
		}
		if full {
			c.MissesFull++
		}
		if uint64(k) == inTree {
			inTree++
		}
		ca.add(k)
	}
	return m, nil
}

// Classify completes the simulation with the keys' ranks (as many as
// Replay was told): where each Get lands. The misses are classified in
// parallel, one part of the revisions per core, each part starting from
// the recent Gets before it (found again through the miss bits): the
// counts are the same as one pass in order.
func (m *Misses) Classify(ranks []uint32) (Counts, error) {
	if len(ranks) != m.nKeys {
		return m.counts, fmt.Errorf("%w: %d ranks for %d keys", ErrBadOrder, len(ranks), m.nKeys)
	}
	blocks := len(m.inTree)
	parts := min(runtime.GOMAXPROCS(0), blocks)
	if parts <= 1 || len(m.keys) < 4*blockRevs { // too few to split
		c := m.counts
		m.classify(ranks, 0, blocks, &c)
		return c, nil
	}
	counts := make([]Counts, parts)
	var wg sync.WaitGroup
	for p := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.classify(ranks, p*blocks/parts, (p+1)*blocks/parts, &counts[p])
		}()
	}
	wg.Wait()
	c := m.counts
	for _, pc := range counts {
		c.add(&pc)
	}
	return c, nil
}

// add adds the counts Classify makes.
func (c *Counts) add(o *Counts) {
	c.GetsFound += o.GetsFound
	c.Keys += o.Keys
	c.Near += o.Near
	c.Far += o.Far
	c.Seq += o.Seq
	c.SeqInserts += o.SeqInserts
	for cl := range c.BySize {
		for b := range c.BySize[cl] {
			c.BySize[cl][b] += o.BySize[cl][b]
		}
	}
}

// classify counts where the Gets of the misses of blocks lo to hi land,
// into c. The misses' ranks are gathered a batch at a time, in a loop of
// loads that do not wait for each other: a key's rank is a random read in
// an array of 4 bytes a key (12 MB for 3M keys, past the CPU caches), and
// read one at a time between the comparisons each would wait its full
// latency.
func (m *Misses) classify(ranks []uint32, lo, hi int, c *Counts) {
	start, end := lo*blockRevs, min(hi*blockRevs, len(m.keys))
	if start >= end {
		return
	}
	recent := m.recentBefore(ranks, start)
	next := 0 // the oldest entry of recent once it is full
	n := uint64(m.nKeys)
	inTree := uint64(m.inTree[lo])
	const batch = 256
	var at [batch]int
	var gets [batch]access
	nb := 0
	flush := func() {
		for j, i := range at[:nb] {
			k := m.keys[i]
			gets[j] = access{rank: ranks[k], id: k}
		}
		for _, a := range gets[:nb] {
			cl := classify(recent, a, inTree, n, m.opt.Near)
			c.BySize[cl][sizeBucket(inTree)]++
			switch cl {
			case Near:
				c.Near++
			case Far:
				c.Far++
			case Seq:
				c.Seq++
			}
			if len(recent) < m.opt.Recent {
				recent = append(recent, a)
			} else {
				recent[next] = a
				next = (next + 1) % m.opt.Recent
			}
			if uint64(a.id) < inTree {
				c.GetsFound++
			} else {
				inTree++
				c.Keys++
				if cl == Seq {
					c.SeqInserts++
				}
			}
		}
		nb = 0
	}
	for w := start >> 6; w <= (end-1)>>6; w++ {
		bitsLeft := m.miss[w]
		if w == start>>6 {
			bitsLeft &^= 1<<(start&63) - 1
		}
		if w == (end-1)>>6 && end&63 != 0 {
			bitsLeft &= 1<<(end&63) - 1
		}
		for bitsLeft != 0 {
			at[nb] = w<<6 | bits.TrailingZeros64(bitsLeft)
			bitsLeft &= bitsLeft - 1
			if nb++; nb == batch {
				flush()
			}
		}
	}
	flush()
}

// recentBefore is the last opt.Recent Gets (misses) before revision i,
// oldest first: the ring classify's loop replaces from its start.
func (m *Misses) recentBefore(ranks []uint32, i int) []access {
	recent := make([]access, 0, m.opt.Recent)
	for w := (i - 1) >> 6; w >= 0 && len(recent) < m.opt.Recent; w-- {
		b := m.miss[w]
		if w == i>>6 {
			b &= 1<<(i&63) - 1
		}
		for b != 0 && len(recent) < m.opt.Recent {
			j := w<<6 | (63 - bits.LeadingZeros64(b))
			b &^= 1 << (j & 63)
			k := m.keys[j]
			recent = append(recent, access{rank: ranks[k], id: k})
		}
	}
	slices.Reverse(recent)
	return recent
}

// access is one tree access: the key's final rank and its id.
type access struct{ rank, id uint32 }

func dist(a, b uint32) uint64 {
	if a > b {
		return uint64(a - b)
	}
	return uint64(b - a)
}

// classify is Near when a recent access is within near keys of a's rank in
// the tree as it is now (final ranks are scaled by the share of the keys
// already in it, inTree of n), and Seq when such an access is also within
// near of a's id (allocation order, which needs no scaling).
func classify(recent []access, a access, inTree, n, near uint64) Class {
	if len(recent) == 0 || n == 0 {
		return Far
	}
	// A recent access at rank distance d > near is not near when
	// d x inTree / n > near (in float64, without overflow), that is when d
	// passes t = near x n / inTree. The float expression is evaluated
	// only within 2 of t, where rounding could decide; further away the
	// comparison with t gives its answer (its rounding is below 1e-4 for
	// any uint32 distances and counts).
	fin, fn, fnear := float64(inTree), float64(n), float64(near)
	t := fnear * fn / fin // +Inf for an empty tree: nothing is far
	lo, hi := t-2, t+2
	cl := Far
	for _, x := range recent {
		if d := dist(a.rank, x.rank); d > near {
			fd := float64(d)
			if fd >= hi || fd > lo && fd*fin/fn > fnear {
				continue
			}
		}
		if dist(a.id, x.id) <= near {
			return Seq
		}
		cl = Near
	}
	return cl
}

// sizeBucket is floor(log2 n), 0 for n < 2.
func sizeBucket(n uint64) int {
	if n < 2 {
		return 0
	}
	return min(bits.Len64(n)-1, SizeBuckets-1)
}

// BucketKeys is the tree size a bucket stands for: the geometric middle
// of 2^b and 2^(b+1).
func BucketKeys(b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(uint64(1)<<b) * 1.4142135623730951
}
