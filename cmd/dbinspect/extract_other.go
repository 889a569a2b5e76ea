//go:build !linux

package main

import (
	"os"
	"path/filepath"
)

// openUnlinked makes the copy in dir. Without Linux's /proc/self/fd the
// readers need a name, so the file stays until the input is closed (or the
// signal handler removes its dir).
func openUnlinked(dir string, removeDir func()) (*os.File, func(), error) {
	f, err := os.OpenFile(filepath.Join(dir, "db"), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		removeDir()
		return nil, nil, err
	}
	return f, func() { f.Close(); removeDir() }, nil
}

func fdPath(f *os.File) string { return f.Name() }

func freeBytes(f *os.File) (uint64, bool) { return 0, false }
