package main

import (
	"archive/tar"
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
)

// An input is the db file dbinspect will read, resolved from what the user
// named: a db file, an etcd data dir, a member dir, or a compressed copy.
type input struct {
	Given string // what the user typed
	Path  string // the bbolt file actually read (may be in a temp dir)
	Kind  string // "file", "data-dir", "member-dir", "gzip", "tar", "stdin"
	// Resolved is the db's path inside Given (a data dir's member/snap/db,
	// an archive's entry), "" when Given is the db.
	Resolved string

	cleanup func()
}

// Close removes anything resolving the input created.
func (in *input) Close() {
	if in != nil && in.cleanup != nil {
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
	return resolveInputMember(given, progress, "")
}

// resolveInputMember is resolveInput picking, among several dbs in a dir
// or an archive, the one under a directory named member (--member).
func resolveInputMember(given string, progress progressFunc, member string) (*input, error) {
	if given == "" {
		return nil, usageError{"no db path given; run 'dbinspect help' for usage"}
	}
	if given == "-" {
		return readStdin(progress)
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
		return resolveDir(given, member)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file; name an etcd db file, a snapshot, or an etcd data dir", given)
	}
	if st.Size() == 0 && hasContent(given) {
		return nil, fmt.Errorf("%s: the system gives this file a size of 0 though it has content (a /proc or /sys file): not an etcd db; name a db file (member/snap/db) or a snapshot", given)
	}
	lower := strings.ToLower(given)
	switch {
	case strings.HasSuffix(lower, ".tar.gz"), strings.HasSuffix(lower, ".tgz"):
		return extractTar(given, true, progress, member)
	case strings.HasSuffix(lower, ".tar"):
		return extractTar(given, false, progress, member)
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

// hasContent reports whether a read of path returns bytes: a /proc file
// says size 0 and has some.
func hasContent(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var b [1]byte
	n, _ := f.Read(b[:])
	return n > 0
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
func resolveDir(dir, member string) (*input, error) {
	for _, c := range []struct{ rel, kind string }{
		{filepath.Join("member", "snap", "db"), "data-dir"},
		{filepath.Join("snap", "db"), "member-dir"},
	} {
		p := filepath.Join(dir, c.rel)
		st, err := os.Stat(p)
		if errors.Is(err, fs.ErrPermission) {
			// etcd keeps its data dir 0700: not "no db", but not ours to read.
			return nil, fmt.Errorf("%s: permission denied looking for %s; copy the db somewhere readable or run as a user that can read it (etcd keeps its data dir mode 0700)", dir, c.rel)
		}
		if err == nil && st.Mode().IsRegular() {
			if err := checkReadable(p); err != nil {
				return nil, err
			}
			return &input{Given: dir, Path: p, Kind: c.kind, Resolved: filepath.ToSlash(c.rel)}, nil
		}
	}
	if in, err := resolveDataDirs(dir, member); in != nil || err != nil {
		return in, err
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
	f, err := openCompressed(given)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, _ := f.Stat()
	zr, err := newGzipStream(bufio.NewReaderSize(&countingReader{r: f, total: st.Size(), progress: progress}, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("%s: not a gzip file (%v); name the uncompressed db instead", given, err)
	}
	defer zr.Close()
	in, err := extractStream(given, "gzip", zr, -1)
	var nb errNotBolt
	switch {
	case errors.As(err, &nb):
		return nil, fmt.Errorf("%s: decompresses to something that is not a readable bbolt/etcd db: %v; nothing past its first %d KiB was decompressed", given, nb.err, headBytes>>10)
	case err != nil:
		return nil, fmt.Errorf("%s: %v", given, err)
	}
	return in, nil
}

// openCompressed opens a compressed input, saying what to do when it
// cannot be read.
func openCompressed(given string) (*os.File, error) {
	if err := checkReadable(given); err != nil {
		return nil, err
	}
	f, err := os.Open(given)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", given, err)
	}
	return f, nil
}

// maxNamesShown bounds the entry names an error lists (each shortened):
// an archive can hold any number, of any length.
const maxNamesShown = 5

// extractTar copies the db of a tarred etcd data dir to a temp dir: the
// first entry named member/snap/db, snap/db or db, else the archive's only
// regular file when it is a bbolt db (a saved snapshot). Sparse entries
// (GNU and PAX, as 'tar -S' writes a db) are read with their holes.
func extractTar(given string, gz bool, progress progressFunc, member string) (*input, error) {
	f, err := openCompressed(given)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, _ := f.Stat()
	var r io.Reader = bufio.NewReaderSize(&countingReader{r: f, total: st.Size(), progress: progress}, 1<<20)
	if gz {
		zr, err := newGzipStream(r.(*bufio.Reader))
		if err != nil {
			return nil, fmt.Errorf("%s: not a gzip file (%v)", given, err)
		}
		defer zr.Close()
		r = zr
	}
	tr := tar.NewReader(r)
	// archive/tar reads each PAX header (up to 1 MiB: a long name) into
	// fresh buffers that are garbage at the next entry; collect them
	// sooner than the default pacing, which lets the heap double.
	defer debug.SetGCPercent(debug.SetGCPercent(20))
	var seen []string
	files := 0
	var lone *input  // the first regular file, when it is a bbolt db
	var found *input // the db entry taken
	var dbs []string // every db entry's name, to list when there are several
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil && found != nil {
			// Past the db, the look for a second one ends here; what the
			// rest of the archive costs is the WAL's reader's to say.
			break
		}
		if err != nil {
			lone.Close()
			found.Close()
			return nil, fmt.Errorf("%s: reading the tar archive: %v", given, err)
		}
		if h.Typeflag != tar.TypeReg && h.Typeflag != tar.TypeGNUSparse && h.Typeflag != '\x00' {
			continue
		}
		files++
		name := filepath.ToSlash(filepath.Clean(h.Name))
		if len(seen) < maxNamesShown {
			seen = append(seen, shortName(name))
		}
		isDB := name == "db" || strings.HasSuffix(name, "/snap/db") || name == "snap/db"
		if isDB {
			dbs = append(dbs, name)
			if found != nil || !pickMember(name, member) {
				continue // listed, not extracted
			}
		}
		if !isDB && files > 1 {
			lone.Close()
			lone = nil
			continue
		}
		in, err := extractStream(given, "tar", tr, h.Size)
		var nb errNotBolt
		switch {
		case errors.As(err, &nb) && !isDB:
			continue // not a db: a wal or raft snapshot file
		case errors.As(err, &nb):
			lone.Close()
			found.Close()
			return nil, fmt.Errorf("%s: its %s is not a readable bbolt/etcd db: %v; nothing past its first %d KiB was extracted", given, shortName(name), nb.err, headBytes>>10)
		case err != nil:
			lone.Close()
			found.Close()
			return nil, fmt.Errorf("%s: extracting %s: %v", given, shortName(name), err)
		}
		if isDB {
			lone.Close()
			lone = nil
			in.Resolved = name
			found = in
			continue
		}
		in.Resolved = name
		lone = in
	}
	if len(dbs) > 0 {
		lone.Close()
		return pickedDB(given, "archive", found, dbs, member)
	}
	if lone != nil && files == 1 {
		return lone, nil
	}
	lone.Close()
	list := strings.Join(seen, ", ")
	if files > len(seen) {
		list += fmt.Sprintf(" and %d more", files-len(seen))
	}
	if files == 0 {
		list = "no regular files"
	}
	return nil, fmt.Errorf("%s: no etcd db (member/snap/db) in this archive (it holds %s); name the db file instead", given, list)
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
