// Package pageimage edits a bbolt file held in memory, for tests that
// derive damaged or hostile inputs from real fixtures: read and change
// page headers, elements, children and meta fields (re-summing the meta
// checksum), find a bucket's root, and write the result to a temp file.
//
// It is built on the pages package's own layout constants, so the editor
// and the reader cannot disagree about where a field sits. It never
// validates what it writes: making bad files is its job. Tests only.
package pageimage

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"testing"

	"github.com/dbinspect/dbinspect/pages"
)

var le = binary.LittleEndian

// Image is a bbolt file in memory. B may be cut or replaced (a truncated
// copy); pages are PageSize bytes from the start of B.
type Image struct {
	B        []byte
	PageSize int
}

// Load reads a file into an Image; its page size comes from meta page 0.
func Load(t testing.TB, path string) *Image {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < pages.MetaOffset+pages.MetaPageSizeAt+4 {
		t.Fatalf("%s: %d bytes, too short for a meta page", path, len(b))
	}
	return &Image{B: b, PageSize: int(le.Uint32(b[pages.MetaOffset+pages.MetaPageSizeAt:]))}
}

// New is an Image of size zero bytes, pages of pageSize bytes.
func New(size, pageSize int) *Image { return &Image{B: make([]byte, size), PageSize: pageSize} }

// Page is page id's bytes, in place.
func (im *Image) Page(id uint64) []byte {
	return im.B[int(id)*im.PageSize : int(id+1)*im.PageSize]
}

// Header fields of page id.
func (im *Image) Flags(id uint64) uint16 { return le.Uint16(im.Page(id)[8:]) }
func (im *Image) Count(id uint64) int    { return int(le.Uint16(im.Page(id)[10:])) }

// PutHeader writes a page header at the start of p: the page's id, flags
// (pages.Flag*), element count and overflow.
func PutHeader(p []byte, id uint64, flags, count uint16, overflow uint32) {
	le.PutUint64(p, id)
	le.PutUint16(p[8:], flags)
	le.PutUint16(p[10:], count)
	le.PutUint32(p[12:], overflow)
}

// InitMeta makes page id (0 or 1) a valid meta page: bbolt's magic and
// format version, the image's page size, and the given root, freelist
// page (pages.NoFreelist: none), high-water mark and txid.
func (im *Image) InitMeta(id, root, freelist, highWater, txid uint64) {
	p := im.Page(id)
	PutHeader(p, id, pages.FlagMeta, 0, 0)
	m := p[pages.MetaOffset:]
	le.PutUint32(m, pages.Magic)
	le.PutUint32(m[pages.MetaVersionAt:], pages.FormatVersion)
	le.PutUint32(m[pages.MetaPageSizeAt:], uint32(im.PageSize))
	le.PutUint64(m[pages.MetaRootAt:], root)
	le.PutUint64(m[pages.MetaFreelistAt:], freelist)
	le.PutUint64(m[pages.MetaHighWaterAt:], highWater)
	le.PutUint64(m[pages.MetaTxIDAt:], txid)
	im.Resum(id)
}

// Elem is element i of page id (branch: pos, ksize, pgid; leaf: flags,
// pos, ksize, vsize), in place.
func (im *Image) Elem(id uint64, i int) []byte {
	return im.Page(id)[pages.PageHeaderSize+pages.ElementSize*i:][:pages.ElementSize]
}

// Child is the page branch element i of page id points to.
func (im *Image) Child(id uint64, i int) uint64 { return le.Uint64(im.Elem(id, i)[8:]) }

// SetChild points branch element i of page id at child.
func (im *Image) SetChild(id uint64, i int, child uint64) { le.PutUint64(im.Elem(id, i)[8:], child) }

// LeafKV is the key and value of leaf element i of page id, in place (they
// may run into the page's overflow pages).
func (im *Image) LeafKV(id uint64, i int) (k, v []byte) {
	e := im.Elem(id, i)
	pos, ks, vs := le.Uint32(e[4:]), le.Uint32(e[8:]), le.Uint32(e[12:])
	start := pages.PageHeaderSize + pages.ElementSize*i + int(pos)
	p := im.B[int(id)*im.PageSize:]
	return p[start : start+int(ks)], p[start+int(ks) : start+int(ks)+int(vs)]
}

// UsedMeta is the meta page bbolt would use: the one with the higher txid.
func (im *Image) UsedMeta() uint64 {
	if im.MetaU64(1, pages.MetaTxIDAt) > im.MetaU64(0, pages.MetaTxIDAt) {
		return 1
	}
	return 0
}

// MetaU64 is the 8-byte meta field at offset at (pages.Meta*At) of meta
// page id.
func (im *Image) MetaU64(id uint64, at int) uint64 {
	return le.Uint64(im.Page(id)[pages.MetaOffset+at:])
}

// SetMetaU32 and SetMetaU64 change a meta field and re-sum the meta, so
// the change is what the reader sees rather than a checksum error.
func (im *Image) SetMetaU32(id uint64, at int, v uint32) {
	le.PutUint32(im.Page(id)[pages.MetaOffset+at:], v)
	im.Resum(id)
}

func (im *Image) SetMetaU64(id uint64, at int, v uint64) {
	le.PutUint64(im.Page(id)[pages.MetaOffset+at:], v)
	im.Resum(id)
}

// Resum recomputes meta page id's checksum (FNV-1a 64 of the bytes before
// it) after a deliberate change.
func (im *Image) Resum(id uint64) {
	m := im.Page(id)[pages.MetaOffset:]
	h := fnv.New64a()
	h.Write(m[:pages.MetaSumBytes])
	le.PutUint64(m[pages.MetaChecksumAt:], h.Sum64())
}

// HighWater is the used meta's high-water mark.
func (im *Image) HighWater() uint64 { return im.MetaU64(im.UsedMeta(), pages.MetaHighWaterAt) }

// BucketRoot is the root page of a top-level bucket, read from the root
// bucket's leaf (etcd's root bucket fits one leaf page).
func (im *Image) BucketRoot(name string) (uint64, error) {
	root := im.MetaU64(im.UsedMeta(), pages.MetaRootAt)
	if im.Flags(root) != pages.FlagLeaf {
		return 0, fmt.Errorf("root bucket page %d is not a leaf", root)
	}
	for i := 0; i < im.Count(root); i++ {
		if k, v := im.LeafKV(root, i); string(k) == name {
			return le.Uint64(v), nil
		}
	}
	return 0, fmt.Errorf("no bucket %q", name)
}

// BranchRoot is a bucket's root, which must be a branch page (the tests
// that damage children need one).
func (im *Image) BranchRoot(t testing.TB, name string) uint64 {
	t.Helper()
	r, err := im.BucketRoot(name)
	if err != nil {
		t.Fatal(err)
	}
	if im.Flags(r) != pages.FlagBranch {
		t.Fatalf("the %s bucket's root %d is not a branch page", name, r)
	}
	return r
}

// FirstLeaf descends the leftmost path from page id to a leaf.
func (im *Image) FirstLeaf(id uint64) uint64 {
	for im.Flags(id) == pages.FlagBranch {
		id = im.Child(id, 0)
	}
	return id
}

// Write writes the image to a new file in the test's temp dir.
func (im *Image) Write(t testing.TB) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "db")
	if err := os.WriteFile(p, im.B, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
