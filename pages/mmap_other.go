//go:build !linux

package pages

import "os"

// mapFile maps nothing outside Linux: the reads use pread.
func mapFile(*os.File, int64) []byte { return nil }

func unmapFile([]byte) {}

func dropMapped([]byte) {}
