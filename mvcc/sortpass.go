package mvcc

import (
	"cmp"
	"container/heap"
	"errors"
	"hash/maphash"
	"math"
	"math/bits"
	"runtime"
	"slices"
	"sort"
	"strings"
	"unsafe"
)

// The sorted key pass ("sort, don't hash", issue 16) is how Scan restores
// the index of a db with many keys. The key table (keytable.go) holds a
// state and the name of every key in a hash table: 80 bytes of state, the
// name and slots per key, and a cache miss or more per revision. The
// sorted pass keeps no per-key state while the key bucket streams: it
// appends one 24-byte record per revision (sortRec) to one of sortParts
// partitions by the key's hash, then sorts each partition by prefix row,
// key hash and revision, and replays each key's run of revisions in one
// sequential pass, with the same keyState methods the table uses, so every
// figure follows the same rules. Key names are not kept at all: the prefix rows are found
// while the bucket streams (a small table of prefixes), and the names of
// the top-keys lists are read again from the file, at each listed key's
// first revision (sortPass.names), after a first ranking by score.
//
// Keys are told apart by their prefix row and a 64-bit seeded hash,
// checked by a second 10-bit one: a run whose records disagree on the
// second hash is a collision, and the scan is redone with the key table.
// Two keys are mistaken for one only when they share a prefix row and both
// hashes collide, at most n²/2^75 for n keys (2e-10 for 3M). Anything the
// records cannot hold exactly (a main revision range of 2^32 or more, more
// than 2^20 prefix rows, two pairs with one revision, read errors,
// Options.LiveKeySet) also sends the scan to the key table:
// its figures are the reference the sorted pass is tested against
// (TestSortedPassMatchesTable).

// sortRec is one restored revision of the key bucket, in 24 bytes. It
// holds no pointers: the garbage collector never scans the records. What
// rarely needs more bits than it has goes to side maps by (main, key
// hash), which identifies a revision: a sub revision other than 0, sizes
// of 16 MiB or more, Kubernetes classes past the 254th, keys over 1 KiB.
type sortRec struct {
	h    uint64 // the key's hash (sortPass.seed)
	main uint32 // main revision - sortPass.base
	bw   uint32 // bucket key + value bytes (low 24 bits; recBig: sortPass.big) | 8 bits of h2
	vw   uint32 // value bytes of a put (low 24; recBig: sortPass.big) | Kubernetes class (high 8; recClassBig: sortPass.classes)
	meta uint32 // prefix rows (low 20 bits; 0: outside Options.Filter) | alloc | flags | 2 bits of h2
}

const (
	recBig      = 1<<24 - 1
	recClassBig = 1<<8 - 1

	metaRowBits  = 20
	metaRowMask  = 1<<metaRowBits - 1
	metaAllocPos = metaRowBits // 7 bits: the key's allocation as a size class (allocOf)
	metaTomb     = 1 << 27
	metaLeased   = 1 << 28
	metaSub      = 1 << 29 // the sub revision is not 0: sortPass.subs
	metaH2Pos    = 30      // 2 bits of h2

	// sortPartBits splits the records by the top bits of their hash, so
	// that each partition is sorted with a buffer of its own size.
	sortPartBits = 6
	sortParts    = 1 << sortPartBits
	// Records are appended in chunks growing from sortChunkMin to
	// sortChunkMax records (96 KiB) per partition.
	sortChunkMin = 256
	sortChunkMax = 4096

	allocLarge = 127 // the allocation is in sortPass.large
)

// recKey identifies a revision in the side maps.
type recKey struct {
	main uint32
	h    uint64
}

func (r *sortRec) row() uint32   { return r.meta & metaRowMask }
func (r *sortRec) tomb() bool    { return r.meta&metaTomb != 0 }
func (r *sortRec) leased() bool  { return r.meta&metaLeased != 0 }
func (r *sortRec) alloc() uint32 { return r.meta >> metaAllocPos & 127 }

// h2 is a second hash of the key (10 bits), to catch collisions of h.
func (r *sortRec) h2() uint32 { return r.bw>>24 | r.meta>>metaH2Pos<<8 }

func (p *sortPass) bytesOf(r *sortRec) uint32 {
	if b := r.bw & recBig; b != recBig {
		return b
	}
	return p.big[recKey{r.main, r.h}][0]
}

func (p *sortPass) vsizeOf(r *sortRec) uint32 {
	if b := r.vw & recBig; b != recBig {
		return b
	}
	return p.big[recKey{r.main, r.h}][1]
}

func (p *sortPass) classOf(r *sortRec) uint16 {
	if c := r.vw >> 24; c != recClassBig {
		return uint16(c)
	}
	return p.classes[recKey{r.main, r.h}]
}

func (p *sortPass) subOf(r *sortRec) int64 {
	if r.meta&metaSub == 0 {
		return 0
	}
	return p.subs[recKey{r.main, r.h}]
}

// allocClass maps key lengths up to allocTableLen to their size class
// index + 1 (allocOf), so the hot path does no search.
const allocTableLen = 1024

var allocClass = func() (t [allocTableLen + 1]uint8) {
	for n := 1; n <= allocTableLen; n++ {
		a := roundUpSize(uint64(n), true)
		t[n] = uint8(sort.Search(len(goSizeClasses), func(i int) bool { return goSizeClasses[i] >= a }) + 1)
	}
	return t
}()

// keyRow is the prefix rows a key counts under: rp in Summary.Prefixes,
// np (nil when none) in PrefixesByNamespace; k8s when both come from a
// Kubernetes key, whose live objects are also tallied by value class.
type keyRow struct {
	rp, np *PrefixStat
	k8s    bool
}

// putLease is the lease of one leased put, in bucket order.
type putLease struct {
	main  uint32
	lease uint32 // index in sortPass.leaseIDs
	h     uint64
}

// sortPass is the state of the sorted pass while the key bucket streams.
type sortPass struct {
	seed  maphash.Seed
	seed2 maphash.Seed
	base  int64 // main revision of the first restored pair
	last  Revision
	n     int // records
	parts [sortParts][][]sortRec
	// abort, once set, says why the key table must redo the scan.
	abort string

	rows   []keyRow
	counts []rowCount // by row
	// Rows by Kubernetes resource and namespace (rowOf), and by label.
	res, nsNames, labels labelTable
	resRows              []resRows
	sparse               map[uint64]uint32
	dense                int // entries of all resRows.byNs
	labelRows            []uint32
	byPrefix             prefixAgg
	byNs                 prefixAgg
	leases               [][]putLease // in chunks of leaseChunk
	nLeases              int
	largest              [][]uint64       // per Kubernetes class, the largest live sizes (a min-heap)
	leaseIDs             []int64          // distinct leases of puts
	leaseIdx             map[int64]uint32 // their indexes
	subs                 map[recKey]int64
	big                  map[recKey][2]uint32
	classes              map[recKey]uint16
	leaseDir             []uint32          // indexLeases
	large                map[uint64]uint64 // key hash -> allocation, for keys over allocTableLen
	buf, spare           []sortRec
	// order, when not nil, gathers the restore order (sortorder.go).
	order *orderTags
}

func newSortPass() *sortPass {
	return &sortPass{
		seed: maphash.MakeSeed(), seed2: maphash.MakeSeed(),
		leaseIdx: map[int64]uint32{}, rows: []keyRow{{}}, counts: []rowCount{{}}, res: newLabelTable(), nsNames: newLabelTable(), labels: newLabelTable(),
		byPrefix: prefixAgg{stats: map[string]*PrefixStat{}}, byNs: prefixAgg{stats: map[string]*PrefixStat{}},
	}
}

func (p *sortPass) fail(why string) {
	if p.abort == "" {
		p.abort = why
	}
}

// errSortedAbort stops a read the sorted pass cannot use.
var errSortedAbort = errors.New("sorted pass aborted")

// add appends the record of one restored pair (key decoded in kv).
func (sc *scanner) sortedAdd(bk BucketKey, kv *keyValue, entryBytes uint32) {
	p := sc.sorted
	if p.abort != "" {
		return
	}
	rev := bk.Revision
	if p.n == 0 {
		p.base = rev.Main
	} else if rev == p.last {
		p.fail("two pairs hold one revision")
		return
	}
	p.last = rev
	if d := rev.Main - p.base; d < 0 || d > 1<<32-1 {
		p.fail("main revisions span 2^32 or more")
		return
	}
	key := kv.Key
	h := maphash.Bytes(p.seed, key)
	h2 := uint32(maphash.Bytes(p.seed2, key))
	row := sc.rowOf(key)
	if row > metaRowMask {
		p.fail("more than 2^20 prefix rows")
		return
	}
	r := sortRec{h: h, main: uint32(rev.Main - p.base), bw: h2 << 24, meta: row | (h2>>8&3)<<metaH2Pos}
	rk := recKey{r.main, h}
	var alloc uint32
	switch n := len(key); {
	case n <= allocTableLen:
		alloc = uint32(allocClass[n])
	default:
		alloc = allocLarge
		if p.large == nil {
			p.large = map[uint64]uint64{}
		}
		p.large[h] = keyAllocBytes(n)
	}
	r.meta |= alloc << metaAllocPos
	if rev.Sub != 0 {
		r.meta |= metaSub
		if p.subs == nil {
			p.subs = map[recKey]int64{}
		}
		p.subs[rk] = rev.Sub
	}
	var vsize uint32
	if bk.Tombstone {
		r.meta |= metaTomb
	} else {
		vsize = clamp32(uint64(len(kv.Value)))
		if kv.Lease != 0 {
			r.meta |= metaLeased
			if p.nLeases%leaseChunk == 0 {
				p.leases = append(p.leases, make([]putLease, 0, leaseChunk))
			}
			c := &p.leases[len(p.leases)-1]
			id, ok := p.leaseIdx[kv.Lease]
			if !ok {
				id = uint32(len(p.leaseIDs))
				p.leaseIDs = append(p.leaseIDs, kv.Lease)
				p.leaseIdx[kv.Lease] = id
			}
			*c = append(*c, putLease{main: r.main, h: h, lease: id})
			p.nLeases++
		}
		if sc.kube != nil && hasRegistryRoot(key) {
			var class uint16
			if sc.prep != nil {
				if sc.prep.class == 0 {
					p.fail("the reader did not classify a value")
					return
				}
				class = uint16(sc.prep.class - 1) // the reader's (scanpipe.go)
			} else {
				class = sc.kube.id(kv.Value)
			}
			if class >= recClassBig {
				if p.classes == nil {
					p.classes = map[recKey]uint16{}
				}
				p.classes[rk] = class
				class = recClassBig
			}
			r.vw = uint32(class) << 24
		}
	}
	if entryBytes >= recBig || vsize >= recBig {
		if p.big == nil {
			p.big = map[recKey][2]uint32{}
		}
		p.big[rk] = [2]uint32{entryBytes, vsize}
		entryBytes, vsize = recBig, recBig
	}
	r.bw |= entryBytes
	r.vw |= vsize
	pi := int(h >> (64 - sortPartBits))
	if p.order != nil {
		p.order.add(pi, rev)
	}
	part := &p.parts[pi]
	if len(*part) == 0 || len((*part)[len(*part)-1]) == cap((*part)[len(*part)-1]) {
		c := sortChunkMin
		if len(*part) > 0 {
			c = min(2*cap((*part)[len(*part)-1]), sortChunkMax)
		}
		*part = append(*part, make([]sortRec, 0, c))
	}
	last := &(*part)[len(*part)-1]
	*last = append(*last, r)
	p.n++
}

func hasRegistryRoot(key []byte) bool {
	return len(key) >= len(k8sRoot) && string(key[:len(k8sRoot)]) == k8sRoot
}

// allocOf is the key allocation of the key of r.
func (p *sortPass) allocOf(r *sortRec) uint64 {
	switch a := r.alloc(); a {
	case 0:
		return 0
	case allocLarge:
		return p.large[r.h]
	default:
		return goSizeClasses[a-1]
	}
}

// rowOf finds (or makes) the prefix rows of a key, by the rules of the
// per-key pass (finish.go); 0 when Options.Filter leaves the key out.
// It runs once per revision. A Kubernetes key's rows are found from two
// small tables, of resources and of namespace names (a cluster has few of
// each: they stay in the CPU caches), then by resource and namespace id;
// other keys' from a table of their prefix labels.
func (sc *scanner) rowOf(keyb []byte) uint32 {
	p, o := sc.sorted, sc.opts
	key := unsafe.String(unsafe.SliceData(keyb), len(keyb))
	if o.Filter.on() && !o.Filter.match(key) {
		return 0
	}
	if kp, ok := parseK8sKey(key); ok && o.K8s && o.PrefixSeparator == "/" {
		rid := p.res.id(key[:kp.resourceEnd])
		if int(rid) == len(p.resRows) {
			p.resRows = append(p.resRows, resRows{})
		}
		r := &p.resRows[rid]
		if kp.namespaceEnd == 0 {
			if r.cluster == 0 {
				r.cluster = p.newK8sRow(key, kp)
			}
			return r.cluster
		}
		nid := p.nsNames.id(key[kp.resourceEnd : kp.namespaceEnd-1])
		if int(nid) < len(r.byNs) && r.byNs[nid] != 0 {
			return r.byNs[nid]
		}
		// Rows made while nid was past byNs stay in sparse.
		if row, ok := p.sparse[uint64(rid)<<32|uint64(nid)]; ok {
			return row
		}
		row := p.newK8sRow(key, kp)
		switch {
		case int(nid) < len(r.byNs):
			r.byNs[nid] = row
		case int(nid) < 2*len(r.byNs)+64 && p.dense < 1<<22:
			// Dense while it stays small: ns ids are shared by all resources.
			n := len(r.byNs)
			r.byNs = append(r.byNs, make([]uint32, int(nid)+1-n)...)
			p.dense += len(r.byNs) - n
			r.byNs[nid] = row
		default:
			if p.sparse == nil {
				p.sparse = map[uint64]uint32{}
			}
			p.sparse[uint64(rid)<<32|uint64(nid)] = row
		}
		return row
	}
	label := prefixLabel(key, o.PrefixSeparator, o.PrefixDepth)
	lid := p.labels.id(label)
	if int(lid) < len(p.labelRows) {
		return p.labelRows[lid]
	}
	label = strings.Clone(label) // label aliases the page
	row := p.newRow(keyRow{rp: p.byPrefix.row(label, "", "")})
	p.labelRows = append(p.labelRows, row)
	return row
}

// resRows is a Kubernetes resource's rows: of its cluster-scoped keys,
// and per namespace id (0: none yet; ids past byNs in sortPass.sparse).
type resRows struct {
	cluster uint32
	byNs    []uint32
}

// newK8sRow makes the rows of a Kubernetes key.
func (p *sortPass) newK8sRow(key string, kp k8sKey) uint32 {
	key = strings.Clone(key[:max(kp.resourceEnd, kp.namespaceEnd)]) // key aliases the page
	resource := key[len(k8sRoot):max(kp.resourceEnd-1, len(k8sRoot))]
	row := keyRow{rp: p.byPrefix.row(key[:kp.resourceEnd], resource, ""), k8s: true}
	if kp.namespaceEnd > 0 {
		row.np = p.byNs.row(key[:kp.namespaceEnd], resource, key[kp.resourceEnd:kp.namespaceEnd-1])
	}
	return p.newRow(row)
}

func (p *sortPass) newRow(row keyRow) uint32 {
	if len(p.rows) == 1<<32-1 {
		p.fail("too many prefix rows")
		return 0
	}
	id := uint32(len(p.rows))
	p.rows = append(p.rows, row)
	p.counts = append(p.counts, rowCount{})
	return id
}

// labelTable numbers strings 0, 1, 2, ... in order of first sight. It is
// built for a lookup per revision: open addressing, a slot holding the
// string's 64-bit hash, its id and length and its first 16 bytes, so that a
// lookup of a string of up to 16 bytes (a namespace name, most of the
// time) reads one slot and nothing else; longer strings are compared in an
// arena.
type labelTable struct {
	seed  maphash.Seed
	slots []labelSlot
	n     int
	arena []byte   // strings over 16 bytes, back to back
	offs  []uint32 // by id: where a long string starts in arena
}

type labelSlot struct {
	h    uint64
	id1  uint32 // id + 1; 0 is an empty slot
	n    uint32
	head [16]byte
}

func newLabelTable() labelTable {
	return labelTable{seed: maphash.MakeSeed(), slots: make([]labelSlot, 64)}
}

// id is the number of label, given it if new.
func (t *labelTable) id(label string) uint32 {
	h := maphash.String(t.seed, label)
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		sl := &t.slots[i]
		if sl.id1 == 0 {
			break
		}
		if sl.h == h && int(sl.n) == len(label) && t.equal(sl, label) {
			return sl.id1 - 1
		}
	}
	id := uint32(t.n)
	t.n++
	sl := labelSlot{h: h, id1: id + 1, n: uint32(len(label))}
	copy(sl.head[:], label)
	t.offs = append(t.offs, uint32(len(t.arena)))
	if len(label) > len(sl.head) {
		t.arena = append(t.arena, label...)
	}
	if t.n*2 > len(t.slots) {
		t.grow()
	}
	t.place(sl)
	return id
}

func (t *labelTable) equal(sl *labelSlot, label string) bool {
	if len(label) <= len(sl.head) {
		return string(sl.head[:len(label)]) == label
	}
	off := t.offs[sl.id1-1]
	return string(t.arena[off:off+sl.n]) == label
}

func (t *labelTable) place(sl labelSlot) {
	mask := uint64(len(t.slots) - 1)
	i := sl.h & mask
	for t.slots[i].id1 != 0 {
		i = (i + 1) & mask
	}
	t.slots[i] = sl
}

func (t *labelTable) grow() {
	old := t.slots
	t.slots = make([]labelSlot, 2*len(old))
	for _, sl := range old {
		if sl.id1 != 0 {
			t.place(sl)
		}
	}
}

// rowCount is a row's counts, kept flat by row id during the replay (the
// rows themselves are folded in at the end: rowCount.fold).
type rowCount struct {
	keys, liveKeys, revisions, liveBytes, historyBytes uint64
	kube                                               kubeTally
}

// foldRows adds the rows' counts to their PrefixStat rows, and the
// largest sizes by class to kube's by kind.
func (p *sortPass) foldRows(kube *kubeAgg) {
	for i := 1; i < len(p.rows); i++ {
		c, r := &p.counts[i], &p.rows[i]
		c.fold(r.rp)
		r.rp.kube.merge(c.kube)
		if r.np != nil {
			c.fold(r.np)
			r.np.kube.merge(c.kube)
		}
	}
	if kube == nil {
		return
	}
	for id, top := range p.largest {
		if len(top) == 0 {
			continue
		}
		kk := kube.classes.list[id].kindKey()
		for _, x := range top {
			kube.largest[kk] = pushTop(kube.largest[kk], x, kube.topN)
		}
	}
}

// countDist is the multiset of the keys' revision counts, for their
// percentiles: counts of each small value, larger values listed.
type countDist struct {
	small []uint64 // by value, below countDistSmall
	big   []uint32
	n     uint64
}

const countDistSmall = 1 << 12

func (d *countDist) add(v uint32) {
	d.n++
	if v >= countDistSmall {
		d.big = append(d.big, v)
		return
	}
	for int(v) >= len(d.small) {
		d.small = append(d.small, 0)
	}
	d.small[v]++
}

// distribution is distribution32 of the values.
func (d *countDist) distribution() Distribution {
	if d.n == 0 {
		return Distribution{}
	}
	slices.Sort(d.big)
	at := func(i uint64) uint64 { // the i-th smallest value
		for v, c := range d.small {
			if i < c {
				return uint64(v)
			}
			i -= c
		}
		return uint64(d.big[i])
	}
	rank := func(p float64) uint64 {
		i := int(math.Ceil(p*float64(d.n))) - 1
		return at(uint64(max(i, 0)))
	}
	return Distribution{P50: rank(0.50), P90: rank(0.90), P99: rank(0.99), Max: at(d.n - 1)}
}

func (c *rowCount) count(s *keyState) {
	c.keys++
	c.revisions += uint64(s.revs)
	live := liveBytes(s)
	c.liveBytes += live
	c.historyBytes += s.totalBytes - live
	if s.live {
		c.liveKeys++
	}
}

func (c *rowCount) fold(ps *PrefixStat) {
	ps.Keys += c.keys
	ps.LiveKeys += c.liveKeys
	ps.Revisions += c.revisions
	ps.LiveBytes += c.liveBytes
	ps.HistoryBytes += c.historyBytes
}

// row is the row of label, made empty if new.
func (a *prefixAgg) row(label, resource, namespace string) *PrefixStat {
	if s := a.stats[label]; s != nil {
		return s
	}
	s := &PrefixStat{Prefix: label, Resource: resource, Namespace: namespace}
	a.stats[label] = s
	return s
}

// gather copies partition i's chunks into buf, grown if short.
func (p *sortPass) gather(i int, buf []sortRec) []sortRec {
	n := 0
	for _, c := range p.parts[i] {
		n += len(c)
	}
	if cap(buf) < n {
		buf = make([]sortRec, 0, n+n/8)
	}
	buf = buf[:0]
	for _, c := range p.parts[i] {
		buf = append(buf, c...)
	}
	return buf
}

func compareRecs(a, b sortRec) int {
	if c := cmp.Compare(a.row(), b.row()); c != 0 {
		return c
	}
	if c := cmp.Compare(a.h, b.h); c != 0 {
		return c
	}
	if c := cmp.Compare(a.main, b.main); c != 0 {
		return c
	}
	return 0 // a key has one revision per main revision
}

// sortRecs sorts a partition's records (buf) by prefix row, key hash and
// revision: a key's revisions stay in bucket order, and the replay visits
// the rows' counters in order. It is a radix sort (stable, so revisions
// keep their order within a key): 6 passes of 11 bits over the hash, then
// up to 3 of 7 bits over the row, with spare as the second buffer (grown
// if short, and returned). idx, when not nil, is permuted with the records
// (ispare its second buffer, returned too). It reads nothing of p but the
// number of rows, so it may run beside the replay of another partition.
func (p *sortPass) sortRecs(buf, spare []sortRec, idx, ispare []uint32) ([]sortRec, []uint32) {
	if len(buf) < 256 {
		if idx == nil {
			slices.SortFunc(buf, compareRecs)
			return spare, ispare
		}
		// Insertion sort, records and places together.
		for i := 1; i < len(buf); i++ {
			r, x := buf[i], idx[i]
			j := i
			for ; j > 0 && compareRecs(buf[j-1], r) > 0; j-- {
				buf[j], idx[j] = buf[j-1], idx[j-1]
			}
			buf[j], idx[j] = r, x
		}
		return spare, ispare
	}
	if cap(spare) < len(buf) {
		spare = make([]sortRec, len(buf), cap(buf))
	}
	if idx != nil && cap(ispare) < len(idx) {
		ispare = make([]uint32, len(idx), cap(idx))
	}
	src, dst := buf, spare[:len(buf)]
	var isrc, idst []uint32
	if idx != nil {
		isrc, idst = idx, ispare[:len(idx)]
	}
	var count [1 << 11]int
	pass := func(digit func(r *sortRec) uint32, n int) {
		clear(count[:n])
		for i := range src {
			count[digit(&src[i])]++
		}
		sum := 0
		for d, c := range count[:n] {
			count[d] = sum
			sum += c
		}
		if isrc == nil {
			for i := range src {
				d := digit(&src[i])
				dst[count[d]] = src[i]
				count[d]++
			}
		} else {
			for i := range src {
				d := digit(&src[i])
				dst[count[d]] = src[i]
				idst[count[d]] = isrc[i]
				count[d]++
			}
		}
		src, dst = dst, src
		isrc, idst = idst, isrc
	}
	for shift := 0; shift < 64; shift += 11 {
		pass(func(r *sortRec) uint32 { return uint32(r.h>>shift) & (1<<11 - 1) }, 1<<11)
	}
	for shift := 0; shift < bits.Len(uint(len(p.rows)-1)); shift += 7 {
		pass(func(r *sortRec) uint32 { return r.row() >> shift & (1<<7 - 1) }, 1<<7)
	}
	if &src[0] != &buf[0] {
		copy(buf, src)
		if idx != nil {
			copy(idx, isrc)
		}
	}
	return spare, ispare
}

// sortedPart is a partition's records, sorted, and when the restore order
// is gathered, each one's place among the partition's records in bucket
// order.
type sortedPart struct {
	recs []sortRec
	idx  []uint32
}

// sortAhead sorts the partitions in order on a goroutine of its own and
// hands each over on sorted, so the next partition is sorted while the
// caller replays one (two buffer pairs of a partition's size, 1/64 of the
// records each). A partition's chunks are dropped once it is gathered into
// its buffer: the records shrink as the replay goes. The caller closes
// stop when it is done, early or not; sorted is closed after the last
// partition.
func (p *sortPass) sortAhead() (sorted <-chan sortedPart, stop chan struct{}) {
	out, stop := make(chan sortedPart), make(chan struct{})
	go func() {
		defer close(out)
		var bufs, spares [2][]sortRec
		var idxs, ispares [2][]uint32
		for i := range p.parts {
			b := i % 2
			bufs[b] = p.gather(i, bufs[b])
			p.parts[i] = nil // the records live on in the buffer only
			if p.order != nil {
				idxs[b] = slices.Grow(idxs[b][:0], len(bufs[b]))[:len(bufs[b])]
				for j := range idxs[b] {
					idxs[b][j] = uint32(j)
				}
			}
			spares[b], ispares[b] = p.sortRecs(bufs[b], spares[b], idxs[b], ispares[b])
			// out is unbuffered: once partition i is taken, the caller is
			// done with partition i-1, whose buffers i+1 then reuses.
			select {
			case out <- sortedPart{bufs[b], idxs[b]}:
			case <-stop:
				return
			}
		}
	}()
	return out, stop
}

// replay restores one key's run of revisions into s, with the keyState
// methods apply uses. sh receives the index shape (nil: not counted); kv1,
// when known, is the value of the key's first revision (its create
// revision and version). sims, when not nil, take each revision as
// compactSim.observe would, and their kept revisions go to keep.
func (p *sortPass) replay(run []sortRec, sh *indexShape, kv1 *keyValue, sims *runSims) (s keyState, ignored uint64) {
	var scratch indexShape
	if sh == nil {
		sh = &scratch
	}
	for i := range run {
		r := &run[i]
		rev := Revision{Main: p.base + int64(r.main), Sub: p.subOf(r)}
		tomb := r.tomb()
		b := p.bytesOf(r)
		indexed := true
		switch {
		case i == 0:
			var kv keyValue
			if kv1 != nil {
				kv.CreateRevision, kv.Version = kv1.CreateRevision, kv1.Version
			}
			s.restoreNew(sh, p.allocOf(r), rev, tomb, &kv)
		case tomb:
			indexed = s.tombstone(sh, rev)
		default:
			s.put(sh, rev)
		}
		if !indexed {
			ignored++
		}
		s.revs++
		s.totalBytes += uint64(b)
		s.lastBytes = b
		s.lastTomb = tomb
		if tomb {
			s.valueSize = 0
		} else {
			s.valueSize = p.vsizeOf(r)
			s.class = p.classOf(r)
		}
		if sims != nil {
			sims.step(rev, tomb, indexed, b)
		}
	}
	if last := &run[len(run)-1]; last.leased() && !last.tomb() {
		s.lease = p.leaseOf(last)
	}
	if sims != nil {
		sims.end()
	}
	return s, ignored
}

// leaseOf is the lease of a leased put: a short scan of the leases from
// the directory entry of its main revision.
func (p *sortPass) leaseOf(r *sortRec) int64 {
	b := r.main >> leaseDirBits
	for i, end := p.leaseDir[b], p.leaseDir[b+1]; i < end; i++ {
		if l := p.lease(int(i)); l.main == r.main && l.h == r.h {
			return p.leaseIDs[l.lease]
		}
	}
	return 0
}

const leaseChunk = 1 << 12

func (p *sortPass) lease(i int) *putLease { return &p.leases[i/leaseChunk][i%leaseChunk] }

// leaseDirBits sizes the directory of the leases: one entry per 32 main
// revisions.
const leaseDirBits = 5

// indexLeases builds p.leaseDir: entry b is the first lease whose main
// revision is at or past b << leaseDirBits.
func (p *sortPass) indexLeases() {
	n := int(uint32(p.last.Main-p.base)>>leaseDirBits) + 2
	if p.n == 0 {
		n = 2
	}
	dir := make([]uint32, n)
	i := 0
	for b := range dir {
		for i < p.nLeases && int(p.lease(i).main>>leaseDirBits) < b {
			i++
		}
		dir[b] = uint32(i)
	}
	p.leaseDir = dir
}

// runSims replays the compaction what-if (and the rerun of an unfinished
// compaction) key by key; keep collects the what-if's kept revisions for
// the compaction filter.
type runSims struct {
	whatIf, rerun *compactSim
	keep          *keptBuilder
	cand, cand2   uint32
	kept          Revision
}

func (r *runSims) step(rev Revision, tomb, indexed bool, b uint32) {
	if r.whatIf.step(&r.cand, rev, tomb, indexed, b) {
		r.kept = rev
	}
	if r.rerun != nil {
		r.rerun.step(&r.cand2, rev, tomb, indexed, b)
	}
}

func (r *runSims) end() {
	if r.keep != nil && r.cand != 0 {
		r.keep.add(r.kept)
	}
	r.cand, r.cand2 = 0, 0
}

// keptBuilder builds a CompactionFilter's sets from the kept revisions:
// those of sub revision 0 as bits over the main revisions when they are
// dense enough, the others in a list.
type keptBuilder struct {
	lo   int64
	bits []uint64
	kept []Revision
}

func newKeptBuilder(lo, hi int64, n int) *keptBuilder {
	b := &keptBuilder{}
	if n > 0 && hi >= lo && uint64(hi-lo) < uint64(n)*maxBitsPerKept {
		b.lo, b.bits = lo, make([]uint64, uint64(hi-lo)/64+1)
	}
	return b
}

func (b *keptBuilder) add(r Revision) {
	if r.Sub == 0 && b.bits != nil {
		d := uint64(r.Main - b.lo)
		b.bits[d/64] |= 1 << (d % 64)
		return
	}
	b.kept = append(b.kept, r)
}

// filter is the CompactionFilter at at, with the unrestorable revisions
// kept too.
func (b *keptBuilder) filter(at int64, unrestorable []Revision) *CompactionFilter {
	kept := append(b.kept, unrestorable...)
	slices.SortFunc(kept, compareRevisions)
	f := &CompactionFilter{at: at, lo: b.lo, bits: b.bits, kept: slices.Compact(kept)}
	f.once.Do(func() {}) // built
	return f
}

// scoreHeap keeps the n largest scores (a min-heap), to find each top
// list's threshold.
type scoreHeap struct {
	n int
	h []uint64
}

func (s *scoreHeap) offer(x uint64) {
	if len(s.h) < s.n {
		s.h = pushTop(s.h, x, s.n)
		return
	}
	if x > s.h[0] {
		s.h = pushTop(s.h, x, s.n)
	}
}

// full is true when n scores were offered; then min is the n-th largest.
func (s *scoreHeap) full() bool { return s.n > 0 && len(s.h) == s.n }

// topCand is a key that may belong in a top list: its score, its hash,
// its first revision (where the re-read finds its name) and its state as
// the replay left it (keyState.withFirst completes it).
type topCand struct {
	score uint64
	h     uint64
	main  uint32
	sub   int64
	list  uint8
	st    keyState
}

// sortedTops ranks keys for the four top lists as topHeap does (score,
// then name), without names while ranking: the scores pick every key that
// can be listed (above the n-th best score, or tied with it); the re-read
// of their names then breaks the ties.
type sortedTops struct {
	n      int
	scores [4]scoreHeap
	cands  []topCand
	pruned int // len(cands) at the last prune
}

func newSortedTops(n int) *sortedTops {
	t := &sortedTops{n: n}
	for i := range t.scores {
		t.scores[i].n = n
	}
	return t
}

func (t *sortedTops) offer(list int, score uint64, r *sortRec, sub int64, st *keyState) {
	if score == 0 || t.n <= 0 {
		return
	}
	s := &t.scores[list]
	if s.full() && score < s.h[0] {
		return
	}
	s.offer(score)
	t.cands = append(t.cands, topCand{score: score, h: r.h, main: r.main, sub: sub, list: uint8(list), st: *st})
	if len(t.cands) > 4*t.n+2*t.pruned+1024 {
		t.prune()
	}
}

// prune drops the candidates below their list's threshold.
func (t *sortedTops) prune() {
	out := t.cands[:0]
	for _, c := range t.cands {
		if s := &t.scores[c.list]; !s.full() || c.score >= s.h[0] {
			out = append(out, c)
		}
	}
	t.cands = out
	t.pruned = len(out)
}

// named is a listed key once its name is read.
type named struct {
	score uint64
	name  string
	st    keyState // withFirst done
}

// withFirst is s, replayed without its first revision's value, as the
// replay with it makes it: restoreNew takes a live first revision's create
// revision and version from the value, and they carry on while that first
// generation stands (a new generation's create revision is its first
// revision's main, never 0).
func (s keyState) withFirst(kv1 *keyValue) keyState {
	if s.live && s.createMain == 0 {
		s.createMain = kv1.CreateRevision
		s.version += kv1.Version
	}
	return s
}

// nameHeap keeps the n smallest names of tied keys (a max-heap by name).
type nameHeap []named

func (h nameHeap) Len() int           { return len(h) }
func (h nameHeap) Less(i, j int) bool { return h[i].name > h[j].name }
func (h nameHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *nameHeap) Push(x any)        { *h = append(*h, x.(named)) }
func (h *nameHeap) Pop() any {
	x := (*h)[len(*h)-1]
	*h = (*h)[:len(*h)-1]
	return x
}

// reread reads the key bucket again and returns, per list, the listed
// keys best first, with their names; on, when not nil, takes every
// restored pair (the restore order's names, sortorder.go), skipping the
// pairs the scan did not restore (bad: their places among the bucket's
// pairs, ascending). ok is false when a candidate could not be found again
// (the file changed, or a read failed).
func (t *sortedTops) reread(src KVReader, p *sortPass, on *orderNames, bad []uint64) (lists [4][]named, ok bool) {
	t.prune()
	var above [4]int // candidates strictly above the threshold, per list
	for _, c := range t.cands {
		if s := &t.scores[c.list]; s.full() && c.score > s.h[0] {
			above[c.list]++
		}
	}
	ties := [4]*nameHeap{{}, {}, {}, {}}
	cands := t.cands
	slices.SortFunc(cands, func(a, b topCand) int {
		if c := cmp.Compare(a.main, b.main); c != 0 {
			return c
		}
		return cmp.Compare(a.sub, b.sub)
	})
	j := 0
	var kv keyValue
	var entry uint64
	// visit takes one pair of the bucket; emit takes the name of each new
	// key, in order (on.add, here or on another goroutine).
	visit := func(k, v []byte, emit func([]byte)) error {
		e := entry
		entry++
		if on == nil && j == len(cands) {
			return errSortedAbort
		}
		if len(bad) > 0 && bad[0] == e {
			bad = bad[1:]
			return nil
		}
		bk, err := ParseBucketKey(k)
		if err != nil || bk.Main < 1 {
			if on != nil {
				on.rfail = "the key bucket changed between its reads"
			}
			return nil
		}
		decoded := false
		if on != nil && on.next(bk.Revision) {
			if decodeKeyValue(v, &kv) != nil {
				on.rfail = "the key bucket changed between its reads"
				return nil
			}
			decoded = true
			emit(kv.Key)
		}
		if j == len(cands) || bk.Main < p.base {
			return nil
		}
		d := bk.Main - p.base
		if d > int64(cands[j].main) || d == int64(cands[j].main) && bk.Sub > int64(cands[j].sub) {
			return errSortedAbort // a candidate was passed: the file changed
		}
		if d != int64(cands[j].main) || bk.Sub != int64(cands[j].sub) {
			return nil
		}
		if !decoded && decodeKeyValue(v, &kv) != nil {
			return errSortedAbort
		}
		var name string
		for ; j < len(cands) && int64(cands[j].main) == d && int64(cands[j].sub) == bk.Sub; j++ {
			c := &cands[j]
			if maphash.Bytes(p.seed, kv.Key) != c.h {
				return errSortedAbort
			}
			if name == "" {
				name = string(kv.Key)
			}
			x := named{score: c.score, name: name, st: c.st.withFirst(&kv)}
			s := &t.scores[c.list]
			if !s.full() || c.score > s.h[0] {
				lists[c.list] = append(lists[c.list], x)
				continue
			}
			need := t.n - above[c.list]
			th := ties[c.list]
			if th.Len() < need {
				heap.Push(th, x)
			} else if x.name < (*th)[0].name {
				(*th)[0] = x
				heap.Fix(th, 0)
			}
		}
		return nil
	}
	var err error
	if lr, ok := src.(leafReader); ok && on != nil {
		// Every pair is read: the pages are read and walked, the pairs
		// parsed and the names found on a goroutine of their own, and
		// the names sorted into their clusters on this one.
		err = pipedNames(lr, visit, on.add)
	} else {
		err = src.ForEach("key", func(k, v []byte) error {
			return visit(k, v, func(name []byte) { on.add(name) })
		})
	}
	if j != len(cands) || err != nil && !errors.Is(err, errSortedAbort) {
		return lists, false
	}
	for i := range lists {
		lists[i] = append(lists[i], *ties[i]...)
		slices.SortFunc(lists[i], func(a, b named) int {
			if a.score != b.score {
				return cmp.Compare(b.score, a.score)
			}
			return strings.Compare(a.name, b.name)
		})
	}
	return lists, true
}

// sortedOut is what the sorted pass's aggregation found, for finish.
type sortedOut struct {
	liveKeys, deletedKeys, multiGen, leased, totalKeys uint64
	leasedAlloc                                        uint64
	keyBucketBytes, liveBytes, historyBytes            uint64
	revCounts                                          countDist
	hist                                               revisionHistogram
	filter                                             *FilterStat
	kube                                               *kubeAgg
	attached                                           map[int64]uint64
	keep                                               *CompactionFilter
	tops                                               [4][]KeyStat
	order                                              *RestoreOrder
}

// sortedApply is apply for the sorted pass: the pair is checked and
// decoded as apply does, and its record appended. Whether a delete was
// indexed is known only once the key's run is replayed: indexed is true
// here and Summary.Restore.IgnoredTombstones comes from the replay.
func (sc *scanner) sortedApply(k, v []byte) restoredEntry {
	e := restoredEntry{entryBytes: clamp32(uint64(len(k) + len(v))), indexed: true}
	pp := sc.prep
	var bk BucketKey
	var err error
	if pp != nil {
		bk, err = pp.bk, pp.bkErr
	} else {
		bk, err = ParseBucketKey(k)
	}
	if err != nil {
		e.fault, e.err = entryBadKey, err
		return e
	}
	e.bk = bk
	if bk.Main < 1 {
		e.fault = entryBelowRestore
		return e
	}
	if pp != nil {
		sc.kv, err = pp.kv, pp.kvErr
	} else {
		err = decodeKeyValue(v, &sc.kv)
	}
	if err != nil {
		e.fault, e.err = entryBadValue, err
		return e
	}
	sc.sortedAdd(bk, &sc.kv, e.entryBytes)
	return e
}

// currentRevision is kvstore.go restore's currentRev: 1, then the last
// restored revision, raised to the finished and scheduled compactions.
func (sc *scanner) currentRevision() int64 {
	return max(int64(1), sc.restoredMain, sc.meta.FinishedCompactRevision, sc.meta.ScheduledCompactRevision)
}

// sortedPrepare sorts the records, replays every key and reads the names
// of the listed keys: everything the sorted pass does before finish. On
// return sc.sorted.abort says whether the key table must redo the scan.
//
// read, if not nil, is called (handed true) as soon as the compaction
// filter is built, before the names are read again: the defrag
// simulations that need it then run beside the rest of the scan. The
// filter is final even if the key table must redo the scan.
func (sc *scanner) sortedPrepare(src KVReader, read func(*scanner)) (handed bool) {
	p, o := sc.sorted, sc.opts
	if len(sc.readErrors) > 0 {
		p.fail("read errors")
	}
	if p.abort != "" {
		return handed
	}
	sc.whatIf.resolve(sc.currentRevision())
	p.indexLeases()
	out := &sortedOut{attached: map[int64]uint64{}}
	if o.Filter.on() {
		out.filter = &FilterStat{Prefix: o.Filter.Prefix, Namespace: o.Filter.Namespace}
	}
	if sc.kube != nil {
		out.kube = newKubeAgg(sc.kube, o.TopN)
	}
	tops := newSortedTops(o.TopN)
	sims := &runSims{whatIf: sc.whatIf, rerun: sc.rerun}
	if sc.whatIf.record {
		sims.keep = newKeptBuilder(p.base, p.last.Main, p.n)
	}
	sorted, stop := p.sortAhead()
	defer close(stop)
	ord := p.order
	part := 0
	for sp := range sorted {
		buf := sp.recs
		var tag []uint32
		if ord != nil {
			tag = make([]uint32, len(buf))
			ord.tags[part] = tag
		}
		part++
		for i := 0; i < len(buf); {
			j := i + 1
			for j < len(buf) && buf[j].h == buf[i].h && buf[j].row() == buf[i].row() {
				if buf[j].h2() != buf[i].h2() {
					p.fail("two keys share a hash")
					return handed
				}
				j++
			}
			run := buf[i:j]
			s, ignored := p.replay(run, &sc.shape, nil, sims)
			sc.ignoredTombs += ignored
			s.finishShape(&sc.shape)
			out.key(&s, &run[0], p, tops)
			if ord != nil {
				slot := ord.slot(run[0].row())
				for _, x := range sp.idx[i:j] {
					tag[x] = slot
				}
			}
			i = j
		}
	}
	p.foldRows(out.kube)
	if sims.keep != nil {
		out.keep = sims.keep.filter(sc.whatIf.at, sc.unrestorable)
	}
	// The records are spent (the top keys' states are in their candidates).
	// A collection now lets what comes next (the restore order's names,
	// the defrag simulations) reuse their memory rather than grow the heap
	// past them.
	p.parts, p.leases, p.leaseDir, p.large, p.big, p.subs, p.classes = [sortParts][][]sortRec{}, nil, nil, nil, nil, nil, nil
	runtime.GC()
	if read != nil {
		sc.sout = out
		read(sc)
		sc.sout, handed = nil, true
	}
	var on *orderNames
	if ord != nil {
		keys, rowOf := ord.keys()
		if ord.keysReady != nil {
			ord.keysReady(keys, len(rowOf))
		}
		labels, labeled := p.rowLabels()
		on = newOrderNames(keys, rowOf, labels, labeled)
	}
	var bad []uint64
	if ord != nil {
		bad = ord.bad
	}
	lists, ok := tops.reread(src, p, on, bad)
	if !ok {
		p.fail("the listed keys could not be read again")
		return handed
	}
	if on != nil {
		if out.order = on.order(ord.hash); out.order == nil {
			p.fail("the restore order could not be read again: " + on.fail)
			return handed
		}
	}
	red := sc.redactor()
	for i, l := range lists {
		out.tops[i] = make([]KeyStat, 0, len(l))
		for _, x := range l {
			out.tops[i] = append(out.tops[i], keyStatOf(&x.st, x.name, red))
		}
	}
	sc.sout = out
	return handed
}

// rowLabels is each prefix row's label when it is a prefix of every key of
// the row (labeled), for the restore order's name sort: a Kubernetes row's
// namespace or resource prefix, another row's label unless it is NoPrefix;
// row 0 (keys outside Options.Filter) has none.
func (p *sortPass) rowLabels() (labels []string, labeled []bool) {
	labels, labeled = make([]string, len(p.rows)), make([]bool, len(p.rows))
	for i := 1; i < len(p.rows); i++ {
		r := &p.rows[i]
		switch {
		case r.np != nil:
			labels[i], labeled[i] = r.np.Prefix, true
		case r.rp != nil && (r.k8s || r.rp.Prefix != NoPrefix):
			labels[i], labeled[i] = r.rp.Prefix, true
		}
	}
	return labels, labeled
}

// key counts one key, as perKey, etcdutl and summariseLeases do.
func (out *sortedOut) key(s *keyState, first *sortRec, p *sortPass, tops *sortedTops) {
	out.revCounts.add(s.revs)
	out.hist.add(s.revs)
	live := liveBytes(s)
	out.keyBucketBytes += s.totalBytes
	out.liveBytes += live
	out.historyBytes += s.totalBytes - live
	nonEmptyGens := s.gens
	if s.live {
		out.liveKeys++
		if s.lease != 0 {
			out.leased++
			out.leasedAlloc += p.allocOf(first)
			out.attached[s.lease]++
		}
	} else {
		out.deletedKeys++
		nonEmptyGens--
	}
	if nonEmptyGens >= 2 {
		out.multiGen++
	}
	if s.revs > 0 && !s.lastTomb {
		out.totalKeys++
	}
	if first.row() == 0 {
		return // outside the filter: the totals above count it; no table lists it
	}
	if out.filter != nil {
		out.filter.add(s, live)
	}
	sub := p.subOf(first)
	tops.offer(0, uint64(s.revs), first, sub, s)
	tops.offer(1, s.totalBytes-live, first, sub, s)
	if s.live {
		tops.offer(2, uint64(s.valueSize), first, sub, s)
		tops.offer(3, saturatingMul(uint64(s.valueSize), uint64(s.revs)), first, sub, s)
	}
	p.counts[first.row()].count(s)
	row := &p.rows[first.row()]
	if row.k8s && out.kube != nil && s.live && s.class != classNone {
		// kubeAgg.add, with the row tallies kept flat by row id and the
		// largest sizes by class until the end (sortPass.foldRows).
		size := uint64(s.valueSize)
		out.kube.all.add(s.class, size, s.modMain)
		p.counts[first.row()].kube.add(s.class, size, s.modMain)
		for int(s.class) >= len(p.largest) {
			p.largest = append(p.largest, nil)
		}
		p.largest[s.class] = pushTop(p.largest[s.class], size, out.kube.topN)
	}
}

// sortedPerKey is perKey from the sorted pass's results.
func (sc *scanner) sortedPerKey(sum *Summary) {
	o, out, p := sc.opts, sc.sout, sc.sorted
	sum.KeyBucketBytes, sum.LiveBytes, sum.HistoryBytes = out.keyBucketBytes, out.liveBytes, out.historyBytes
	sum.LiveKeys, sum.DeletedKeys, sum.MultiGenerationKeys = out.liveKeys, out.deletedKeys, out.multiGen
	sum.Restore.LeasedKeys = out.leased
	sum.Restore.LeasedKeyAllocBytes = out.leasedAlloc
	sum.RevisionsPerKey = out.revCounts.distribution()
	sum.RevisionsPerKeyHistogram = out.hist.buckets()
	red := sc.redactor()
	if out.filter != nil {
		out.filter.finish(sum, red)
	}
	sum.TopKeys = TopKeys{
		ByRevisions:           out.tops[0],
		ByHistoryBytes:        out.tops[1],
		ByValueBytes:          out.tops[2],
		ByValueTimesRevisions: out.tops[3],
	}
	sum.Prefixes = redactPrefixes(p.byPrefix.list(o.MaxPrefixes, sum.KeyBucketBytes, o.DataSize), red)
	if len(p.byNs.stats) > 0 {
		sum.PrefixesByNamespace = redactPrefixes(p.byNs.list(o.MaxPrefixes, sum.KeyBucketBytes, o.DataSize), red)
	}
	if out.kube != nil {
		sum.Kube = out.kube.summary(sum.Prefixes, sum.PrefixesByNamespace, red)
	}
}
