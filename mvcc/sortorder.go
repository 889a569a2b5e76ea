package mvcc

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"slices"
	"sort"
	"strings"
)

// The restore order (RestoreOrder) from the sorted pass. The key table's
// way (orderRecorder: a hash table of every key and every name while the
// bucket streams) took the peak RSS of a 1.5M-key db from 156 to 406 MB.
// The sorted pass already tells keys apart, so the order is built from
// its results, in three steps that each hold little:
//
//  1. While the bucket streams, one byte per restored pair: its partition
//     (orderTags.seq). Each partition's records arrive in bucket order, so
//     the j-th record of partition q is the pair at the j-th q in seq.
//  2. Each partition is sorted with its records' places in bucket order
//     carried along (sortRecs' idx); the replay gives each key's run a
//     slot (the key's number in replay order) and writes it at its
//     records' places (tags). Once the records are freed, one walk of seq
//     turns the tags into RestoreOrder.Keys, renumbering the slots by first
//     appearance.
//  3. The names are read again with the top keys' (one read of the key
//     bucket, after the records are freed): a key's name at its first
//     revision, without the prefix its cluster of prefix rows shares
//     (below). Keys are grouped by cluster as they are read, with the first
//     16 bytes of that suffix beside them, and each cluster is sorted on
//     its own: the clusters are in byte order, so a key's rank is its
//     cluster's start plus its place in the cluster.
//
// A cluster is a run of prefix rows whose labels, in byte order, all start
// with the first one's: every key of a cluster starts with its label, and
// the labels of two clusters differ before the end of the first, so every
// key of one cluster sorts before every key of the next. The keys of rows
// whose label is not a prefix of their keys (NoPrefix, and the keys
// outside Options.Filter) are kept whole, sorted apart, and merged in by
// binary search: there are few of them (kube-apiserver's compact_rev_key).

// orderTags is step 1 and 2's state. seq and rows grow in chunks, so
// that growing them leaves no garbage behind (a doubling slice leaves
// copies the garbage collector lets the heap grow over).
type orderTags struct {
	seq  [][]byte            // partition of each restored pair, in bucket order
	tags [sortParts][]uint32 // by partition, by bucket order: the slot of the pair's key
	rows [][]uint32          // by slot: the key's prefix row
	nseq int
	nrow int
	hash uint64 // of the restored revisions, in order (revHash)
	// bad are the places among the bucket's pairs of those the scan did
	// not restore, ascending: the second read skips them.
	bad []uint64
	// keysReady, when not nil, is ScanHooks.OrderKeys.
	keysReady func(keys []uint32, nKeys int)
}

const (
	seqChunk = 1 << 16
	rowChunk = 1 << 14
)

// revHash folds one restored revision into h: the re-read checks that it
// meets the same revisions in the same order.
func revHash(h uint64, rev Revision) uint64 {
	h ^= uint64(rev.Main) * 0x9e3779b97f4a7c15
	h = (h<<29 | h>>35) * 0xbf58476d1ce4e5b9
	h ^= uint64(rev.Sub) * 0x94d049bb133111eb
	return h
}

func (o *orderTags) add(part int, rev Revision) {
	if o.nseq%seqChunk == 0 {
		o.seq = append(o.seq, make([]byte, 0, seqChunk))
	}
	c := &o.seq[len(o.seq)-1]
	*c = append(*c, byte(part))
	o.nseq++
	o.hash = revHash(o.hash, rev)
}

// slot numbers a new key (a run of the replay) of prefix row row.
func (o *orderTags) slot(row uint32) uint32 {
	if o.nrow%rowChunk == 0 {
		o.rows = append(o.rows, make([]uint32, 0, rowChunk))
	}
	c := &o.rows[len(o.rows)-1]
	*c = append(*c, row)
	o.nrow++
	return uint32(o.nrow - 1)
}

// orderSeen marks a slot renumbered in keys (rows and ids are below it).
const orderSeen = 1 << 31

// keys turns the tags into the keys of the restored pairs numbered by
// first appearance, and returns the prefix row of each key by that number.
// The tags are spent.
func (o *orderTags) keys() (keys, rowOf []uint32) {
	keys = make([]uint32, 0, o.nseq)
	rowOf = make([]uint32, o.nrow)
	var at [sortParts]int
	next := uint32(0)
	for _, c := range o.seq {
		for _, q := range c {
			s := o.tags[q][at[q]]
			at[q]++
			row := &o.rows[s/rowChunk][s%rowChunk] // the row until seen, then orderSeen | the id
			v := *row
			if v&orderSeen == 0 {
				rowOf[next] = v
				v = next | orderSeen
				*row = v
				next++
			}
			keys = append(keys, v&^orderSeen)
		}
	}
	o.seq, o.tags, o.rows = nil, [sortParts][]uint32{}, nil
	return keys, rowOf
}

// orderNames is step 3's state: the keys by cluster, and what sorts them.
type orderNames struct {
	keys   []uint32  // RestoreOrder.Keys
	rowOf  []uint32  // by key id: its prefix row (then its rank)
	row    []rowInfo // by row
	clabel []string  // by cluster: its label
	end    []uint32  // by cluster: where its keys end in items (then start, while filling)
	items  []nameItem
	tails  [][]byte // suffixes past their first 16 bytes, each after its length (uvarint), in chunks
	free   []freeKey
	names  []byte // the names of free, back to back
	named  uint32 // keys named so far (add)
	fail   string // why there is no order (add, order)
	// The reader's side (next), which may run on a goroutine of its own.
	pos   int    // restored pairs seen
	found uint32 // new keys found
	hash  uint64
	rfail string
}

// rowInfo is a prefix row's cluster (-1: the row has no label) and the
// length of the cluster's label.
type rowInfo struct {
	c     int32
	depth uint32
}

// nameItem is a key of a cluster: the first 16 bytes of its suffix past
// the cluster's label, big-endian and zero-padded, its id, and ref: how
// many of the 16 bytes it has, or, with itemTail set, where the rest of a
// longer suffix is in tails (chunk << tailChunkBits | offset).
type nameItem struct {
	k1, k2 uint64
	id     uint32
	ref    uint32
}

const (
	itemTail      = 1 << 31
	tailChunkBits = 20
	tailChunk     = 1 << tailChunkBits
)

// n is how many of the first 16 bytes the suffix has.
func (it *nameItem) n() uint32 {
	if it.ref&itemTail != 0 {
		return 16
	}
	return it.ref
}

// freeKey is a key whose row has no label: its whole name is kept.
type freeKey struct {
	id       uint32
	off, end uint32 // in orderNames.names
}

// newOrderNames prepares step 3 from the keys and rows of step 2 and the
// prefix rows' labels ("" with labeled false: none).
func newOrderNames(keys, rowOf []uint32, rowLabels []string, labeled []bool) *orderNames {
	on := &orderNames{keys: keys, rowOf: rowOf}
	nr := len(rowLabels)
	used := make([]bool, nr)
	for _, r := range rowOf {
		used[r] = true
	}
	var byLabel []uint32
	for r := range nr {
		if used[r] && labeled[r] {
			byLabel = append(byLabel, uint32(r))
		}
	}
	slices.SortFunc(byLabel, func(a, b uint32) int { return strings.Compare(rowLabels[a], rowLabels[b]) })
	on.row = make([]rowInfo, nr)
	for r := range on.row {
		on.row[r].c = -1
	}
	for _, r := range byLabel {
		l := rowLabels[r]
		if len(on.clabel) == 0 || !strings.HasPrefix(l, on.clabel[len(on.clabel)-1]) {
			on.clabel = append(on.clabel, l)
		}
		on.row[r] = rowInfo{c: int32(len(on.clabel) - 1), depth: uint32(len(on.clabel[len(on.clabel)-1]))}
	}
	// end[c] starts as where cluster c starts; add moves it on.
	on.end = make([]uint32, len(on.clabel)+1)
	labeledKeys := 0
	for _, r := range rowOf {
		if c := on.row[r].c; c >= 0 {
			on.end[c+1]++
			labeledKeys++
		}
	}
	for c := 1; c < len(on.end); c++ {
		on.end[c] += on.end[c-1]
	}
	on.end = on.end[:len(on.clabel)]
	on.items = make([]nameItem, labeledKeys)
	return on
}

// next takes the next restored pair's revision, and says whether it is a
// new key's first: then add must take its name.
func (on *orderNames) next(rev Revision) bool {
	if on.rfail != "" {
		return false
	}
	on.hash = revHash(on.hash, rev)
	i := on.pos
	on.pos++
	if i >= len(on.keys) {
		on.rfail = "the key bucket holds more revisions than when it was read"
		return false
	}
	if on.keys[i] != on.found {
		return false
	}
	on.found++
	return true
}

// add takes the name of the new key next found.
func (on *orderNames) add(name []byte) {
	id := on.named
	on.named++
	ri := on.row[on.rowOf[id]]
	if ri.c < 0 {
		if uint64(len(on.names))+uint64(len(name)) >= 1<<32 {
			on.fail = "over 4 GiB of key names"
			return
		}
		off := uint32(len(on.names))
		on.names = append(on.names, name...)
		on.free = append(on.free, freeKey{id: id, off: off, end: uint32(len(on.names))})
		return
	}
	// The row's label was cut from this very name by rowOf, and the
	// cluster's is a prefix of the row's: only the length is checked
	// (comparing the bytes cost 10% of the report).
	if uint64(len(name)) < uint64(ri.depth) {
		on.fail = "a key is shorter than its prefix row"
		return
	}
	suf := name[ri.depth:]
	it := nameItem{id: id, ref: uint32(min(len(suf), 16))}
	var b [16]byte
	copy(b[:], suf)
	it.k1, it.k2 = binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
	if len(suf) > 16 {
		tail := suf[16:]
		need := binary.MaxVarintLen64 + len(tail)
		if len(on.tails) == 0 || len(on.tails[len(on.tails)-1])+need > cap(on.tails[len(on.tails)-1]) {
			if len(on.tails) == itemTail>>tailChunkBits {
				on.fail = "over 2 GiB of key names past their first 16 bytes"
				return
			}
			// A tail longer than a chunk gets one of its own, at offset 0.
			on.tails = append(on.tails, make([]byte, 0, max(tailChunk, need)))
		}
		c := &on.tails[len(on.tails)-1]
		it.ref = itemTail | uint32(len(on.tails)-1)<<tailChunkBits | uint32(len(*c))
		*c = binary.AppendUvarint(*c, uint64(len(tail)))
		*c = append(*c, tail...)
	}
	on.items[on.end[ri.c]] = it
	on.end[ri.c]++
}

// order ranks the keys and returns the order (nil when it failed: fail
// says why); hash is the streamed revisions' revHash.
func (on *orderNames) order(hash uint64) *RestoreOrder {
	switch {
	case on.fail != "":
	case on.rfail != "":
		on.fail = on.rfail
	case on.pos != len(on.keys) || on.hash != hash:
		on.fail = "the key bucket changed between its reads"
	case int(on.named) != len(on.rowOf):
		on.fail = "keys were missed on the second read"
	}
	if on.fail != "" {
		return nil
	}
	// end[c] is now where cluster c ends, and the next one starts. The
	// clusters are sorted apart: those holding the first half of the keys
	// on a goroutine of their own, the rest on this one.
	sortClusters := func(from, to int) {
		var scratch []nameItem
		lo := uint32(0)
		if from > 0 {
			lo = on.end[from-1]
		}
		for _, hi := range on.end[from:to] {
			scratch = on.sortItems(on.items[lo:hi], scratch)
			lo = hi
		}
	}
	half := sort.Search(len(on.end), func(c int) bool { return on.end[c] >= uint32(len(on.items)/2) })
	done := make(chan struct{})
	go func() {
		defer close(done)
		sortClusters(0, half)
	}()
	sortClusters(half, len(on.end))
	<-done
	// The free keys, by name, and how many labeled keys sort before each.
	slices.SortFunc(on.free, func(a, b freeKey) int {
		return bytes.Compare(on.names[a.off:a.end], on.names[b.off:b.end])
	})
	before := make([]uint32, len(on.free))
	for j, f := range on.free {
		before[j] = on.labeledBefore(on.names[f.off:f.end])
	}
	ranks := on.rowOf // the rows are spent
	j := 0
	for p, it := range on.items {
		for j < len(on.free) && before[j] <= uint32(p) {
			ranks[on.free[j].id] = before[j] + uint32(j)
			j++
		}
		ranks[it.id] = uint32(p + j)
	}
	for ; j < len(on.free); j++ {
		ranks[on.free[j].id] = before[j] + uint32(j)
	}
	o := &RestoreOrder{Keys: on.keys, Ranks: ranks}
	*on = orderNames{}
	return o
}

// labeledBefore is how many keys of the clusters sort before name, which
// is none of theirs.
func (on *orderNames) labeledBefore(name []byte) uint32 {
	// The last cluster whose label is at most name: the clusters before
	// it sort wholly before name, those after it wholly after.
	c := sort.Search(len(on.clabel), func(c int) bool { return string(name) < on.clabel[c] }) - 1
	if c < 0 {
		return 0
	}
	lo := uint32(0)
	if c > 0 {
		lo = on.end[c-1]
	}
	hi := on.end[c]
	if !bytes.HasPrefix(name, []byte(on.clabel[c])) {
		return hi // past every key of the cluster
	}
	suf := name[len(on.clabel[c]):]
	g := on.items[lo:hi]
	return lo + uint32(sort.Search(len(g), func(k int) bool { return on.compareSuffix(&g[k], suf) > 0 }))
}

// compareSuffix compares item it's suffix with suf.
func (on *orderNames) compareSuffix(it *nameItem, suf []byte) int {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], it.k1)
	binary.BigEndian.PutUint64(b[8:], it.k2)
	head := suf[:min(len(suf), 16)]
	if c := bytes.Compare(b[:it.n()], head); c != 0 || it.n() < 16 {
		return c
	}
	return bytes.Compare(on.tail(it), suf[16:])
}

// tail is the part of it's suffix past its first 16 bytes.
func (on *orderNames) tail(it *nameItem) []byte {
	if it.ref&itemTail == 0 {
		return nil
	}
	c := on.tails[it.ref&^itemTail>>tailChunkBits]
	off := it.ref & (tailChunk - 1)
	n, w := binary.Uvarint(c[off:])
	return c[off+uint32(w) : off+uint32(w)+uint32(n)]
}

func compareItems(a, b nameItem) int {
	if c := cmp.Compare(a.k1, b.k1); c != 0 {
		return c
	}
	if c := cmp.Compare(a.k2, b.k2); c != 0 {
		return c
	}
	return cmp.Compare(a.n(), b.n())
}

// sortItems sorts one cluster's keys by suffix: by their first 16 bytes
// (a radix sort for large clusters), then the runs that tie on all 16 and
// go on by their tails. It returns scratch, grown if short.
func (on *orderNames) sortItems(g, scratch []nameItem) []nameItem {
	if len(g) < 2 {
		return scratch
	}
	if len(g) < 256 {
		slices.SortFunc(g, compareItems)
	} else {
		if cap(scratch) < len(g) {
			scratch = make([]nameItem, len(g))
		}
		radixItems(g, scratch[:len(g)])
	}
	for i := 0; i < len(g); {
		j := i + 1
		for j < len(g) && g[j].k1 == g[i].k1 && g[j].k2 == g[i].k2 && g[j].n() == g[i].n() {
			j++
		}
		if j-i > 1 && g[i].n() == 16 {
			slices.SortFunc(g[i:j], func(a, b nameItem) int { return bytes.Compare(on.tail(&a), on.tail(&b)) })
		}
		i = j
	}
	return scratch
}

// radixItems sorts g by (k1, k2, n): a stable LSD radix sort, n first,
// then the bytes of k2 and k1 from the lowest, skipping bytes every item
// has alike.
func radixItems(g, scratch []nameItem) {
	src, dst := g, scratch
	var count [256]int
	var diff1, diff2 uint64
	var ndiff uint32
	for i := range src {
		diff1 |= src[i].k1 ^ src[0].k1
		diff2 |= src[i].k2 ^ src[0].k2
		ndiff |= src[i].n() ^ src[0].n()
	}
	pass := func(digit func(*nameItem) uint64) {
		clear(count[:])
		for i := range src {
			count[digit(&src[i])]++
		}
		sum := 0
		for d := range count {
			count[d], sum = sum, sum+count[d]
		}
		for i := range src {
			d := digit(&src[i])
			dst[count[d]] = src[i]
			count[d]++
		}
		src, dst = dst, src
	}
	if ndiff != 0 {
		pass(func(it *nameItem) uint64 { return uint64(it.n()) })
	}
	for shift := 0; shift < 64; shift += 8 {
		if (diff2>>shift)&0xff != 0 {
			pass(func(it *nameItem) uint64 { return it.k2 >> shift & 0xff })
		}
	}
	for shift := 0; shift < 64; shift += 8 {
		if (diff1>>shift)&0xff != 0 {
			pass(func(it *nameItem) uint64 { return it.k1 >> shift & 0xff })
		}
	}
	if &src[0] != &g[0] {
		copy(g, src)
	}
}
