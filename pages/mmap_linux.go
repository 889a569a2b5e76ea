package pages

import (
	"os"

	"golang.org/x/sys/unix"
)

// mapFile maps size bytes of fh read-only and shared (nothing is ever
// written through it; bbolt itself maps its file this way). It gives nil
// when the file cannot be mapped: the reads then fall back to pread.
func mapFile(fh *os.File, size int64) []byte {
	if size <= 0 || int64(int(size)) != size {
		return nil
	}
	b, err := unix.Mmap(int(fh.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil
	}
	return b
}

func unmapFile(b []byte) { _ = unix.Munmap(b) }

// dropMapped takes b's pages out of the process's page tables: for a file
// mapping that only unmaps them (the page cache keeps them, nothing is
// written or evicted), so the resident set falls; the next touch maps the
// page again from the cache.
func dropMapped(b []byte) { _ = unix.Madvise(b, unix.MADV_DONTNEED) }
