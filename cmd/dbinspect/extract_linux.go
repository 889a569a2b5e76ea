package main

import (
	"os"

	"syscall"
)

// freeBytes is what an unprivileged user may still write on f's filesystem.
func freeBytes(f *os.File) (uint64, bool) {
	var st syscall.Statfs_t
	if err := syscall.Fstatfs(int(f.Fd()), &st); err != nil {
		return 0, false
	}
	return st.Bavail * uint64(st.Bsize), true
}
