package pages

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
)

// corruptBase is the fixture the corrupt variants are derived from: a real
// etcd file whose key bucket has branch pages.
const corruptBase = "k8s-v3.6"

// image is a file held in memory for editing.
type image struct {
	b  []byte
	ps int
	f  *File
}

func loadImage(t *testing.T) *image {
	t.Helper()
	b, err := os.ReadFile(fixtures.Path(t, fixtures.Get(t, corruptBase)))
	if err != nil {
		t.Fatal(err)
	}
	f, err := NewFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	return &image{b: b, ps: f.PageSize(), f: f}
}

func (im *image) page(id uint64) []byte { return im.b[int(id)*im.ps : int(id+1)*im.ps] }

func (im *image) header(id uint64) PageHeader { return parseHeader(im.page(id)) }

// elem returns the 16 bytes of element i of page id.
func (im *image) elem(id uint64, i int) []byte {
	return im.page(id)[pageHeaderSize+elementSize*i:][:elementSize]
}

func (im *image) child(id uint64, i int) uint64 {
	return binary.LittleEndian.Uint64(im.elem(id, i)[8:])
}

func (im *image) setChild(id uint64, i int, child uint64) {
	binary.LittleEndian.PutUint64(im.elem(id, i)[8:], child)
}

// keyRoot is the root page of the key bucket.
func (im *image) keyRoot(t *testing.T) uint64 {
	t.Helper()
	var root uint64
	err := im.f.rootBuckets(func(name, v []byte) error {
		if string(name) == "key" {
			root = binary.LittleEndian.Uint64(v)
		}
		return nil
	})
	if err != nil || root == 0 {
		t.Fatalf("no key bucket root: %v", err)
	}
	if im.header(root).Flags != flagBranch {
		t.Fatalf("the key bucket of %s is a single leaf; the corrupt tests need branch pages", corruptBase)
	}
	return root
}

// firstLeaf descends the leftmost path from id to a leaf.
func (im *image) firstLeaf(id uint64) uint64 {
	for im.header(id).Flags == flagBranch {
		id = im.child(id, 0)
	}
	return id
}

func (im *image) analyze(t *testing.T) *Analysis {
	t.Helper()
	f, err := NewFile(bytes.NewReader(im.b), int64(len(im.b)))
	if err != nil {
		t.Fatalf("NewFile: %v", err)
	}
	a, err := Analyze(f, AnalyzeOptions{})
	if err != nil {
		t.Fatalf("Analyze: %v", err)
	}
	// The streaming reader must survive the same damage.
	names, _ := f.BucketNames()
	for _, n := range names {
		_ = f.ForEach(n, func(k, v []byte) error { return nil })
	}
	return a
}

func TestCorruptVariants(t *testing.T) {
	tests := []struct {
		name    string
		corrupt func(t *testing.T, im *image)
		code    string
		bucket  string // bucket the problem must name, if any
		// readAll: every page could still be read, so the analysis stays
		// complete though damaged.
		readAll bool
	}{
		{"page id past the end", func(t *testing.T, im *image) {
			root := im.keyRoot(t)
			im.setChild(root, 1, im.f.Meta().HighWater+5)
		}, CodePageOutOfRange, "key", false},
		{"cycle", func(t *testing.T, im *image) {
			root := im.keyRoot(t)
			c := im.child(root, 0)
			if im.header(c).Flags == flagBranch {
				im.setChild(c, 0, root) // grandchild points back to the root
			} else {
				im.setChild(root, 0, root)
			}
		}, CodeCycle, "key", false},
		{"two parents for one page", func(t *testing.T, im *image) {
			root := im.keyRoot(t)
			im.setChild(root, 1, im.child(root, 0))
		}, CodePageReachedTwice, "key", false},
		{"element offset outside its page", func(t *testing.T, im *image) {
			leaf := im.firstLeaf(im.keyRoot(t))
			binary.LittleEndian.PutUint32(im.elem(leaf, 0)[4:], 0xFFFFFF00)
		}, CodeElementBounds, "key", false},
		{"leaf page of unknown type", func(t *testing.T, im *image) {
			leaf := im.firstLeaf(im.keyRoot(t))
			binary.LittleEndian.PutUint16(im.page(leaf)[8:], 0x20)
		}, CodeBadPageType, "key", false},
		{"keys out of order", func(t *testing.T, im *image) {
			leaf := im.firstLeaf(im.keyRoot(t))
			e0, e1 := im.elem(leaf, 0), im.elem(leaf, 1)
			// Point element 0 at element 1's bytes: same key twice.
			pos1 := binary.LittleEndian.Uint32(e1[4:]) + elementSize
			copy(e0[4:], e1[4:])
			binary.LittleEndian.PutUint32(e0[4:], pos1)
		}, CodeKeyOrder, "key", true},
		{"page header names another id", func(t *testing.T, im *image) {
			leaf := im.firstLeaf(im.keyRoot(t))
			binary.LittleEndian.PutUint64(im.page(leaf), leaf+1)
		}, CodePageIDMismatch, "key", true},
		{"overflow past the high-water mark", func(t *testing.T, im *image) {
			leaf := im.firstLeaf(im.keyRoot(t))
			binary.LittleEndian.PutUint32(im.page(leaf)[12:], 1<<30)
		}, CodeOverflowRange, "key", false},
		{"flipped meta checksum", func(t *testing.T, im *image) {
			used := im.f.metas[im.f.used].PageID
			im.page(used)[metaOffset+56] ^= 0xFF
		}, CodeMetaInvalid, "", true},
		{"truncated file", func(t *testing.T, im *image) {
			hw := int(im.f.Meta().HighWater) * im.ps
			im.b = im.b[:hw/2+100] // mid-page too
		}, CodeTruncated, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			im := loadImage(t)
			tt.corrupt(t, im)
			a := im.analyze(t)
			found := false
			for _, p := range a.Problems {
				if p.Code == tt.code && (tt.bucket == "" || p.Bucket == tt.bucket) {
					found = true
				}
			}
			if !found {
				t.Fatalf("no %s problem (bucket %q); got %v", tt.code, tt.bucket, a.Problems)
			}
			switch {
			case tt.code == CodeMetaInvalid:
				if a.Damaged() || !a.Complete {
					t.Errorf("one bad meta: damaged=%v complete=%v, want neither (bbolt uses the other)", a.Damaged(), a.Complete)
				}
			case !a.Damaged() || a.Complete != tt.readAll:
				t.Errorf("damaged=%v complete=%v, want damaged and complete=%v", a.Damaged(), a.Complete, tt.readAll)
			}
			if got := a.Pages.ByType.Sum()*int64(a.File.PageSize) + a.Pages.TailBytes; got != a.File.BboltBytes {
				t.Errorf("census adds up to %d bytes, file has %d", got, a.File.BboltBytes)
			}
		})
	}
}

func TestFlippedMetaFallsBack(t *testing.T) {
	im := loadImage(t)
	before := im.f.Meta()
	used := im.f.metas[im.f.used].PageID
	im.page(used)[metaOffset+48] ^= 0x01 // txid, covered by the checksum
	f, err := NewFile(bytes.NewReader(im.b), int64(len(im.b)))
	if err != nil {
		t.Fatal(err)
	}
	ms := f.Metas()
	if ms[used].Valid || ms[used].Reason == "" || !ms[1-used].Used {
		t.Fatalf("metas %+v: want meta %d invalid with a reason and the other used", ms, used)
	}
	if f.Meta().TxID != before.TxID-1 {
		t.Errorf("fell back to txid %d, want %d", f.Meta().TxID, before.TxID-1)
	}
	a, err := Analyze(f, AnalyzeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Damaged() {
		t.Errorf("the previous meta's tree should be intact: %v", a.Problems)
	}
}

func TestBothMetasBad(t *testing.T) {
	im := loadImage(t)
	im.page(0)[metaOffset] ^= 0xFF
	im.page(1)[metaOffset+56] ^= 0xFF
	_, err := NewFile(bytes.NewReader(im.b), int64(len(im.b)))
	var fe *FormatError
	if !errors.As(err, &fe) || fe.Code != CodeNoValidMeta || !errors.Is(err, ErrCorrupt) {
		t.Fatalf("got %v, want a %s FormatError wrapping ErrCorrupt", err, CodeNoValidMeta)
	}
}

func TestTruncationNamesBuckets(t *testing.T) {
	im := loadImage(t)
	full := int64(im.f.Meta().HighWater) * int64(im.ps)
	im.b = im.b[:full*3/4]
	a := im.analyze(t)
	tr := a.Truncation
	if tr == nil {
		t.Fatal("no truncation reported")
	}
	if tr.ExpectedBytes != full || tr.ActualBytes != int64(len(im.b)) || tr.MissingBytes != full-int64(len(im.b)) {
		t.Errorf("truncation %+v, want expected %d actual %d", tr, full, len(im.b))
	}
	if len(tr.AffectedBuckets) == 0 {
		t.Errorf("no affected buckets named")
	}
	if a.Pages.ByType.Missing != int64(a.Meta.HighWater)-a.Pages.Total {
		t.Errorf("missing pages %d, want %d", a.Pages.ByType.Missing, int64(a.Meta.HighWater)-a.Pages.Total)
	}
	if a.Pages.ByType.Leaf == 0 {
		t.Error("the readable part was not analysed")
	}
}

func TestFreelistListingReachablePage(t *testing.T) {
	path := specs[1].build(t) // etcdlike with a persisted freelist
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := NewFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	ps, fl, root := f.PageSize(), f.Meta().Freelist, f.Meta().Root
	pg := b[int(fl)*ps:]
	h := parseHeader(pg)
	if h.Count == 0 || h.Count == 0xFFFF {
		t.Fatalf("freelist count %d; the test needs a short non-empty list", h.Count)
	}
	binary.LittleEndian.PutUint64(pg[pageHeaderSize:], root) // list the root page as free
	f, _ = NewFile(bytes.NewReader(b), int64(len(b)))
	a, err := Analyze(f, AnalyzeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !a.HasProblem(CodeFreelistReachable) || a.Freelist.ListedButReachable != 1 {
		t.Errorf("freelist %+v, problems %v", a.Freelist, a.Problems)
	}
	if !a.HasProblem(CodeFreelistLeaked) || a.Freelist.Leaked != 1 {
		t.Errorf("the page no longer listed should be leaked: %+v", a.Freelist)
	}
}

// TestForEachSkipsDamage checks the KVReader contract on a damaged file:
// every readable pair is delivered, and the error wraps ErrCorrupt.
func TestForEachSkipsDamage(t *testing.T) {
	im := loadImage(t)
	count := func(f *File) (int, error) {
		n := 0
		err := f.ForEach("key", func(k, v []byte) error { n++; return nil })
		return n, err
	}
	whole, err := count(im.f)
	if err != nil {
		t.Fatal(err)
	}
	leaf := im.firstLeaf(im.keyRoot(t))
	binary.LittleEndian.PutUint32(im.elem(leaf, 0)[4:], 0xFFFFFF00)
	f, err := NewFile(bytes.NewReader(im.b), int64(len(im.b)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := count(f)
	if !errors.Is(err, ErrCorrupt) {
		t.Errorf("ForEach error %v, want one wrapping ErrCorrupt", err)
	}
	if got != whole-1 {
		t.Errorf("%d pairs delivered, want %d (all but the damaged one)", got, whole-1)
	}
}

// TestAbsurdHighWaterMark rewrites the used meta with a high-water mark
// whose byte size overflows, keeping its checksum valid.
func TestAbsurdHighWaterMark(t *testing.T) {
	im := loadImage(t)
	used := im.f.metas[im.f.used].PageID
	pg := im.page(used)
	binary.LittleEndian.PutUint64(pg[metaOffset+40:], 1<<61)
	m, _ := ParseMeta(pg)
	binary.LittleEndian.PutUint64(pg[metaOffset+56:], m.sum)
	a := im.analyze(t)
	if a.Meta.HighWater != 1<<61 || !a.HasProblem(CodeMetaBadPointer) || a.Complete {
		t.Errorf("high water %d, problems %v", a.Meta.HighWater, a.Problems)
	}
	if a.Pages.ByType.Leaf == 0 {
		t.Error("the tree was not walked")
	}
}
