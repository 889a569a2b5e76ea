//go:build !linux

package measure

import (
	"io"
	"os"
)

// measurePopulate times reading a cached scratch file: without
// MAP_POPULATE (non-Linux etcd does not pass it) the closest cost is
// reading the pages once.
// etcdMmapFlags are the mmap flags etcd's backend gives bbolt: none
// outside Linux.
const etcdMmapFlags = 0

func measurePopulate(path string, size int64) (float64, float64, error) {
	if err := writeScratchFile(path, size); err != nil {
		return 0, 0, err
	}
	defer os.Remove(path)
	var runs []float64
	total := 0.0
	for i := 0; i < 3; i++ {
		f, err := os.Open(path)
		if err != nil {
			return 0, 0, err
		}
		var rerr error
		secs := timeIt(func() { _, rerr = io.Copy(io.Discard, f) })
		f.Close()
		if rerr != nil {
			return 0, 0, rerr
		}
		runs = append(runs, secs)
		total += secs
	}
	return slicesMin(runs) / float64(size), total, nil
}
