package pages

import (
	"encoding/binary"
	"hash/fnv"
)

// On-disk constants of bbolt (internal/common/types.go, the same in v1.3 to
// v1.5). Integers are little-endian: bbolt writes native order and etcd runs
// on little-endian machines.
const (
	Magic = 0xED0CDAED // every meta page starts with it
	// FormatVersion is the only bbolt data format version.
	FormatVersion = 2
	// NoFreelist is Meta.Freelist when no freelist page is persisted
	// (NoFreelistSync, which etcd sets on Linux).
	NoFreelist = ^uint64(0)

	MetaOffset   = PageHeaderSize // the meta struct follows the page header
	MetaSumBytes = 56             // the checksum covers the meta struct up to itself
	metaBytes    = MetaOffset + 64

	// Offsets of the meta struct's fields, from MetaOffset.
	MetaVersionAt   = 4
	MetaPageSizeAt  = 8
	MetaRootAt      = 16
	MetaSequenceAt  = 24
	MetaFreelistAt  = 32
	MetaHighWaterAt = 40
	MetaTxIDAt      = 48
	MetaChecksumAt  = 56
)

// Meta is one decoded meta page.
type Meta struct {
	Magic     uint32 `json:"magic"`
	Version   uint32 `json:"version"`
	PageSize  uint32 `json:"page_size"`
	Flags     uint32 `json:"flags"`
	Root      uint64 `json:"root_pgid"`
	Sequence  uint64 `json:"sequence"`
	Freelist  uint64 `json:"freelist_pgid"`
	HighWater uint64 `json:"high_water_pgid"` // meta.pgid: first page id never allocated
	TxID      uint64 `json:"txid"`
	Checksum  uint64 `json:"checksum"`

	sum uint64 // FNV-1a over the bytes the checksum covers
}

// FreelistPersisted reports whether the meta points to a freelist page.
func (m Meta) FreelistPersisted() bool { return m.Freelist != NoFreelist }

// ParseMeta decodes the meta struct of a meta page; page starts at the page
// header. It checks only that the bytes are there; Validate checks content.
func ParseMeta(page []byte) (Meta, error) {
	if len(page) < metaBytes {
		return Meta{}, formatErr(CodeMetaInvalid, NoPage, -1, "meta page too short: %d bytes, need %d", len(page), metaBytes)
	}
	b := page[MetaOffset:metaBytes]
	le := binary.LittleEndian
	h := fnv.New64a()
	h.Write(b[:MetaSumBytes])
	return Meta{
		Magic:     le.Uint32(b[0:]),
		Version:   le.Uint32(b[MetaVersionAt:]),
		PageSize:  le.Uint32(b[MetaPageSizeAt:]),
		Flags:     le.Uint32(b[12:]),
		Root:      le.Uint64(b[MetaRootAt:]),
		Sequence:  le.Uint64(b[MetaSequenceAt:]),
		Freelist:  le.Uint64(b[MetaFreelistAt:]),
		HighWater: le.Uint64(b[MetaHighWaterAt:]),
		TxID:      le.Uint64(b[MetaTxIDAt:]),
		Checksum:  le.Uint64(b[MetaChecksumAt:]),
		sum:       h.Sum64(),
	}, nil
}

// Validate applies bbolt's Meta.Validate: magic, then version, then checksum.
func (m Meta) Validate() error {
	switch {
	case m.Magic != Magic:
		return formatErr(CodeMetaInvalid, NoPage, -1, "bad magic %#08x, want %#08x (not a bbolt file, or the meta page is overwritten)", m.Magic, uint32(Magic))
	case m.Version != FormatVersion:
		return formatErr(CodeMetaInvalid, NoPage, -1, "unsupported format version %d, want %d", m.Version, FormatVersion)
	case m.Checksum != m.sum:
		return formatErr(CodeMetaInvalid, NoPage, -1, "checksum %#016x does not match the content (%#016x): the meta page is damaged", m.Checksum, m.sum)
	}
	return nil
}

// MetaStatus is one of the two meta pages with its validity.
type MetaStatus struct {
	PageID uint64 `json:"page_id"`
	Valid  bool   `json:"valid"`
	Reason string `json:"reason,omitempty"` // why it is invalid
	Used   bool   `json:"used"`             // the meta bbolt would use
	Meta   Meta   `json:"meta"`
}

// chooseMeta is bbolt's DB.meta(): the higher txid if it validates, else the
// other one (meta0 wins a tie). It returns -1 when neither validates.
func chooseMeta(ms [2]MetaStatus) int {
	a, b := 0, 1
	if ms[1].Meta.TxID > ms[0].Meta.TxID {
		a, b = 1, 0
	}
	if ms[a].Valid {
		return a
	}
	if ms[b].Valid {
		return b
	}
	return -1
}
