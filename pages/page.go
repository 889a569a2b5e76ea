package pages

import (
	"encoding/binary"
	"fmt"
)

// Page layout (bbolt internal/common/page.go).
const (
	pageHeaderSize = 16
	elementSize    = 16 // branch and leaf elements have the same size

	flagBranch   = 0x01
	flagLeaf     = 0x02
	flagMeta     = 0x04
	flagFreelist = 0x10

	bucketLeafFlag   = 0x01 // leaf element whose value is a bucket header
	bucketHeaderSize = 16   // root pgid, sequence

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
	case flagBranch:
		return "branch"
	case flagLeaf:
		return "leaf"
	case flagMeta:
		return "meta"
	case flagFreelist:
		return "freelist"
	}
	return fmt.Sprintf("unknown<%02x>", h.Flags)
}

// node is the bytes of one branch or leaf node (1+overflow pages, or the
// inline page inside a bucket value) with every access bounds-checked.
type node struct {
	b []byte
	h PageHeader
}

// newNode checks that the element array fits in b.
func newNode(b []byte) (node, error) {
	if len(b) < pageHeaderSize {
		return node{}, fmt.Errorf("%d bytes, shorter than a page header", len(b))
	}
	n := node{b: b, h: parseHeader(b)}
	if need := pageHeaderSize + elementSize*int(n.h.Count); need > len(b) {
		return node{}, fmt.Errorf("%d elements need %d bytes, the node has %d", n.h.Count, need, len(b))
	}
	return n, nil
}

func (n node) count() int { return int(n.h.Count) }

// span returns b[start+pos : start+pos+size], checked.
func (n node) span(i int, pos, size uint64) ([]byte, error) {
	start := uint64(pageHeaderSize+elementSize*i) + pos
	end := start + size // pos, size < 2^32: no overflow
	if end > uint64(len(n.b)) {
		return nil, fmt.Errorf("element %d: bytes [%d,%d) lie outside the node (%d bytes)", i, start, end, len(n.b))
	}
	return n.b[start:end:end], nil
}

// branch returns the key and child page id of branch element i.
func (n node) branch(i int) (key []byte, child uint64, err error) {
	e := n.b[pageHeaderSize+elementSize*i:]
	le := binary.LittleEndian
	pos, ksize := uint64(le.Uint32(e)), uint64(le.Uint32(e[4:]))
	child = le.Uint64(e[8:])
	key, err = n.span(i, pos, ksize)
	return key, child, err
}

// leaf returns the flags, key and value of leaf element i.
func (n node) leaf(i int) (flags uint32, key, value []byte, err error) {
	e := n.b[pageHeaderSize+elementSize*i:]
	le := binary.LittleEndian
	flags = le.Uint32(e)
	pos, ksize, vsize := uint64(le.Uint32(e[4:])), uint64(le.Uint32(e[8:])), uint64(le.Uint32(e[12:]))
	kv, err := n.span(i, pos, ksize+vsize)
	if err != nil {
		return flags, nil, nil, err
	}
	return flags, kv[:ksize:ksize], kv[ksize:], nil
}

// bucketHeader decodes a bucket value: its root page, and for an inline
// bucket (root 0) the bytes of its page.
func bucketHeader(v []byte) (root uint64, inline []byte, err error) {
	if len(v) < bucketHeaderSize {
		return 0, nil, fmt.Errorf("bucket value is %d bytes, shorter than a bucket header (%d)", len(v), bucketHeaderSize)
	}
	root = binary.LittleEndian.Uint64(v)
	if root == 0 {
		return 0, v[bucketHeaderSize:], nil
	}
	return root, nil, nil
}
