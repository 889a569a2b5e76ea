package pages

import (
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"unsafe"
)

// The passes over a file (page walk, key scan, defrag simulations, the
// names' re-read, the snapshot hash) read it through one read-only shared
// mapping when the platform allows (issues 16 and 18): each reads the
// page cache in place, with no copy, so the file is read once from the
// disk and copied never, where four pread passes copied it four times.
// Two things make that safe:
//
//   - Resident memory: mapped pages count in the process's RSS. Every
//     read is accounted in fault-around blocks, and when the passes
//     together have touched dropEvery bytes since the last drop, the whole
//     mapping is dropped from the page tables (MADV_DONTNEED: the page cache
//     keeps the pages, a later touch maps them again). The mapped part of
//     RSS stays under about dropEvery plus one block per reader.
//   - A file that shrinks while it is read: touching a page past the new
//     end raises SIGBUS. Every goroutine that touches the mapping runs under
//     Guard, which makes that fault a panic on the goroutine and the panic
//     an error (see Guard).
//
// DBINSPECT_READ=pread turns the mapping off (every read is a pread copy,
// as before), for comparison and for filesystems where mapping misbehaves.

const (
	// faultBlock is the kernel's default fault-around: a fault maps the
	// cached pages of the aligned 64 KiB around it.
	faultBlock = 64 << 10
	// dropEvery is how many bytes of blocks the readers may touch before
	// the mapping is dropped from the page tables.
	dropEvery = 32 << 20
)

// mapping is a File's read-only view of the whole file.
type mapping struct {
	data     []byte // rawSize bytes, as mapped at Open
	fh       *os.File
	atOpen   os.FileInfo
	blocks   atomic.Int64 // blocks touched since the last drop
	dropping atomic.Bool
}

// noBlock is a reader's last block before its first read.
const noBlock = math.MaxUint64

func newMapping(fh *os.File, st os.FileInfo) *mapping {
	if os.Getenv("DBINSPECT_READ") == "pread" {
		return nil
	}
	b := mapFile(fh, st.Size())
	if b == nil {
		return nil
	}
	return &mapping{data: b, fh: fh, atOpen: st}
}

// touch accounts for the bytes [off, end) a reader is about to use; last
// is that reader's last block, so a run of reads within one block counts
// it once. Past dropEvery it drops the whole mapping from the page tables.
func (m *mapping) touch(off, end uint64, last *uint64) {
	if end <= off {
		return
	}
	first, lb := off/faultBlock, (end-1)/faultBlock
	if first == *last {
		first++
	}
	*last = lb
	if lb < first {
		return
	}
	if m.blocks.Add(int64(lb-first+1)) < dropEvery/faultBlock {
		return
	}
	if m.dropping.CompareAndSwap(false, true) {
		m.blocks.Store(0)
		dropMapped(m.data)
		m.dropping.Store(false)
	}
}

func (m *mapping) close() {
	unmapFile(m.data)
	m.data = nil
}

// Guard makes the calling goroutine safe to touch the bytes f hands out
// (ForEach's keys and values, ...) while the file may shrink under it:
// deferred at the goroutine's top as
//
//	defer f.Guard()(&err)
//
// it turns the fault on a page past the file's new end into a panic there
// (debug.SetPanicOnFault), recovers that panic and sets err to a
// FormatError (CodeTruncated) saying the file became shorter while read.
// A runtime error of other origin is also turned into an error when the
// file's size or time has changed since Open (bytes changing under a
// check: a file written while read); any other panic goes on. Every
// exported way into the file guards its own goroutine; a caller that hands
// those bytes to another goroutine guards that one. Without a mapping it
// does nothing.
func (f *File) Guard() func(*error) {
	if f.m == nil {
		return func(*error) {}
	}
	old := debug.SetPanicOnFault(true)
	return func(err *error) {
		debug.SetPanicOnFault(old)
		if r := recover(); r != nil {
			e := f.m.faultError(r)
			if e == nil {
				panic(r)
			}
			*err = e
		}
	}
}

// faultError is the error for a panic recovered under Guard, or nil when
// the panic is not the file's doing.
func (m *mapping) faultError(r any) error {
	if fe, ok := r.(interface{ Addr() uintptr }); ok && len(m.data) > 0 {
		base := uintptr(unsafe.Pointer(unsafe.SliceData(m.data)))
		if a := fe.Addr(); a >= base && a-base < uintptr(len(m.data)) {
			off := int64(a - base)
			now := "unknown"
			if st, err := m.fh.Stat(); err == nil {
				now = fmt.Sprint(st.Size())
			}
			return formatErr(CodeTruncated, NoPage, off, "the file became shorter while it was read: byte %d of the %d it had when opened is gone (now %s bytes); read a copy that nothing writes to", off, len(m.data), now)
		}
	}
	if _, ok := r.(runtime.Error); ok {
		if st, err := m.fh.Stat(); err == nil && (st.Size() != m.atOpen.Size() || !st.ModTime().Equal(m.atOpen.ModTime())) {
			return fmt.Errorf("the file changed while it was read (%v): read a copy that nothing writes to", r)
		}
	}
	return nil
}

// Mapped says whether the bytes f hands out stay valid after the call that
// gave them, until Close: true when f reads through its mapping. A reader
// that sees true may keep them instead of copying, and must touch them only
// on goroutines under Guard.
func (f *File) Mapped() bool { return f.m != nil }
