package defrag

import (
	"errors"
	"os"
	"time"
)

// ExactResult is what a real defrag of a private copy produced.
type ExactResult struct {
	PageSize      int           `json:"page_size"`
	HighWaterPgid uint64        `json:"high_water_pgid"`
	DbSizeBytes   int64         `json:"db_size_bytes"` // etcd's DbSize: pgid x page size
	FileBytes     int64         `json:"file_bytes"`    // size on disk
	FreePages     int           `json:"free_pages"`
	Pairs         int64         `json:"pairs"`
	CopySeconds   float64       `json:"copy_seconds"`   // copying the input to the temp dir
	DefragSeconds float64       `json:"defrag_seconds"` // etcd's defragdb on the copy
	Duration      time.Duration `json:"-"`
	Model         string        `json:"model"`
}

// TempDirFunc makes a private temp dir and returns it with the function
// that removes it. The CLI passes one that also registers the dir with its
// Ctrl-C handler, so an interrupt removes the copy too.
type TempDirFunc func(pattern string) (dir string, remove func(), err error)

// ExactOptions tune pages/defrag/exact.Run.
type ExactOptions struct {
	// TempDir makes the dir the copy goes to where files cannot be made
	// without a name (not Linux); nil: os.MkdirTemp("", ...).
	TempDir TempDirFunc
}

// ErrExactRefused is returned by pages/defrag/exact.Run when the structural check of
// its private copy finds damage: bbolt is never opened on such a file.
var ErrExactRefused = errors.New("exact defrag refused")

// OSTempDir is the TempDirFunc used when none is given: os.MkdirTemp in
// the system temp dir, removed with os.RemoveAll.
func OSTempDir(pattern string) (string, func(), error) {
	d, err := os.MkdirTemp("", pattern)
	if err != nil {
		return "", nil, err
	}
	return d, func() { os.RemoveAll(d) }, nil
}
