//go:build !linux

package defrag

import (
	"os"
	"path/filepath"
)

const privateNameless = false

// privateFile creates name in dir; without /proc/self/fd it keeps its name
// until the dir is removed.
func privateFile(dir, name string) (string, *os.File, error) {
	p := filepath.Join(dir, name)
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	return p, f, err
}
