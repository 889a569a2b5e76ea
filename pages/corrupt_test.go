package pages_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
	"github.com/dbinspect/dbinspect/internal/pageimage"
	"github.com/dbinspect/dbinspect/pages"
)

// corruptBase is the fixture the corrupt variants are derived from: a real
// etcd file whose key bucket has branch pages.
const corruptBase = "k8s-v3.6"

// loadImage is the corrupt base in memory, for editing.
func loadImage(t *testing.T) *pageimage.Image {
	t.Helper()
	return pageimage.Load(t, fixtures.Path(t, fixtures.Get(t, corruptBase)))
}

// keyRoot is the key bucket's root, which the tests need to be a branch.
func keyRoot(t *testing.T, im *pageimage.Image) uint64 { return im.BranchRoot(t, "key") }

// open reads the image with the page reader.
func open(t *testing.T, im *pageimage.Image) *pages.File {
	t.Helper()
	f, err := pages.NewFile(bytes.NewReader(im.B), int64(len(im.B)))
	if err != nil {
		t.Fatalf("NewFile: %v", err)
	}
	return f
}

// analyze runs the structural check on the image, and the streaming
// reader over every bucket, which must survive the same damage.
func analyze(t *testing.T, im *pageimage.Image) *pages.Analysis {
	t.Helper()
	f := open(t, im)
	a, err := pages.Analyze(f, pages.AnalyzeOptions{})
	if err != nil {
		t.Fatalf("Analyze: %v", err)
	}
	names, _ := f.BucketNames()
	for _, n := range names {
		_ = f.ForEach(n, func(k, v []byte) error { return nil })
	}
	return a
}

func TestCorruptVariants(t *testing.T) {
	tests := []struct {
		name    string
		corrupt func(t *testing.T, im *pageimage.Image)
		code    string
		bucket  string // bucket the problem must name, if any
		// readAll: every page could still be read, so the analysis stays
		// complete though damaged.
		readAll bool
	}{
		{"page id past the end", func(t *testing.T, im *pageimage.Image) {
			root := keyRoot(t, im)
			im.SetChild(root, 1, im.HighWater()+5)
		}, pages.CodePageOutOfRange, "key", false},
		{"cycle", func(t *testing.T, im *pageimage.Image) {
			root := keyRoot(t, im)
			c := im.Child(root, 0)
			if im.Flags(c) == pages.FlagBranch {
				im.SetChild(c, 0, root) // grandchild points back to the root
			} else {
				im.SetChild(root, 0, root)
			}
		}, pages.CodeCycle, "key", false},
		{"two parents for one page", func(t *testing.T, im *pageimage.Image) {
			root := keyRoot(t, im)
			im.SetChild(root, 1, im.Child(root, 0))
		}, pages.CodePageReachedTwice, "key", false},
		{"element offset outside its page", func(t *testing.T, im *pageimage.Image) {
			leaf := im.FirstLeaf(keyRoot(t, im))
			binary.LittleEndian.PutUint32(im.Elem(leaf, 0)[4:], 0xFFFFFF00)
		}, pages.CodeElementBounds, "key", false},
		{"leaf page of unknown type", func(t *testing.T, im *pageimage.Image) {
			leaf := im.FirstLeaf(keyRoot(t, im))
			binary.LittleEndian.PutUint16(im.Page(leaf)[8:], 0x20)
		}, pages.CodeBadPageType, "key", false},
		{"keys out of order", func(t *testing.T, im *pageimage.Image) {
			leaf := im.FirstLeaf(keyRoot(t, im))
			e0, e1 := im.Elem(leaf, 0), im.Elem(leaf, 1)
			// Point element 0 at element 1's bytes: same key twice.
			pos1 := binary.LittleEndian.Uint32(e1[4:]) + pages.ElementSize
			copy(e0[4:], e1[4:])
			binary.LittleEndian.PutUint32(e0[4:], pos1)
		}, pages.CodeKeyOrder, "key", true},
		{"page header names another id", func(t *testing.T, im *pageimage.Image) {
			leaf := im.FirstLeaf(keyRoot(t, im))
			binary.LittleEndian.PutUint64(im.Page(leaf), leaf+1)
		}, pages.CodePageIDMismatch, "key", true},
		{"overflow past the high-water mark", func(t *testing.T, im *pageimage.Image) {
			leaf := im.FirstLeaf(keyRoot(t, im))
			binary.LittleEndian.PutUint32(im.Page(leaf)[12:], 1<<30)
		}, pages.CodeOverflowRange, "key", false},
		{"flipped meta checksum", func(t *testing.T, im *pageimage.Image) {
			used := im.UsedMeta()
			im.Page(used)[pages.MetaOffset+56] ^= 0xFF
		}, pages.CodeMetaInvalid, "", true},
		{"truncated file", func(t *testing.T, im *pageimage.Image) {
			hw := int(im.HighWater()) * im.PageSize
			im.B = im.B[:hw/2+100] // mid-page too
		}, pages.CodeTruncated, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			im := loadImage(t)
			tt.corrupt(t, im)
			a := analyze(t, im)
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
			case tt.code == pages.CodeMetaInvalid:
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
	before := open(t, im).Meta()
	used := im.UsedMeta()
	im.Page(used)[pages.MetaOffset+pages.MetaTxIDAt] ^= 0x01 // txid, covered by the checksum
	f, err := pages.NewFile(bytes.NewReader(im.B), int64(len(im.B)))
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
	a, err := pages.Analyze(f, pages.AnalyzeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Damaged() {
		t.Errorf("the previous meta's tree should be intact: %v", a.Problems)
	}
}

func TestBothMetasBad(t *testing.T) {
	im := loadImage(t)
	im.Page(0)[pages.MetaOffset] ^= 0xFF
	im.Page(1)[pages.MetaOffset+pages.MetaChecksumAt] ^= 0xFF
	_, err := pages.NewFile(bytes.NewReader(im.B), int64(len(im.B)))
	var fe *pages.FormatError
	if !errors.As(err, &fe) || fe.Code != pages.CodeNoValidMeta || !errors.Is(err, pages.ErrCorrupt) {
		t.Fatalf("got %v, want a %s pages.FormatError wrapping pages.ErrCorrupt", err, pages.CodeNoValidMeta)
	}
}

func TestTruncationNamesBuckets(t *testing.T) {
	im := loadImage(t)
	full := int64(im.HighWater()) * int64(im.PageSize)
	im.B = im.B[:full*3/4]
	a := analyze(t, im)
	tr := a.Truncation
	if tr == nil {
		t.Fatal("no truncation reported")
	}
	if tr.ExpectedBytes != full || tr.ActualBytes != int64(len(im.B)) || tr.MissingBytes != full-int64(len(im.B)) {
		t.Errorf("truncation %+v, want expected %d actual %d", tr, full, len(im.B))
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

// TestForEachSkipsDamage checks the KVReader contract on a damaged file:
// every readable pair is delivered, and the error wraps pages.ErrCorrupt.
func TestForEachSkipsDamage(t *testing.T) {
	im := loadImage(t)
	count := func(f *pages.File) (int, error) {
		n := 0
		err := f.ForEach("key", func(k, v []byte) error { n++; return nil })
		return n, err
	}
	whole, err := count(open(t, im))
	if err != nil {
		t.Fatal(err)
	}
	leaf := im.FirstLeaf(keyRoot(t, im))
	binary.LittleEndian.PutUint32(im.Elem(leaf, 0)[4:], 0xFFFFFF00)
	f, err := pages.NewFile(bytes.NewReader(im.B), int64(len(im.B)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := count(f)
	if !errors.Is(err, pages.ErrCorrupt) {
		t.Errorf("ForEach error %v, want one wrapping pages.ErrCorrupt", err)
	}
	if got != whole-1 {
		t.Errorf("%d pairs delivered, want %d (all but the damaged one)", got, whole-1)
	}
}

// TestAbsurdHighWaterMark rewrites the used meta with a high-water mark
// whose byte size overflows, keeping its checksum valid.
func TestAbsurdHighWaterMark(t *testing.T) {
	im := loadImage(t)
	used := im.UsedMeta()
	im.SetMetaU64(used, pages.MetaHighWaterAt, 1<<61)
	a := analyze(t, im)
	if a.Meta.HighWater != 1<<61 || !a.HasProblem(pages.CodeMetaBadPointer) || a.Complete {
		t.Errorf("high water %d, problems %v", a.Meta.HighWater, a.Problems)
	}
	if a.Pages.ByType.Leaf == 0 {
		t.Error("the tree was not walked")
	}
}
