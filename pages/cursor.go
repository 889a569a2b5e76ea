package pages

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/dbinspect/dbinspect/internal/testhook"
)

var _ KVReader = (*File)(nil)

// maxTreeDepth bounds the descent of ForEach; bbolt trees are a handful of
// levels deep, so deeper means a cycle.
const maxTreeDepth = 64

// tooDeep says why a tree past maxTreeDepth is damage, in the structural
// check (the walk) and in every read of a bucket (the cursor) alike.
var tooDeep = fmt.Sprintf("the tree is deeper than %d levels, which bbolt never writes (each level at least doubles the pages below it): a cycle or a forged chain of branch pages; its pages from here down are not read", maxTreeDepth)

// treeIter walks one bucket's tree depth-first in key order with one
// buffer per level. It is the streaming counterpart of the walk in
// walk.go: it follows the same checks but does not keep a bitmap; instead
// keys must rise strictly (so a page reached twice is skipped) and the
// number of pages visited is bounded by the high-water mark.
type treeIter struct {
	f      *File
	rd     *pageReader
	bufs   [][]byte    // private copies of branch nodes, per level
	seq    []readAhead // per level
	last   []byte      // last key delivered
	has    bool
	visits uint64
	errs   []error
	fn     func(flags uint32, k, v []byte) error
	// lenFn, when set, replaces fn: leaves are read only as far as their
	// keys reach, and values are given by length (see ForEachLen).
	lenFn func(flags uint32, k []byte, vlen int) error
	// leafFn, when set, replaces fn: a leaf's pairs (nested buckets
	// skipped) are delivered together (see ForEachLeaf).
	leafFn     func(keys, values [][]byte) error
	leafKeys   [][]byte
	leafValues [][]byte
}

func (f *File) newTreeIter(fn func(flags uint32, k, v []byte) error) *treeIter {
	return &treeIter{f: f, fn: fn}
}

// damaged records a skipped subtree.
func (it *treeIter) damaged(code string, page uint64, format string, args ...any) {
	if len(it.errs) < 10 {
		it.errs = append(it.errs, formatErr(code, page, -1, format, args...))
	}
}

// result is the error after a full walk: nil, or the skipped subtrees.
func (it *treeIter) result() error {
	if len(it.errs) == 0 {
		return nil
	}
	return fmt.Errorf("%w (damaged parts were skipped)", errors.Join(it.errs...))
}

// readNode reads page id and its overflow pages into the level's buffer.
func (it *treeIter) readNode(id uint64, depth int) (node, error) {
	f := it.f
	hwm := f.Meta().HighWater
	ps := uint64(f.pageSize)
	switch checkNodeRef(id, hwm, f.filePages()) {
	case nodeOutOfRange:
		return node{}, formatErr(CodePageOutOfRange, id, -1, "page id outside [2, %d)", hwm)
	case nodePastEOF:
		return node{}, formatErr(CodeTruncated, id, -1, "page lies past the end of the file")
	}
	if it.rd == nil {
		it.rd = newPageReader(f)
	}
	for len(it.bufs) <= depth {
		it.bufs = append(it.bufs, nil)
		it.seq = append(it.seq, readAhead{})
	}
	// Read ahead more while the nodes of this level follow each other in
	// the file (a defragmented tree), one page at a time otherwise.
	ra := &it.seq[depth]
	if ra.sparse {
		// The last node's overflow pages were skipped: reading ahead
		// would read them after all.
		ra.pages = 1
	} else if id == ra.next {
		ra.pages = min(max(2*ra.pages, 2), it.rd.maxWin)
	} else {
		ra.pages = 1
	}
	buf, err := it.rd.read(id, 1, id+ra.pages)
	if err != nil {
		return node{}, err
	}
	h := parseHeader(buf)
	n, fault := checkNodeHeader(h, id, hwm, f.filePages())
	switch fault {
	case nodeBadType:
		return node{}, formatErr(CodeBadPageType, id, -1, "tree node has type %s", h.Type())
	case nodeOverflowRange:
		return node{}, formatErr(CodeOverflowRange, id, -1, "%d overflow pages run past the high-water mark", h.Overflow)
	case nodePastEOF:
		return node{}, formatErr(CodeTruncated, id, -1, "node runs past the end of the file")
	}
	if n*ps > maxNodeBytes {
		return node{}, formatErr(CodeNodeTooLarge, id, -1, "node of %d pages too large to read", n)
	}
	ra.next = id + n
	ra.sparse = false
	if n > 1 && it.lenFn != nil && h.Flags == FlagLeaf {
		// Only the element array and the keys are needed, not the
		// overflow pages the values fill.
		k := (neededBytes(buf, n*ps) + ps - 1) / ps
		if k > 1 {
			if buf, err = it.rd.read(id, k, id+k); err != nil {
				return node{}, err
			}
		}
		ra.sparse = k < n
		nd, err := newPartialNode(buf[:k*ps], n*ps)
		if err != nil {
			return node{}, formatErr(CodeElementBounds, id, -1, "%v", err)
		}
		return nd, nil
	}
	if n > 1 {
		if buf, err = it.rd.read(id, n, id+max(n, ra.pages)); err != nil {
			return node{}, err
		}
	}
	if h.Flags == FlagBranch {
		// A branch stays in use while its children are read through the
		// same reader: keep a private copy.
		if uint64(cap(it.bufs[depth])) < n*ps {
			it.bufs[depth] = make([]byte, n*ps)
		}
		buf = append(it.bufs[depth][:0], buf...)
	}
	nd, err := newNode(buf)
	if err != nil {
		return node{}, formatErr(CodeElementBounds, id, -1, "%v", err)
	}
	return nd, nil
}

// readAhead is the sequential-read state of one tree level.
type readAhead struct {
	next   uint64 // page after the last node read
	pages  uint64 // pages to read ahead
	sparse bool   // the last node was read without its overflow pages
}

// walk visits the tree rooted at page id.
func (it *treeIter) walk(id uint64, depth int) error {
	it.visits++
	if depth >= maxTreeDepth {
		it.damaged(CodeTooDeep, id, "%s", tooDeep)
		return nil
	}
	if it.visits > min(it.f.Meta().HighWater, it.f.filePages()) {
		it.damaged(CodeCycle, id, "the tree revisits pages: a cycle")
		return nil
	}
	nd, err := it.readNode(id, depth)
	if err != nil {
		var fe *FormatError
		if !errors.As(err, &fe) {
			return err // I/O
		}
		it.damaged(fe.Code, fe.PageID, "%s", fe.Msg)
		return nil
	}
	if nd.h.Flags == FlagBranch {
		for i := 0; i < nd.count(); i++ {
			_, child, _ := nd.branch(i) // the child id is readable even if the key is not
			if err := it.walk(child, depth+1); err != nil {
				return err
			}
			// walk may have grown the deeper buffers, never this one
		}
		return nil
	}
	return it.leafPage(nd, id)
}

// leafPage delivers the elements of one leaf node.
func (it *treeIter) leafPage(nd node, id uint64) error {
	if it.leafFn != nil {
		it.leafKeys, it.leafValues = it.leafKeys[:0], it.leafValues[:0]
		defer func() { clear(it.leafKeys); clear(it.leafValues) }() // keep no page bytes alive
	}
	for i := 0; i < nd.count(); i++ {
		flags, k, v, err := nd.leaf(i)
		if err != nil {
			it.damaged(CodeElementBounds, id, "%v", err)
			continue
		}
		if it.has && bytes.Compare(it.last, k) >= 0 {
			it.damaged(CodeKeyOrder, id, "key %d does not follow the previous key; the rest of the page was skipped", i)
			return it.deliverLeaf()
		}
		it.last = append(it.last[:0], k...)
		it.has = true
		if it.leafFn != nil {
			if flags&BucketLeafFlag == 0 {
				it.leafKeys = append(it.leafKeys, k)
				it.leafValues = append(it.leafValues, v)
			}
			continue
		}
		if it.lenFn != nil {
			if err := it.lenFn(flags, k, int(nd.vsize(i))); err != nil {
				return err
			}
			continue
		}
		if err := it.fn(flags, k, v); err != nil {
			return err
		}
	}
	return it.deliverLeaf()
}

// deliverLeaf hands the pairs leafPage collected to leafFn.
func (it *treeIter) deliverLeaf() error {
	if it.leafFn == nil || len(it.leafKeys) == 0 {
		return nil
	}
	return it.leafFn(it.leafKeys, it.leafValues)
}

// bucket walks a bucket given its value in the parent (header plus, for an
// inline bucket, its page).
func (it *treeIter) bucket(value []byte, page uint64) error {
	root, inline, err := bucketHeader(value)
	if err != nil {
		it.damaged(CodeBadBucket, page, "%v", err)
		return it.result()
	}
	if inline != nil {
		nd, err := newNode(inline)
		if err == nil && nd.h.Flags != FlagLeaf {
			err = errors.New("inline bucket page is " + nd.h.Type())
		}
		if err != nil {
			it.damaged(CodeBadBucket, page, "inline bucket: %v", err)
			return it.result()
		}
		if err := it.leafPage(nd, page); err != nil {
			return err
		}
		return it.result()
	}
	if err := it.walk(root, 0); err != nil {
		return err
	}
	return it.result()
}

// rootBuckets calls fn for each root-level bucket element.
func (f *File) rootBuckets(fn func(name, value []byte) error) error {
	if testhook.RootTreeWalk != nil {
		testhook.RootTreeWalk()
	}
	it := f.newTreeIter(func(flags uint32, k, v []byte) error {
		if flags&BucketLeafFlag == 0 {
			return nil
		}
		return fn(k, v)
	})
	if err := it.walk(f.Meta().Root, 0); err != nil {
		return err
	}
	return it.result()
}

// rootIndex is the root tree read once: every root-level bucket's name, in
// key order, and value (its header, and its page when inline). Looking a
// bucket up walks the root tree no more, so reading every bucket of a file
// of 100,000 buckets is linear, not quadratic.
type rootIndex struct {
	once   sync.Once
	names  []string
	values map[string][]byte
	err    error // damage in the root tree; the entries read are kept
}

func (f *File) rootIndex() *rootIndex {
	x := &f.roots
	x.once.Do(func() {
		x.values = map[string][]byte{}
		defer f.Guard()(&x.err)
		x.err = f.rootBuckets(func(name, v []byte) error {
			x.names = append(x.names, string(name))
			x.values[string(name)] = bytes.Clone(v)
			return nil
		})
	})
	return x
}

// BucketNames lists the root-level buckets in key order. Damaged parts of
// the root tree are skipped and reported in an error wrapping ErrCorrupt,
// along with the names that could be read.
func (f *File) BucketNames() ([]string, error) {
	x := f.rootIndex()
	return slices.Clone(x.names), x.err
}

// ForEach streams the pairs of a root-level bucket in key order, skipping
// nested buckets (see KVReader). Memory is one buffer per tree level.
func (f *File) ForEach(bucket string, fn func(k, v []byte) error) error {
	return f.forEach(bucket, func(it *treeIter) {
		it.fn = func(flags uint32, k, v []byte) error {
			if flags&BucketLeafFlag != 0 {
				return nil
			}
			return fn(k, v)
		}
	})
}

// ForEachLeaf is ForEach delivering the pairs of one leaf page at a time,
// in key order: keys[i] and values[i] are a pair, valid during the call.
// A caller that looks each key up in a table far larger than the CPU
// caches can then issue a leaf's lookups together.
func (f *File) ForEachLeaf(bucket string, fn func(keys, values [][]byte) error) error {
	return f.forEach(bucket, func(it *treeIter) { it.leafFn = fn })
}

// LeafReader is a KVReader that can also deliver a leaf's pairs together
// (ForEachLeaf); *File is.
type LeafReader interface {
	KVReader
	ForEachLeaf(bucket string, fn func(keys, values [][]byte) error) error
}

// forEachLeafOf is src.ForEachLeaf when src has it, else ForEach handing
// over one pair at a time.
func forEachLeafOf(src KVReader, bucket string, fn func(keys, values [][]byte) error) error {
	if lr, ok := src.(LeafReader); ok {
		return lr.ForEachLeaf(bucket, fn)
	}
	var ks, vs [1][]byte
	return src.ForEach(bucket, func(k, v []byte) error {
		ks[0], vs[0] = k, v
		return fn(ks[:], vs[:])
	})
}

// ForEachLen is ForEach giving each value's length instead of its bytes.
// It does not read the overflow pages that hold only values, so it reads
// far less of a file whose values are large.
func (f *File) ForEachLen(bucket string, fn func(k []byte, vlen int) error) error {
	return f.forEach(bucket, func(it *treeIter) {
		it.lenFn = func(flags uint32, k []byte, vlen int) error {
			if flags&BucketLeafFlag != 0 {
				return nil
			}
			return fn(k, vlen)
		}
	})
}

// forEach walks a root-level bucket with an iterator set up by setup.
func (f *File) forEach(bucket string, setup func(*treeIter)) (err error) {
	defer f.Guard()(&err)
	value, err := f.rootBucketValue(bucket)
	if err != nil {
		return err
	}
	page := f.Meta().Root
	it := f.newTreeIter(nil)
	defer func() { it.rd.release() }()
	setup(it)
	if err := it.bucket(value, page); err != nil {
		return fmt.Errorf("bucket %q: %w", bucket, err)
	}
	return nil
}

// LeafPageOf names the leaf page of a root-level bucket that holds key (or
// would, if it is absent), by descending the bucket's tree as bbolt's
// cursor seeks: so a bad entry can be located by page, for `bbolt page`.
// It reads one node per level; an inline bucket has no page of its own.
func (f *File) LeafPageOf(bucket string, key []byte) (_ uint64, err error) {
	defer f.Guard()(&err)
	value, err := f.rootBucketValue(bucket)
	if err != nil {
		return 0, err
	}
	root, inline, err := bucketHeader(value)
	if err != nil {
		return 0, fmt.Errorf("bucket %q: %w", bucket, err)
	}
	if inline != nil {
		return 0, fmt.Errorf("bucket %q is inline: its pairs sit in its parent's leaf", bucket)
	}
	it := f.newTreeIter(nil)
	id := root
	for depth := 0; depth < maxTreeDepth; depth++ {
		nd, err := it.readNode(id, depth)
		if err != nil {
			return 0, err
		}
		if nd.h.Flags == FlagLeaf {
			return id, nil
		}
		// The last child whose first key is at or below key, else the first.
		next, found := uint64(0), false
		for i := 0; i < nd.count(); i++ {
			k, child, err := nd.branch(i)
			if err != nil {
				return 0, fmt.Errorf("page %d: %w", id, err)
			}
			if i > 0 && bytes.Compare(k, key) > 0 {
				break
			}
			next, found = child, true
		}
		if !found {
			return 0, fmt.Errorf("page %d: a branch without elements", id)
		}
		id = next
	}
	return 0, fmt.Errorf("bucket %q: %s", bucket, tooDeep)
}

// rootBucketValue is the root-level bucket's value (its header, and its
// page when inline), from the root index.
func (f *File) rootBucketValue(bucket string) ([]byte, error) {
	x := f.rootIndex()
	if v, ok := x.values[bucket]; ok {
		return v, nil
	}
	if x.err != nil {
		return nil, fmt.Errorf("bucket %q: %w", bucket, x.err)
	}
	return nil, fmt.Errorf("no bucket %q in the file", bucket)
}
