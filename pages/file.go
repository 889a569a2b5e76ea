package pages

import (
	"errors"
	"fmt"
	"io"
	"math/bits"
	"os"

	"github.com/dbinspect/dbinspect/internal/testhook"
)

// File is a bbolt file opened for reading: no lock, nothing written, so it
// works while a running etcd holds the file. Open reads it through a
// read-only mapping where it can (mapped.go), else, and for NewFile, with
// pread.
type File struct {
	r        io.ReaderAt
	closer   io.Closer
	m        *mapping // nil: every read is a pread
	rawSize  int64    // whole file, snapshot trailer included
	size     int64    // bbolt part
	pageSize int
	metas    [2]MetaStatus
	used     int
	snap     SnapshotTrailer
	roots    rootIndex // read on first use
}

// Open opens path read-only. It never locks the file, so a copy held by a
// running etcd can be read (the result is then a moment's view).
func Open(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		fh.Close()
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	f, err := NewFile(fh, st.Size())
	if err != nil {
		fh.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f.closer = fh
	f.m = newMapping(fh, st)
	if f.m != nil && testhook.FileMapped != nil {
		testhook.FileMapped(path)
	}
	return f, nil
}

// NewFile reads the meta pages of a bbolt file of size bytes served by r.
// It fails when neither meta page is valid, as bbolt does.
func NewFile(r io.ReaderAt, size int64) (*File, error) {
	if size < 0 {
		return nil, fmt.Errorf("negative file size %d", size)
	}
	if size == 0 {
		return nil, formatErr(CodeTruncated, NoPage, -1, "the file is empty (0 bytes): nothing was copied; copy member/snap/db again, or take a copy with 'etcdctl snapshot save'")
	}
	f := &File{r: r, rawSize: size, size: size}
	if err := f.readTrailer(); err != nil {
		return nil, err
	}
	if err := f.detectPageSize(); err != nil {
		return nil, err
	}
	for i := range f.metas {
		f.metas[i] = f.readMeta(uint64(i))
	}
	f.used = chooseMeta(f.metas)
	if f.used < 0 {
		return nil, formatErr(CodeNoValidMeta, NoPage, -1,
			"neither meta page is valid (meta 0 at offset 0: %s; meta 1 at offset %d: %s); bbolt and etcd cannot open this file: restore it from a backup or snapshot",
			f.metas[0].Reason, f.pageSize, f.metas[1].Reason)
	}
	f.metas[f.used].Used = true
	f.checkTrailer()
	return f, nil
}

// Close closes the file opened by Open.
func (f *File) Close() error {
	if f.closer == nil {
		return nil
	}
	if f.m != nil {
		f.m.close()
		f.m = nil
	}
	return f.closer.Close()
}

// PageSize is the page size of the meta bbolt would use.
func (f *File) PageSize() int { return f.pageSize }

// Size is the length of the bbolt part of the file (without a snapshot trailer).
func (f *File) Size() int64 { return f.size }

// Meta is the meta page bbolt would use.
func (f *File) Meta() Meta { return f.metas[f.used].Meta }

// Metas are both meta pages with their validity.
func (f *File) Metas() [2]MetaStatus { return f.metas }

// Snapshot describes the snapshot trailer, if the file has one.
func (f *File) Snapshot() SnapshotTrailer { return f.snap }

// filePages is the number of whole pages in the bbolt part.
func (f *File) filePages() uint64 { return uint64(f.size) / uint64(f.pageSize) }

// highWaterBytes is meta.pgid × page size, or false if that overflows.
func (f *File) highWaterBytes() (uint64, bool) {
	hi, lo := bits.Mul64(f.Meta().HighWater, uint64(f.pageSize))
	return lo, hi == 0 && lo <= 1<<62
}

// readAt reads exactly len(b) bytes at off, reporting a short read as a
// truncation (which wraps ErrCorrupt).
func (f *File) readAt(b []byte, off int64, page uint64) error {
	if off < 0 || off > f.size || int64(len(b)) > f.size-off {
		return formatErr(CodeTruncated, page, off, "needs %d bytes at offset %d but the file ends at %d: the file is truncated", len(b), off, f.size)
	}
	n, err := f.r.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		return formatErr(CodeTruncated, page, off, "short read: %d of %d bytes", n, len(b))
	}
	return fmt.Errorf("page %d: read at offset %d: %w", page, off, err)
}

// detectPageSize follows bbolt's DB.getPageSize: meta 0 in the first 4 KiB,
// else meta 1 at 1 KiB << i for i in 0..14.
func (f *File) detectPageSize() error {
	var buf [4096]byte
	read := func(off int64) []byte {
		n := int64(len(buf))
		if f.size-off < n {
			n = f.size - off
		}
		if n < metaBytes {
			return nil
		}
		if err := f.readAt(buf[:n], off, NoPage); err != nil {
			return nil
		}
		return buf[:n]
	}
	try := func(off int64) (int, bool) {
		b := read(off)
		if b == nil {
			return 0, false
		}
		m, err := ParseMeta(b)
		if err != nil || m.Validate() != nil {
			return 0, false
		}
		return int(m.PageSize), true
	}
	ps, ok := try(0)
	for i := 0; !ok && i <= 14; i++ {
		pos := int64(1024) << i
		if pos >= f.size-1024 {
			break
		}
		ps, ok = try(pos)
	}
	if !ok {
		// bbolt falls back to the OS page size; so do we, to report why
		// each meta is invalid.
		ps = os.Getpagesize()
	}
	if ps < 1024 || ps > 1<<24 || ps&(ps-1) != 0 {
		return formatErr(CodeMetaInvalid, NoPage, -1, "meta page gives page size %d; bbolt page sizes are powers of two from 1 KiB to 16 MiB", ps)
	}
	f.pageSize = ps
	return nil
}

func (f *File) readMeta(id uint64) MetaStatus {
	st := MetaStatus{PageID: id}
	off := int64(id) * int64(f.pageSize)
	buf := make([]byte, metaBytes)
	if err := f.readAt(buf, off, id); err != nil {
		st.Reason = err.Error()
		if fe, ok := err.(*FormatError); ok {
			st.Reason = fe.Msg // the caller names the meta page and its offset
		}
		return st
	}
	m, err := ParseMeta(buf)
	st.Meta = m
	if err == nil {
		err = m.Validate()
	}
	if err == nil && int(m.PageSize) != f.pageSize {
		err = fmt.Errorf("page size %d differs from the file's page size %d", m.PageSize, f.pageSize)
	}
	if err != nil {
		if fe, ok := err.(*FormatError); ok {
			st.Reason = fe.Msg
		} else {
			st.Reason = err.Error()
		}
		return st
	}
	st.Valid = true
	return st
}

// pageReader reads pages with pread through a window that is filled with
// one read covering several upcoming pages, so a walk in ascending page
// order costs few system calls; or, when the file is mapped, hands out the
// mapping's bytes in place.
type pageReader struct {
	f        *File
	ps       uint64
	win      []byte
	winStart uint64 // first page id in win
	winPages uint64 // pages held in win
	maxWin   uint64 // window capacity in pages
	big      []byte // for nodes larger than the window
	reads    int64
	m        *mapping // the file's mapping, or nil
	behind   behind   // its regions in use
}

const readWindowBytes = 1 << 20

func newPageReader(f *File) *pageReader {
	ps := uint64(f.pageSize)
	maxWin := uint64(readWindowBytes) / ps
	if maxWin == 0 {
		maxWin = 1
	}
	return &pageReader{f: f, ps: ps, maxWin: maxWin, m: f.m}
}

// release drops what the reader still has mapped: it is done.
func (r *pageReader) release() {
	if r != nil && r.m != nil {
		r.m.release(&r.behind)
	}
}

// has reports whether pages [id, id+n) are in the window (always, through
// a mapping: nothing is gained by reading ahead).
func (r *pageReader) has(id, n uint64) bool {
	return r.m != nil || id >= r.winStart && id-r.winStart+n <= r.winPages
}

// read returns pages [id, id+n). When it must read, it reads up to
// aheadEnd (exclusive) as well, within the window's capacity. The caller has
// checked that [id, id+n) lies inside the file. The bytes are valid until
// the next call (through a mapping, until Close).
func (r *pageReader) read(id, n, aheadEnd uint64) ([]byte, error) {
	if r.m != nil {
		off, end := id*r.ps, (id+n)*r.ps
		if end/r.ps != id+n || end > uint64(r.f.size) {
			return nil, formatErr(CodeTruncated, id, int64(off), "needs %d pages at page %d but the file ends at %d bytes: the file is truncated", n, id, r.f.size)
		}
		r.reads++
		r.m.touch(off, end, &r.behind)
		return r.m.data[off:end:end], nil
	}
	if r.has(id, n) {
		off := (id - r.winStart) * r.ps
		return r.win[off : off+n*r.ps], nil
	}
	r.reads++
	if n > r.maxWin {
		need := n * r.ps
		if uint64(cap(r.big)) < need {
			r.big = make([]byte, need)
		}
		b := r.big[:need]
		if err := r.f.readAt(b, int64(id*r.ps), id); err != nil {
			return nil, err
		}
		return b, nil
	}
	end := max(id+n, min(aheadEnd, id+r.maxWin))
	end = min(end, r.f.filePages())
	if uint64(cap(r.win)) < (end-id)*r.ps {
		// Grow to what is asked for: small walks stay small.
		r.win = make([]byte, max((end-id)*r.ps, min(2*uint64(cap(r.win)), r.maxWin*r.ps)))
	}
	r.winPages = 0
	b := r.win[:(end-id)*r.ps]
	if err := r.f.readAt(b, int64(id*r.ps), id); err != nil {
		return nil, err
	}
	r.winStart, r.winPages = id, end-id
	return b[:n*r.ps], nil
}
