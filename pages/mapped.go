package pages

import (
	"fmt"
	"math/bits"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"unsafe"
)

// The passes over a file (page walk, key scan, defrag simulations, the
// names' re-read, the snapshot hash) read it through one read-only shared
// mapping when the platform allows (issues 16 and 18): each reads the
// page cache in place, with no copy, so the file is read once from the
// disk and copied never, where four pread passes copied it four times.
// Two things make that safe:
//
//   - Resident memory: mapped pages count in the process's RSS. Each
//     reader (a page walk, a bucket's cursor, the snapshot hash) drops the
//     2 MiB regions it has touched from the page tables every heldRegions
//     of them (MADV_DONTNEED; the page cache keeps the pages), so the
//     mapped part of RSS is at most 16 MiB per reader. Bytes a reader handed on (the key
//     scan's batches) may be mapped again by their user: a few more.
//   - A file that shrinks while it is read: touching a page past the new
//     end raises SIGBUS. Every goroutine that touches the mapping runs under
//     Guard, which makes that fault a panic on the goroutine and the panic
//     an error (see Guard).
//
// DBINSPECT_READ=pread turns the mapping off (every read is a pread copy,
// as before), for comparison and for filesystems where mapping misbehaves.

// region is the unit a reader drops behind it: 2 MiB, the page cache's
// largest folio (a fault maps a large folio whole: 2 MiB per touch was
// measured here on a copy made with cp), and folios are aligned to their
// size, so no folio straddles two regions.
const region = 2 << 20

// mapping is a File's read-only view of the whole file.
type mapping struct {
	// mu is held for reading while a region is dropped and for writing
	// while the mapping is unmapped, so a drop never reaches an address
	// range that was unmapped and perhaps reused.
	mu     sync.RWMutex
	data   []byte // rawSize bytes, as mapped at Open; nil once closed
	fh     *os.File
	atOpen os.FileInfo
}

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

// behind is what one reader keeps mapped: the regions it touched since
// its last drop (a bitmap), and those of its last read. Once it holds
// more than heldRegions, it drops them all from the page tables but the
// last read's (MADV_DONTNEED: the page cache keeps the pages; a later
// touch, by any reader, maps them again). Dropping a batch at once, not a
// region at a time, keeps the system calls and TLB flushes few when a
// reader's pages are scattered over the file (a key bucket's leaves in
// key order), at a bound of heldRegions x 2 MiB per reader.
type behind struct {
	lo, hi uint64 // regions [lo, hi) of the last read
	held   []uint64
	n      int
}

// heldRegions is how many regions a reader keeps before it drops them.
const heldRegions = 8

// touch notes that the reader is about to use bytes [off, end).
func (m *mapping) touch(off, end uint64, b *behind) {
	if end <= off {
		return
	}
	lo, hi := off/region, (end-1)/region+1
	if lo == b.lo && hi == b.hi && b.held != nil {
		return
	}
	if b.held == nil {
		b.held = make([]uint64, (uint64(len(m.data))/region+64)/64)
	}
	b.lo, b.hi = lo, hi
	for r := lo; r < hi && r/64 < uint64(len(b.held)); r++ {
		if w, bit := &b.held[r/64], uint64(1)<<(r%64); *w&bit == 0 {
			*w |= bit
			b.n++
		}
	}
	if b.n <= heldRegions {
		return
	}
	// Keep the last read's regions: the reader is using them.
	for r := lo; r < hi && r/64 < uint64(len(b.held)); r++ {
		b.held[r/64] &^= 1 << (r % 64)
	}
	m.dropHeld(b)
	for r := lo; r < hi && r/64 < uint64(len(b.held)); r++ {
		b.held[r/64] |= 1 << (r % 64)
		b.n++
	}
}

// release drops every region the reader holds: it is done.
func (m *mapping) release(b *behind) {
	if b.held != nil {
		m.dropHeld(b)
	}
	b.lo, b.hi = 0, 0
}

// dropHeld drops the regions in b.held and clears it: each run of
// regions with one call, or the span from the first to the last with one
// call when they are scattered (the regions between are other readers',
// which map theirs again when they touch them).
func (m *mapping) dropHeld(b *behind) {
	var runs [][2]uint64
	first, last := uint64(0), uint64(0)
	for i, w := range b.held {
		for w != 0 {
			r := uint64(i)*64 + uint64(bits.TrailingZeros64(w))
			w &= w - 1
			if len(runs) > 0 && runs[len(runs)-1][1] == r {
				runs[len(runs)-1][1] = r + 1
			} else {
				if len(runs) == 0 {
					first = r
				}
				runs = append(runs, [2]uint64{r, r + 1})
			}
			last = r + 1
		}
	}
	clear(b.held)
	b.n = 0
	if len(runs) > 4 {
		m.drop(first, last)
		return
	}
	for _, x := range runs {
		m.drop(x[0], x[1])
	}
}

// drop takes regions [lo, hi) out of the page tables.
func (m *mapping) drop(lo, hi uint64) {
	if lo >= hi {
		return
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if size := uint64(len(m.data)); lo*region < size {
		if dropped != nil {
			dropped(lo, hi)
		}
		dropMapped(m.data[lo*region : min(hi*region, size)])
	}
}

// dropped, if set, is told of every drop (tests).
var dropped func(lo, hi uint64)

func (m *mapping) close() {
	m.mu.Lock()
	defer m.mu.Unlock()
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

// Trail is for a goroutine that uses bytes f handed out after the reader
// that read them moved on (the key scan's batches): touch notes each use,
// and drops the regions the goroutine leaves behind, as a reader does;
// release drops the last ones. Without a mapping both do nothing.
func (f *File) Trail() (touch func(p []byte), release func()) {
	m := f.m
	if m == nil {
		return func([]byte) {}, func() {}
	}
	base := uintptr(unsafe.Pointer(unsafe.SliceData(m.data)))
	size := uintptr(len(m.data))
	var b behind
	touch = func(p []byte) {
		if len(p) == 0 {
			return
		}
		off := uintptr(unsafe.Pointer(unsafe.SliceData(p))) - base
		if off < size { // else not the mapping's bytes
			m.touch(uint64(off), uint64(off)+uint64(len(p)), &b)
		}
	}
	return touch, func() { m.release(&b) }
}
