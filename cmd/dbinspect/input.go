package main

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// An input is the db file dbinspect will read, resolved from what the user
// named: a db file, an etcd data dir, a member dir, or a compressed copy.
type input struct {
	Given string // what the user typed
	Path  string // the bbolt file actually read (may be in a temp dir)
	Kind  string // "file", "data-dir", "member-dir", "gzip", "tar"

	cleanup func()
}

// Close removes anything resolving the input created.
func (in *input) Close() {
	if in.cleanup != nil {
		in.cleanup()
		in.cleanup = nil
	}
}

// usageError marks errors that are the caller's words being off (exit 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// resolveInput turns a user-given path into a bbolt file to read. It never
// writes beside the input: decompressed copies go to a private temp dir that
// is removed by Close, or by the signal handler on Ctrl-C.
func resolveInput(given string, progress progressFunc) (*input, error) {
	if given == "" {
		return nil, usageError{"no db path given; run 'dbinspect help' for usage"}
	}
	st, err := os.Stat(given)
	if err != nil {
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("%s: no such file or directory; name an etcd db file (member/snap/db), a snapshot, or an etcd data dir", given)
		case errors.Is(err, fs.ErrPermission):
			return nil, fmt.Errorf("%s: permission denied; copy the file somewhere readable or run as a user that can read it", given)
		}
		return nil, fmt.Errorf("%s: %v", given, err)
	}
	if st.IsDir() {
		return resolveDir(given)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file; name an etcd db file, a snapshot, or an etcd data dir", given)
	}
	lower := strings.ToLower(given)
	switch {
	case strings.HasSuffix(lower, ".tar.gz"), strings.HasSuffix(lower, ".tgz"):
		return extractTar(given, true, progress)
	case strings.HasSuffix(lower, ".tar"):
		return extractTar(given, false, progress)
	case strings.HasSuffix(lower, ".gz"):
		return gunzip(given, progress)
	}
	if err := checkReadable(given); err != nil {
		return nil, err
	}
	if isGzip(given) {
		return nil, fmt.Errorf("%s: a gzip file, not a db; name it with a .gz suffix (dbinspect then decompresses it into a temp dir) or gunzip it first", given)
	}
	return &input{Given: given, Path: given, Kind: "file"}, nil
}

// isGzip reports whether path starts with the gzip magic; a bbolt file
// starts with page 0's id, eight zero bytes.
func isGzip(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var b [2]byte
	_, err = io.ReadFull(f, b[:])
	return err == nil && b[0] == 0x1f && b[1] == 0x8b
}

// resolveDir finds the db inside an etcd data dir (<dir>/member/snap/db) or a
// member dir (<dir>/snap/db).
func resolveDir(dir string) (*input, error) {
	for _, c := range []struct{ rel, kind string }{
		{filepath.Join("member", "snap", "db"), "data-dir"},
		{filepath.Join("snap", "db"), "member-dir"},
	} {
		p := filepath.Join(dir, c.rel)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			if err := checkReadable(p); err != nil {
				return nil, err
			}
			return &input{Given: dir, Path: p, Kind: c.kind}, nil
		}
	}
	return nil, fmt.Errorf("%s: a directory with no etcd db in it (looked for member/snap/db and snap/db); name the db file or the etcd --data-dir", dir)
}

func checkReadable(path string) error {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return fmt.Errorf("%s: permission denied; copy the file somewhere readable or run as a user that can read it", path)
		}
		return fmt.Errorf("%s: %v", path, err)
	}
	return f.Close()
}

// tempDirs holds private temp dirs to remove on exit, even on Ctrl-C.
var tempDirs struct {
	sync.Mutex
	dirs   map[string]bool
	closed bool // the signal handler ran: make no more
}

// newTempDir makes a private dir under $TMPDIR that the signal handler
// removes on SIGINT or SIGTERM, and returns it with the function that
// removes it otherwise. Every temp dir dbinspect makes comes from here: the
// decompressed input, the --exact copy, calibrate's scratch files.
func newTempDir(pattern string) (string, func(), error) {
	// The lock is held across MkdirTemp so a signal cannot come between
	// making the dir and registering it.
	tempDirs.Lock()
	defer tempDirs.Unlock()
	if tempDirs.closed {
		return "", nil, errors.New("interrupted")
	}
	d, err := os.MkdirTemp("", pattern)
	if err != nil {
		return "", nil, fmt.Errorf("creating a temp dir: %v (set TMPDIR to a writable place with room)", err)
	}
	if tempDirs.dirs == nil {
		tempDirs.dirs = map[string]bool{}
	}
	tempDirs.dirs[d] = true
	return d, func() {
		os.RemoveAll(d)
		tempDirs.Lock()
		delete(tempDirs.dirs, d)
		tempDirs.Unlock()
	}, nil
}

// removeTempDirs is called by the signal handler before exiting.
func removeTempDirs() {
	tempDirs.Lock()
	defer tempDirs.Unlock()
	for d := range tempDirs.dirs {
		os.RemoveAll(d)
	}
	tempDirs.dirs = nil
	tempDirs.closed = true
}

func gunzip(given string, progress progressFunc) (*input, error) {
	f, err := os.Open(given)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", given, err)
	}
	defer f.Close()
	st, _ := f.Stat()
	zr, err := gzip.NewReader(bufio.NewReaderSize(&countingReader{r: f, total: st.Size(), progress: progress}, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("%s: not a gzip file (%v); name the uncompressed db instead", given, err)
	}
	defer zr.Close()
	dir, cleanup, err := newTempDir("dbinspect-")
	if err != nil {
		return nil, err
	}
	name := strings.TrimSuffix(filepath.Base(given), filepath.Ext(given))
	out := filepath.Join(dir, name)
	if err := copyToFile(out, zr); err != nil {
		cleanup()
		return nil, fmt.Errorf("%s: decompressing into %s: %v", given, dir, err)
	}
	return &input{Given: given, Path: out, Kind: "gzip", cleanup: cleanup}, nil
}

// extractTar copies the db of a tarred etcd data dir (the first entry named
// member/snap/db or snap/db, or a lone regular file) to a temp dir.
func extractTar(given string, gz bool, progress progressFunc) (*input, error) {
	f, err := os.Open(given)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", given, err)
	}
	defer f.Close()
	st, _ := f.Stat()
	var r io.Reader = bufio.NewReaderSize(&countingReader{r: f, total: st.Size(), progress: progress}, 1<<20)
	if gz {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("%s: not a gzip file (%v)", given, err)
		}
		defer zr.Close()
		r = zr
	}
	tr := tar.NewReader(r)
	var seen []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: reading the tar archive: %v", given, err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		name := filepath.ToSlash(filepath.Clean(h.Name))
		seen = append(seen, name)
		if name != "db" && !strings.HasSuffix(name, "/snap/db") && name != "snap/db" {
			continue
		}
		dir, cleanup, err := newTempDir("dbinspect-")
		if err != nil {
			return nil, err
		}
		out := filepath.Join(dir, "db")
		if err := copyToFile(out, tr); err != nil {
			cleanup()
			return nil, fmt.Errorf("%s: extracting %s: %v", given, h.Name, err)
		}
		return &input{Given: given, Path: out, Kind: "tar", cleanup: cleanup}, nil
	}
	if len(seen) > 5 {
		seen = append(seen[:5], "...")
	}
	return nil, fmt.Errorf("%s: no etcd db (member/snap/db) in this archive (it holds %s); name the db file instead", given, strings.Join(seen, ", "))
}

func copyToFile(path string, r io.Reader) error {
	out, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, r); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// countingReader reports progress over the compressed bytes read.
type countingReader struct {
	r        io.Reader
	n, total int64
	progress progressFunc
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.progress != nil {
		c.progress("decompressing", c.n, c.total)
	}
	return n, err
}
