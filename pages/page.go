package pages

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Page layout (bbolt internal/common/page.go), exported for the tests that
// build or damage page images (internal/pageimage).
const (
	PageHeaderSize = 16
	ElementSize    = 16 // branch and leaf elements have the same size

	FlagBranch   = 0x01
	FlagLeaf     = 0x02
	FlagMeta     = 0x04
	FlagFreelist = 0x10

	BucketLeafFlag   = 0x01 // leaf element whose value is a bucket header
	BucketHeaderSize = 16   // root pgid, sequence

	// maxNodeBytes bounds what one node may make us read into memory.
	// etcd's values are limited to a few MiB by --max-request-bytes; a node
	// larger than this is reported instead of read.
	maxNodeBytes = 256 << 20
)

// PageHeader is the 16-byte header at the start of every page.
type PageHeader struct {
	ID       uint64 `json:"id"`
	Flags    uint16 `json:"flags"`
	Count    uint16 `json:"count"`
	Overflow uint32 `json:"overflow"`
}

func parseHeader(b []byte) PageHeader {
	le := binary.LittleEndian
	return PageHeader{ID: le.Uint64(b), Flags: le.Uint16(b[8:]), Count: le.Uint16(b[10:]), Overflow: le.Uint32(b[12:])}
}

// Type names the page type as bbolt's Page.Typ does.
func (h PageHeader) Type() string {
	switch h.Flags {
	case FlagBranch:
		return "branch"
	case FlagLeaf:
		return "leaf"
	case FlagMeta:
		return "meta"
	case FlagFreelist:
		return "freelist"
	}
	return fmt.Sprintf("unknown<%02x>", h.Flags)
}

// node is the bytes of one branch or leaf node (1+overflow pages, or the
// inline page inside a bucket value) with every access bounds-checked.
type node struct {
	b    []byte // the bytes read: all of the node, or a prefix (see neededBytes)
	size uint64 // the node's length
	h    PageHeader
}

// newNode checks that the element array fits in b.
func newNode(b []byte) (node, error) {
	if len(b) < PageHeaderSize {
		return node{}, fmt.Errorf("%d bytes, shorter than a page header", len(b))
	}
	return newPartialNode(b, uint64(len(b)))
}

// newPartialNode is a node of size bytes of which b, a prefix holding at
// least the element array, was read.
func newPartialNode(b []byte, size uint64) (node, error) {
	if len(b) < PageHeaderSize || uint64(len(b)) > size {
		return node{}, fmt.Errorf("%d bytes, shorter than a page header", len(b))
	}
	n := node{b: b, size: size, h: parseHeader(b)}
	if need := uint64(PageHeaderSize + ElementSize*int(n.h.Count)); need > size {
		return node{}, fmt.Errorf("%d elements need %d bytes, the node has %d", n.h.Count, need, size)
	} else if need > uint64(len(b)) {
		return node{}, fmt.Errorf("%d elements need %d bytes, only %d were read", n.h.Count, need, len(b))
	}
	return n, nil
}

// neededBytes is how much of a node of size bytes must be read to check
// its keys and decode nested bucket values, judged from the element array
// in first (its first page). It is size when the array is not all there.
func neededBytes(first []byte, size uint64) uint64 {
	h := parseHeader(first)
	base := uint64(PageHeaderSize + ElementSize*int(h.Count))
	if base > uint64(len(first)) || (h.Flags != FlagBranch && h.Flags != FlagLeaf) {
		return size
	}
	end := base
	le := binary.LittleEndian
	for i := 0; i < int(h.Count); i++ {
		e := first[PageHeaderSize+ElementSize*i:]
		at := uint64(PageHeaderSize + ElementSize*i)
		if h.Flags == FlagBranch {
			end = max(end, at+uint64(le.Uint32(e))+uint64(le.Uint32(e[4:])))
			continue
		}
		kend := at + uint64(le.Uint32(e[4:])) + uint64(le.Uint32(e[8:]))
		if le.Uint32(e)&BucketLeafFlag != 0 {
			kend += uint64(le.Uint32(e[12:]))
		}
		end = max(end, kend)
	}
	return min(end, size)
}

func (n node) count() int { return int(n.h.Count) }

// span returns b[start+pos : start+pos+size], checked.
func (n node) span(i int, pos, size uint64) ([]byte, error) {
	start := uint64(PageHeaderSize+ElementSize*i) + pos
	end := start + size // pos, size < 2^32: no overflow
	if end > n.size {
		return nil, fmt.Errorf("element %d: bytes [%d,%d) lie outside the node (%d bytes)", i, start, end, n.size)
	}
	if end > uint64(len(n.b)) {
		return nil, errNotRead
	}
	return n.b[start:end:end], nil
}

// branch returns the key and child page id of branch element i.
func (n node) branch(i int) (key []byte, child uint64, err error) {
	e := n.b[PageHeaderSize+ElementSize*i:]
	le := binary.LittleEndian
	pos, ksize := uint64(le.Uint32(e)), uint64(le.Uint32(e[4:]))
	child = le.Uint64(e[8:])
	key, err = n.span(i, pos, ksize)
	return key, child, err
}

// leaf returns the flags, key and value of leaf element i.
func (n node) leaf(i int) (flags uint32, key, value []byte, err error) {
	e := n.b[PageHeaderSize+ElementSize*i:]
	le := binary.LittleEndian
	flags = le.Uint32(e)
	pos, ksize, vsize := uint64(le.Uint32(e[4:])), uint64(le.Uint32(e[8:])), uint64(le.Uint32(e[12:]))
	kv, err := n.span(i, pos, ksize+vsize)
	if err == errNotRead {
		// The value lies in pages not read; the key must have been.
		key, err = n.span(i, pos, ksize)
		return flags, key, nil, err
	}
	if err != nil {
		return flags, nil, nil, err
	}
	return flags, kv[:ksize:ksize], kv[ksize:], nil
}

// vsize is the value size of leaf element i.
func (n node) vsize(i int) uint32 {
	return binary.LittleEndian.Uint32(n.b[PageHeaderSize+ElementSize*i+12:])
}

// errNotRead marks bytes inside the node that were not read (a partial
// node); it is not corruption.
var errNotRead = errors.New("bytes not read")

// bucketHeader decodes a bucket value: its root page, and for an inline
// bucket (root 0) the bytes of its page.
func bucketHeader(v []byte) (root uint64, inline []byte, err error) {
	if len(v) < BucketHeaderSize {
		return 0, nil, fmt.Errorf("bucket value is %d bytes, shorter than a bucket header (%d)", len(v), BucketHeaderSize)
	}
	root = binary.LittleEndian.Uint64(v)
	if root == 0 {
		return 0, v[BucketHeaderSize:], nil
	}
	return root, nil, nil
}
