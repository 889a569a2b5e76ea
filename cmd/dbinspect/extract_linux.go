package main

import (
	"fmt"
	"os"
	"path/filepath"

	"syscall"
)

// openUnlinked makes a file in dir and unlinks it, and dir, at once: it
// lives only as long as the descriptor, so no signal, not even SIGKILL,
// leaves it behind. done closes it.
func openUnlinked(dir string, removeDir func()) (f *os.File, done func(), err error) {
	defer removeDir()
	p := filepath.Join(dir, "db")
	f, err = os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, nil, err
	}
	if err := os.Remove(p); err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, func() { f.Close() }, nil
}

// fdPath names an open file by its descriptor, for readers that open a
// path: on Linux it reaches the file even once it is unlinked.
func fdPath(f *os.File) string { return fmt.Sprintf("/proc/self/fd/%d", f.Fd()) }

// freeBytes is what an unprivileged user may still write on f's filesystem.
func freeBytes(f *os.File) (uint64, bool) {
	var st syscall.Statfs_t
	if err := syscall.Fstatfs(int(f.Fd()), &st); err != nil {
		return 0, false
	}
	return st.Bavail * uint64(st.Bsize), true
}
