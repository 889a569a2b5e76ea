package pages

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// maxBuckets bounds the buckets tracked one by one; a file with more (only
// a hostile one: etcd has about fifteen) gets the rest pooled in one entry.
const maxBuckets = 10000

// maxInlineNesting bounds buckets nested inside inline buckets, and
// maxBucketNesting the depth of bucket paths kept (deeper ones are pooled).
const (
	maxInlineNesting = 64
	maxBucketNesting = 64
)

// maxNameBytes bounds the bucket name kept per path element.
const maxNameBytes = 1024

// keyRef locates a key in a level's key arena.
type keyRef struct {
	off uint64
	n   uint32
	ok  bool // false: no bound
}

// nodeRef is a reference to a node still to be visited.
type nodeRef struct {
	id     uint64
	parent uint64 // referring page, NoPage for the root tree's root
	bucket int32
	depth  uint16 // within its bucket, 0 for the root node
	lo, hi keyRef // keys of this subtree must be in [lo, hi)
}

type walker struct {
	f    *File
	a    *Analysis
	opts AnalyzeOptions
	ps   uint64
	hwm  uint64
	// filePages are whole pages in the file; limit = min(hwm, filePages)
	// is the part where a page can be reached.
	filePages, limit uint64

	reached bitmap
	queued  bitmap // pages referenced so far: a second reference is found when made
	counts  [numKinds]int64
	parents map[uint64]uint64 // parent of each page that has children
	rd      *pageReader
	// sparse is set when the last node read needed at most half its
	// pages (large values): reading ahead would read the rest after all.
	sparse bool

	cur, next         []nodeRef
	curKeys, nextKeys []byte

	missing  map[int32]int64 // per bucket: references past the end of the file
	pooled   int32           // bucket index of the pooled entry, -1 until used
	done     int64
	progress int64
}

func newWalker(f *File, opts AnalyzeOptions) *walker {
	m := f.Meta()
	w := &walker{
		f: f, opts: opts, ps: uint64(f.pageSize), hwm: m.HighWater,
		filePages: f.filePages(),
		parents:   map[uint64]uint64{},
		missing:   map[int32]int64{},
		pooled:    -1,
		rd:        newPageReader(f),
	}
	w.limit = min(w.hwm, w.filePages)
	w.reached = newBitmap(w.limit)
	w.queued = newBitmap(w.limit)
	ms := f.Metas()
	w.a = &Analysis{
		File: FileReport{SizeBytes: f.rawSize, BboltBytes: f.size, PageSize: f.pageSize, Snapshot: f.snap},
		Meta: MetaReport{Meta: m, FreelistPersisted: m.FreelistPersisted(), Used: uint64(f.used), Metas: ms},
		Pages: PageCensus{
			RunLengths: map[uint64]int64{},
		},
		Problems: []Problem{},
		Complete: true,
	}
	if opts.PageMap {
		// Up to the high-water mark only: a sparse file's apparent size
		// can be terabytes past it, all unallocated tail (PageMap.Pages).
		n := w.limit
		w.a.PageMap = &PageMap{Kinds: make([]PageKind, n), Buckets: make([]int32, n), Pages: w.filePages}
		for i := range w.a.PageMap.Buckets {
			w.a.PageMap.Buckets[i] = -1
		}
	}
	return w
}

func (w *walker) run() error {
	m := w.f.Meta()
	a := w.a
	for _, ms := range a.Meta.Metas {
		if !ms.Valid {
			other := 1 - ms.PageID
			a.problem(SeverityWarning, CodeMetaInvalid, ms.PageID, "",
				"meta page %d is invalid (%s); bbolt uses meta page %d (txid %d). One bad meta is what an interrupted commit leaves; etcd's next commit rewrites it",
				ms.PageID, ms.Reason, other, a.Meta.TxID)
		}
	}
	if m.Root >= m.HighWater {
		a.problem(SeverityError, CodeMetaBadPointer, uint64(w.f.used), "", "the root bucket page %d is at or past the high-water mark %d", m.Root, m.HighWater)
	}
	if m.FreelistPersisted() && m.Freelist >= m.HighWater {
		a.problem(SeverityError, CodeMetaBadPointer, uint64(w.f.used), "", "the freelist page %d is at or past the high-water mark %d", m.Freelist, m.HighWater)
	}
	w.mark(0, min(2, w.limit), KindMeta, -1)
	a.Buckets = append(a.Buckets, BucketStats{Parent: -1, IsRoot: true, RootPage: m.Root})

	listed := w.readFreelist()
	w.enqueue(nodeRef{id: m.Root, parent: NoPage})
	w.cur, w.next = w.next, w.cur
	for len(w.cur) > 0 {
		byID := func(x, y nodeRef) int { return cmp.Compare(x.id, y.id) }
		if !slices.IsSortedFunc(w.cur, byID) {
			slices.SortFunc(w.cur, byID)
		}
		for i := range w.cur {
			if err := w.visit(i); err != nil {
				return err
			}
		}
		w.cur, w.next = w.next, w.cur[:0]
		w.curKeys, w.nextKeys = w.nextKeys, w.curKeys[:0]
	}
	w.compareFreelist(listed)
	w.finish()
	return nil
}

// mark records pages [id, id+n) as reached with the given kind (overflow
// for all but the first page of a branch or leaf node). Only pages not
// reached before are counted.
func (w *walker) mark(id, n uint64, kind PageKind, bucket int32) {
	for p := id; p < id+n && p < w.limit; p++ {
		if w.reached.get(p) {
			continue
		}
		w.reached.set(p)
		k := kind
		if p != id && (kind == KindBranch || kind == KindLeaf) {
			k = KindOverflow
		}
		w.counts[k]++
		if pm := w.a.PageMap; pm != nil {
			pm.Kinds[p], pm.Buckets[p] = k, bucket
		}
	}
	w.done = min(w.done+int64(n), int64(w.limit))
	if w.opts.Progress != nil && w.done-w.progress >= 4096 {
		w.progress = w.done
		w.opts.Progress(w.done*int64(w.ps), int64(w.limit*w.ps))
	}
}

func (w *walker) bucketName(b int32) string { return w.a.Buckets[b].Name }

// enqueue adds a reference for the next level. References that cannot be
// followed, and second references to a page, are dealt with here, so the
// queue holds at most one reference per page of the file.
func (w *walker) enqueue(r nodeRef) {
	a := w.a
	switch {
	case r.id < 2 || r.id >= w.hwm:
		a.problem(SeverityError, CodePageOutOfRange, r.id, w.bucketName(r.bucket), "referenced from %s, but page ids run from 2 to %d (the high-water mark)", referrer(r.parent), w.hwm-1)
		a.Complete = false
	case r.id >= w.filePages:
		w.missing[r.bucket]++
		a.Complete = false
	case w.queued.get(r.id):
		w.reachedAgain(r, w.bucketName(r.bucket))
	default:
		w.queued.set(r.id)
		w.next = append(w.next, r)
	}
}

// aheadEnd is how far a read for cur[i] should extend: over the following
// references that lie close by, so one read serves them all.
func (w *walker) aheadEnd(i int) uint64 {
	gap := max(1, 64<<10/w.ps)
	id := w.cur[i].id
	end := id + 1
	for j := i + 1; j < len(w.cur); j++ {
		nid := w.cur[j].id
		if nid >= id+w.rd.maxWin || nid > end+gap {
			break
		}
		end = max(end, nid+1)
	}
	return end
}

func (w *walker) visit(i int) error {
	r := w.cur[i]
	a := w.a
	bname := w.bucketName(r.bucket)
	switch {
	case r.id < 2 || r.id >= w.hwm:
		a.problem(SeverityError, CodePageOutOfRange, r.id, bname, "referenced from %s, but page ids run from 2 to %d (the high-water mark)", referrer(r.parent), w.hwm-1)
		a.Complete = false
		return nil
	case r.id >= w.filePages:
		w.missing[r.bucket]++
		a.Complete = false
		return nil
	case w.reached.get(r.id):
		w.reachedAgain(r, bname)
		return nil
	}
	ahead := r.id + 1
	if !w.rd.has(r.id, 1) && !w.sparse {
		ahead = w.aheadEnd(i)
	}
	hb, err := w.rd.read(r.id, 1, ahead)
	if err != nil {
		return w.readFailed(err, r, bname)
	}
	h := parseHeader(hb)
	if h.ID != r.id {
		a.problem(SeverityError, CodePageIDMismatch, r.id, bname, "the page header says it is page %d (referenced from %s)", h.ID, referrer(r.parent))
	}
	var kind PageKind
	switch h.Flags {
	case FlagBranch:
		kind = KindBranch
	case FlagLeaf:
		kind = KindLeaf
	default:
		w.mark(r.id, 1, KindUnreadable, r.bucket)
		a.problem(SeverityError, CodeBadPageType, r.id, bname, "referenced from %s as a tree node, but its type is %s", referrer(r.parent), h.Type())
		a.Complete = false
		return nil
	}
	if uint64(h.Overflow) >= w.hwm-r.id {
		w.mark(r.id, 1, KindUnreadable, r.bucket)
		a.problem(SeverityError, CodeOverflowRange, r.id, bname, "%d overflow pages run past the high-water mark %d", h.Overflow, w.hwm)
		a.Complete = false
		return nil
	}
	n := uint64(h.Overflow) + 1
	for p := r.id + 1; p < r.id+n && p < w.limit; p++ {
		if w.reached.get(p) {
			a.problem(SeverityError, CodePageReachedTwice, p, bname, "overflow page of node %d (referenced from %s) is also used elsewhere", r.id, referrer(r.parent))
			break
		}
	}
	if r.id+n > w.filePages {
		w.mark(r.id, n, KindUnreadable, r.bucket)
		w.missing[r.bucket] += int64(r.id + n - w.filePages)
		a.Complete = false
		return nil
	}
	bs := &a.Buckets[r.bucket]
	// Read only as far as the keys (and nested bucket values) reach: the
	// overflow pages of large values are not needed for the walk.
	size := n * w.ps
	need := neededBytes(hb, size)
	if need > maxNodeBytes {
		w.mark(r.id, n, kind, r.bucket)
		a.problem(SeverityError, CodeNodeTooLarge, r.id, bname, "a node of %d pages needs %d MiB read to check its keys, more than the %d MiB allowed; its elements were not read", n, need>>20, maxNodeBytes>>20)
		a.Complete = false
		return nil
	}
	buf := hb
	k := (need + w.ps - 1) / w.ps
	w.sparse = 2*k <= n
	if k > 1 {
		if buf, err = w.rd.read(r.id, k, ahead); err != nil {
			return w.readFailed(err, r, bname)
		}
	}
	w.mark(r.id, n, kind, r.bucket)
	a.Pages.RunLengths[n]++
	if bs.RunLengths == nil {
		bs.RunLengths = map[uint64]int64{}
	}
	bs.RunLengths[n]++
	bs.AllocBytes += int64(n * w.ps)
	bs.OverflowPages += int64(n - 1)
	bs.Depth = max(bs.Depth, int(r.depth)+1)
	nd, err := newPartialNode(buf, size)
	if err != nil {
		a.problem(SeverityError, CodeElementBounds, r.id, bname, "%v", err)
		a.Complete = false
		if kind == KindBranch {
			bs.BranchPages++
		} else {
			bs.LeafPages++
		}
		return nil
	}
	a.Pages.Elements += int64(nd.count())
	var u used
	if kind == KindBranch {
		bs.BranchPages++
		bs.BranchOverflow += int64(n - 1)
		u = w.branch(&r, nd, bname)
	} else {
		bs.LeafPages++
		bs.LeafOverflow += int64(n - 1)
		u = w.leaf(&r, nd, bname)
	}
	if w.opts.Visit != nil {
		w.opts.Visit(PageInfo{
			ID: r.id, Kind: kind, Bucket: int(r.bucket), Depth: int(r.depth), Overflow: uint32(n - 1), Count: nd.count(),
			UsedBytes: u.total, HeaderBytes: PageHeaderSize, ElementBytes: int64(ElementSize * nd.count()),
			KeyBytes: u.keys, ValueBytes: u.values, FreeBytes: int64(n)*int64(w.f.PageSize()) - u.total,
		})
	}
	return nil
}

// used are the bytes a node's content takes.
type used struct{ total, keys, values int64 }

// readFailed turns a short read into a truncation finding; other errors
// (I/O) end the analysis.
func (w *walker) readFailed(err error, r nodeRef, bname string) error {
	var fe *FormatError
	if errors.As(err, &fe) {
		w.missing[r.bucket]++
		w.a.Complete = false
		return nil
	}
	return err
}

// reachedAgain reports a second reference to a page: a cycle when the page
// is an ancestor of the referring page, else a page with two parents.
func (w *walker) reachedAgain(r nodeRef, bname string) {
	p := r.parent
	for steps := 0; p != NoPage && p != r.id && steps < 4096; steps++ {
		q, ok := w.parents[p]
		if !ok {
			p = NoPage
			break
		}
		p = q
	}
	if p == r.id {
		w.a.problem(SeverityError, CodeCycle, r.id, bname, "page %d refers back to its ancestor %d: the tree has a cycle", r.parent, r.id)
	} else {
		w.a.problem(SeverityError, CodePageReachedTwice, r.id, bname, "referenced from %s, but already reached from another page: two parents", referrer(r.parent))
	}
	w.a.Complete = false
}

func (w *walker) key(arena []byte, k keyRef) []byte { return arena[k.off : k.off+uint64(k.n)] }

func (w *walker) saveKey(k []byte) keyRef {
	off := uint64(len(w.nextKeys))
	w.nextKeys = append(w.nextKeys, k...)
	return keyRef{off: off, n: uint32(len(k)), ok: true}
}

// checkOrder reports the first key out of order on a page: keys must rise
// strictly and stay within [lo, hi) from the parent's separators. It returns
// false after reporting so that a page gets one finding.
func (w *walker) checkOrder(r *nodeRef, i, last int, key, prev []byte, hasPrev bool, bname string) bool {
	if hasPrev && bytes.Compare(prev, key) >= 0 {
		w.a.problem(SeverityError, CodeKeyOrder, r.id, bname, "key %d is not greater than key %d: keys are out of order within the page", i, i-1)
		return false
	}
	if i == 0 && r.lo.ok && bytes.Compare(key, w.key(w.curKeys, r.lo)) < 0 {
		w.a.problem(SeverityError, CodeKeyOrder, r.id, bname, "the first key sorts before the separator for this page in its parent %d", r.parent)
		return false
	}
	if i == last && r.hi.ok && bytes.Compare(key, w.key(w.curKeys, r.hi)) >= 0 {
		w.a.problem(SeverityError, CodeKeyOrder, r.id, bname, "the last key is not below the next separator in its parent %d", r.parent)
		return false
	}
	return true
}

// enqueueChild queues a branch's child, unless it lies deeper than any tree
// bbolt writes: the cursor refuses to descend there too, so check and the
// key scan agree.
func (w *walker) enqueueChild(ref nodeRef, bname string) {
	if ref.depth >= maxTreeDepth {
		w.a.problem(SeverityError, CodeTooDeep, ref.id, bname, "%s", tooDeep)
		w.a.Complete = false
		return
	}
	w.enqueue(ref)
}

func (w *walker) branch(r *nodeRef, nd node, bname string) used {
	a := w.a
	bs := &a.Buckets[r.bucket]
	if nd.count() == 0 {
		a.problem(SeverityError, CodeEmptyBranch, r.id, bname, "branch page with no elements")
		bs.BranchUsed += PageHeaderSize
		bs.UsedBytes += PageHeaderSize
		return used{total: PageHeaderSize}
	}
	w.parents[r.id] = r.parent
	first := len(w.next)
	u := used{total: int64(PageHeaderSize + ElementSize*nd.count())}
	var prev []byte
	ordered, overlap := true, false
	for i := 0; i < nd.count(); i++ {
		key, child, err := nd.branch(i)
		ref := nodeRef{id: child, parent: r.id, bucket: r.bucket, depth: r.depth + 1}
		if err != nil {
			a.problem(SeverityError, CodeElementBounds, r.id, bname, "%v", err)
			a.Complete = false
			prev = nil
			w.enqueueChild(ref, bname)
			continue
		}
		u.total += int64(len(key))
		u.keys += int64(len(key))
		if ordered {
			ordered = w.checkOrder(r, i, nd.count()-1, key, prev, prev != nil, bname)
		}
		if uint64(u.keys) > nd.size {
			// Keys of a sound page are disjoint; overlapping ones would
			// let a small file make us copy far more than it holds.
			if !overlap {
				a.problem(SeverityError, CodeElementBounds, r.id, bname, "element keys overlap: %d key bytes in a %d-byte node", u.keys, nd.size)
				a.Complete = false
			}
			overlap = true
		} else {
			ref.lo = w.saveKey(key)
		}
		w.enqueueChild(ref, bname)
		prev = key
	}
	var hi keyRef
	if r.hi.ok {
		hi = w.saveKey(w.key(w.curKeys, r.hi))
	}
	for j := first; j < len(w.next); j++ {
		if j+1 < len(w.next) {
			w.next[j].hi = w.next[j+1].lo
		} else {
			w.next[j].hi = hi
		}
	}
	bs.KeyBytes += u.keys
	bs.BranchUsed += u.total
	bs.UsedBytes += u.total
	return u
}

func (w *walker) leaf(r *nodeRef, nd node, bname string) used {
	a := w.a
	b := r.bucket
	var prev []byte
	ordered := true
	keys, vals := int64(0), int64(0)
	for i := 0; i < nd.count(); i++ {
		flags, key, val, err := nd.leaf(i)
		if err != nil {
			a.problem(SeverityError, CodeElementBounds, r.id, bname, "%v", err)
			a.Complete = false
			prev = nil
			continue
		}
		keys += int64(len(key))
		vals += int64(nd.vsize(i)) // val is nil when its pages were not read
		if ordered {
			ordered = w.checkOrder(r, i, nd.count()-1, key, prev, prev != nil, bname)
		}
		prev = key
		if flags&BucketLeafFlag != 0 {
			if _, ok := w.parents[r.id]; !ok {
				w.parents[r.id] = r.parent
			}
			w.subBucket(b, r.id, key, val, 0)
		}
	}
	bs := &a.Buckets[b] // subBucket may have grown the slice
	bs.Keys += int64(nd.count())
	bs.KeyBytes += keys
	bs.ValueBytes += vals
	u := used{total: int64(PageHeaderSize+ElementSize*nd.count()) + keys + vals, keys: keys, values: vals}
	bs.LeafUsed += u.total
	bs.UsedBytes += u.total
	return u
}

// newBucket adds a bucket under parent and returns its index.
func (w *walker) newBucket(parent int32, name []byte, root uint64, inline bool) int32 {
	a := w.a
	pb := &a.Buckets[parent]
	pb.SubBuckets++
	if inline {
		pb.InlineSubBuckets++
	}
	if len(a.Buckets) >= maxBuckets || len(pb.Path) >= maxBucketNesting {
		if w.pooled < 0 {
			w.pooled = int32(len(a.Buckets))
			a.Buckets = append(a.Buckets, BucketStats{Name: "(other buckets)", Parent: -1})
			a.problem(SeverityWarning, CodeTooManyBuckets, NoPage, "", "more than %d buckets, or buckets nested more than %d deep; the rest are counted together as \"(other buckets)\"", maxBuckets, maxBucketNesting)
		}
		return w.pooled
	}
	if len(name) > maxNameBytes {
		name = name[:maxNameBytes]
	}
	path := append(slices.Clip(pb.Path), string(name))
	bs := BucketStats{Name: strings.Join(path, "/"), Path: path, Parent: int(parent), RootPage: root, Inline: inline}
	if !utf8.ValidString(bs.Name) {
		bs.NameB64 = base64.StdEncoding.EncodeToString([]byte(bs.Name))
	}
	a.Buckets = append(a.Buckets, bs)
	return int32(len(a.Buckets) - 1)
}

// subBucket handles a bucket element found on page pageID.
func (w *walker) subBucket(parent int32, pageID uint64, key, val []byte, nesting int) {
	a := w.a
	root, inline, err := bucketHeader(val)
	if err != nil {
		a.problem(SeverityError, CodeBadBucket, pageID, w.bucketName(parent), "nested bucket: %v", err)
		a.Complete = false
		return
	}
	bi := w.newBucket(parent, key, root, inline != nil)
	if inline == nil {
		w.enqueue(nodeRef{id: root, parent: pageID, bucket: bi})
		return
	}
	w.inlineBucket(bi, pageID, inline, nesting)
}

// inlineBucket reads a bucket stored inside its parent's leaf value.
func (w *walker) inlineBucket(b int32, pageID uint64, data []byte, nesting int) {
	a := w.a
	bname := w.bucketName(b)
	nd, err := newNode(data)
	if err == nil && nd.h.Flags != FlagLeaf {
		err = errors.New("inline bucket page is " + nd.h.Type() + ", not leaf")
	}
	if err != nil {
		a.problem(SeverityError, CodeBadBucket, pageID, bname, "inline bucket: %v", err)
		a.Complete = false
		return
	}
	inlineUsed := int64(PageHeaderSize + ElementSize*nd.count())
	var prev []byte
	ordered := true
	keys, vals := int64(0), int64(0)
	ref := nodeRef{id: pageID}
	for i := 0; i < nd.count(); i++ {
		flags, key, val, err := nd.leaf(i)
		if err != nil {
			a.problem(SeverityError, CodeElementBounds, pageID, bname, "inline bucket: %v", err)
			a.Complete = false
			prev = nil
			continue
		}
		keys += int64(len(key))
		vals += int64(len(val))
		if ordered && prev != nil && bytes.Compare(prev, key) >= 0 {
			ordered = w.checkOrder(&ref, i, -1, key, prev, true, bname)
		}
		prev = key
		if flags&BucketLeafFlag != 0 {
			if nesting >= maxInlineNesting {
				a.problem(SeverityError, CodeBadBucket, pageID, bname, "buckets nested more than %d deep inside inline buckets", maxInlineNesting)
				a.Complete = false
				continue
			}
			w.subBucket(b, pageID, key, val, nesting+1)
		}
	}
	bs := &a.Buckets[b]
	bs.Keys += int64(nd.count())
	bs.KeyBytes += keys
	bs.ValueBytes += vals
	bs.UsedBytes += inlineUsed + keys + vals
	bs.Depth = max(bs.Depth, 1)
}

// bitmap is one bit per page id.
type bitmap []uint64

func newBitmap(n uint64) bitmap { return make(bitmap, (n+63)/64) }

func (b bitmap) get(i uint64) bool { return b[i/64]&(1<<(i%64)) != 0 }
func (b bitmap) set(i uint64)      { b[i/64] |= 1 << (i % 64) }

// referrer names what referenced a page: a root is referenced by the meta page.
func referrer(parent uint64) string {
	if parent == NoPage {
		return "the meta page"
	}
	return fmt.Sprintf("page %d", parent)
}
