package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"

	"github.com/dustin/go-humanize"

	"github.com/dbinspect/dbinspect/internal/privfile"
	"github.com/dbinspect/dbinspect/internal/termsafe"
	"github.com/dbinspect/dbinspect/pages"
)

// Decompressing is where a hostile input can fill the disk: a few MB of
// gzip or a sparse tar entry can stand for terabytes. So a compressed db is
// streamed with limits: its first pages are checked as bbolt before
// anything is written; no more is written than its meta pages say the db
// uses (page size × high-water mark, plus a snapshot's SHA-256 trailer) or
// than TMPDIR has free; runs of zeros are left as holes; and the copy never
// has a name (internal/privfile), read through its descriptor, so nothing
// is left behind even by SIGKILL.

// headBytes is how much of a stream is read, and checked as bbolt, before
// anything is written: both meta pages for page sizes up to 32 KiB, and
// meta 0 (which names the page size) for any.
const headBytes = 64 << 10

// snapshotTrailer is the SHA-256 `etcdctl snapshot save` appends.
const snapshotTrailer = 32

// freeSpace is freeBytes; tests replace it to play a full TMPDIR.
var freeSpace = freeBytes

// bytesWritten counts every byte written to decompressed copies: the
// tests' disk bound.
var bytesWritten atomic.Int64

// errNotBolt marks a stream whose head is not a bbolt db.
type errNotBolt struct{ err error }

func (e errNotBolt) Error() string { return e.err.Error() }

// extractStream copies the db read from src into a nameless temp file and
// returns an input reading it through its descriptor. declared is the
// stream's length when the archive says it (a tar entry), else -1.
func extractStream(given, kind string, src io.Reader, declared int64) (*input, error) {
	src = decompressErrors{src}
	head := make([]byte, headBytes)
	n, err := io.ReadFull(src, head)
	head = head[:n]
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, err
	}
	short := err != nil // the whole stream is in head
	limit, err := boltLimit(head)
	if err != nil {
		return nil, errNotBolt{err}
	}
	if declared >= 0 {
		limit = min(limit, declared)
	}
	if short {
		limit = min(limit, int64(len(head)))
	}
	f, path, done, err := openCopy()
	if err != nil {
		return nil, fmt.Errorf("creating the decompressed copy: %v; %s", err, tmpdirHint)
	}
	if err := fillCopy(f, head, src, limit, declared, short); err != nil {
		done()
		return nil, err
	}
	return &input{Given: given, Path: path, Kind: kind, cleanup: done}, nil
}

// openCopy makes the file a decompressed db goes to, with the path its
// readers open and the function that removes it. Where files can be made
// without a name (Linux), it is made straight in TMPDIR and nothing, not
// even SIGKILL, leaves it or a dir behind; elsewhere it lives in a temp dir
// the signal handler removes.
func openCopy() (f *os.File, path string, done func(), err error) {
	if privfile.Nameless {
		if f, path, err = privfile.Create(os.TempDir()); err != nil {
			return nil, "", nil, err
		}
		return f, path, func() { f.Close() }, nil
	}
	dir, cleanup, err := newTempDir("dbinspect-")
	if err != nil {
		return nil, "", nil, err
	}
	if f, path, err = privfile.Create(dir); err != nil {
		cleanup()
		return nil, "", nil, err
	}
	return f, path, func() { f.Close(); cleanup() }, nil
}

const tmpdirHint = "set TMPDIR to a writable place with room (dbinspect writes the decompressed db there)"

// boltLimit checks that head starts a bbolt db and returns the most bytes
// of it bbolt could read: page size × the larger high-water mark of the
// valid metas, plus a snapshot trailer.
func boltLimit(head []byte) (int64, error) {
	f, err := pages.NewFile(bytes.NewReader(head), int64(len(head)))
	if err != nil {
		return 0, err
	}
	var hwm uint64
	for _, m := range f.Metas() {
		if m.Valid {
			hwm = max(hwm, m.Meta.HighWater)
		}
	}
	if hwm > (1<<62)/uint64(f.PageSize()) {
		return 0, fmt.Errorf("its meta page claims %d pages of %d bytes, past any file size", hwm, f.PageSize())
	}
	return int64(hwm)*int64(f.PageSize()) + snapshotTrailer, nil
}

// fillCopy writes head and the rest of src, up to limit bytes, into f,
// leaving zeros as holes, then sizes f as the stream's full length (a tail
// past the limit is not part of the db: bbolt never reads it).
func fillCopy(f *os.File, head []byte, src io.Reader, limit, declared int64, short bool) error {
	if free, ok := freeSpace(f); ok && uint64(limit) > free {
		return fmt.Errorf("the db needs up to %s in the temp dir %s, which has %s free; %s",
			humanize.IBytes(uint64(limit)), os.TempDir(), humanize.IBytes(free), tmpdirHint)
	}
	w := &holeWriter{f: f}
	if _, err := w.Write(head[:min(int64(len(head)), limit)]); err != nil {
		return err
	}
	if !short && w.off < limit {
		if _, err := io.Copy(w, io.LimitReader(src, limit-w.off)); err != nil {
			return err
		}
	}
	total := max(w.off, int64(len(head))) // head may run past the limit
	switch {
	case short && declared < 0:
		total = int64(len(head))
	case declared >= 0:
		total = declared // the archive says how long; the rest is not read
	case !short:
		rest, err := io.Copy(io.Discard, src)
		if err != nil {
			return err
		}
		total += rest
	}
	if err := f.Truncate(total); err != nil {
		return fmt.Errorf("sizing the decompressed copy: %v; %s", err, tmpdirHint)
	}
	return nil
}

// decompressErrors says which side of a copy failed, and what a stream
// that ends early means.
type decompressErrors struct{ r io.Reader }

func (d decompressErrors) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	switch {
	case err == nil, err == io.EOF:
	case errors.Is(err, io.ErrUnexpectedEOF):
		err = fmt.Errorf("decompressing: %w: the compressed file ends early (cut short while copied?); copy it again", err)
	default:
		err = fmt.Errorf("decompressing: %w", err)
	}
	return n, err
}

// holeWriter writes at increasing offsets and skips all-zero blocks, which
// stay holes: a sparse db stays sparse, and zeros cost no disk.
type holeWriter struct {
	f   *os.File
	off int64
}

const holeBlock = 4096

func (w *holeWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		b := p[:min(len(p), holeBlock)]
		if !allZero(b) {
			if _, err := w.f.WriteAt(b, w.off); err != nil {
				if errors.Is(err, syscall.ENOSPC) {
					return 0, fmt.Errorf("%v; %s", err, tmpdirHint)
				}
				return 0, err
			}
			bytesWritten.Add(int64(len(b)))
		}
		w.off += int64(len(b))
		p = p[len(b):]
	}
	return n, nil
}

func allZero(b []byte) bool {
	for len(b) >= 8 {
		if b[0]|b[1]|b[2]|b[3]|b[4]|b[5]|b[6]|b[7] != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// gzipStream reads the gzip members of br one after the other, as gunzip
// does, and stops at trailing zero padding (tape blocks, dd), which gunzip
// accepts with a warning.
type gzipStream struct {
	br *bufio.Reader
	zr *gzip.Reader
}

func newGzipStream(br *bufio.Reader) (*gzipStream, error) {
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, err
	}
	zr.Multistream(false)
	return &gzipStream{br: br, zr: zr}, nil
}

func (g *gzipStream) Read(p []byte) (int, error) {
	for {
		n, err := g.zr.Read(p)
		if err != io.EOF {
			return n, err
		}
		if n > 0 {
			return n, nil
		}
		// One member ended: another follows, or padding, or the end.
		if more, err := g.nextMember(); err != nil || !more {
			if err == nil {
				err = io.EOF
			}
			return 0, err
		}
	}
}

func (g *gzipStream) nextMember() (bool, error) {
	for {
		b, err := g.br.Peek(1)
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if b[0] != 0 {
			break
		}
		// Zero padding: skip it; anything but zeros after it is an error.
		g.br.ReadByte()
	}
	if err := g.zr.Reset(g.br); err != nil {
		return false, fmt.Errorf("gzip: after a member, %v", err)
	}
	g.zr.Multistream(false)
	return true, nil
}

func (g *gzipStream) Close() error { return g.zr.Close() }

// shortName is an archive entry name as an error may quote it: several
// are listed on one line, and an entry name can be a megabyte.
func shortName(s string) string { return termsafe.Limit(filepath.ToSlash(s), 100) }
