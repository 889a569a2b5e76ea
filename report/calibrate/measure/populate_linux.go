//go:build linux

package measure

import (
	"fmt"
	"os"
	"syscall"
)

// etcdMmapFlags are the mmap flags etcd's backend gives bbolt on Linux
// (server/storage/backend/config_linux.go).
const etcdMmapFlags = syscall.MAP_POPULATE

// measurePopulate writes a scratch file of size bytes (so it is in the
// page cache, as a warm etcd restart finds its db), then times
// mmap(MAP_SHARED|MAP_POPULATE) of it, the way bbolt maps etcd's db.
// It returns the fastest of three runs, per byte.
func measurePopulate(path string, size int64) (float64, float64, error) {
	if err := writeScratchFile(path, size); err != nil {
		return 0, 0, err
	}
	defer os.Remove(path)
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	var runs []float64
	total := 0.0
	for i := 0; i < 3; i++ {
		var merr error
		secs := timeIt(func() {
			b, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED|syscall.MAP_POPULATE)
			if err != nil {
				merr = err
				return
			}
			merr = syscall.Munmap(b)
		})
		if merr != nil {
			return 0, 0, fmt.Errorf("mmap: %w", merr)
		}
		runs = append(runs, secs)
		total += secs
	}
	return slicesMin(runs) / float64(size), total, nil
}
