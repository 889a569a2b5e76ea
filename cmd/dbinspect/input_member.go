package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Limits on what an archive's member files may cost: an etcd WAL segment
// is 64 MB (plus its last entry) and a .snap file a few MB, so a larger
// entry is not etcd's, and a hostile archive (a sparse tar entry standing
// for a terabyte, gigabytes of zeros in a .gz) is refused rather than read
// to its end.
const (
	maxMemberFileBytes  = 256 << 20
	maxMemberFiles      = 10000
	maxMemberTotalBytes = 4 << 30
)

// memberDir is the etcd member dir (wal/, snap/) that goes with the db:
// for a data dir or member dir report.MemberDirOf finds it beside the db;
// for a tar archive of a data dir, the WAL segments and snap files are
// extracted into a private temp dir (sparsely: a preallocated 64 MB
// segment is mostly zeros), removed with the input. "" when the input has
// none.
func (in *input) memberDir() (string, error) {
	if in.Kind != "tar" {
		return "", nil
	}
	f, err := openCompressed(in.Given)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var r io.Reader = bufio.NewReaderSize(f, 1<<20)
	if l := strings.ToLower(in.Given); strings.HasSuffix(l, ".gz") || strings.HasSuffix(l, ".tgz") {
		zr, err := newGzipStream(r.(*bufio.Reader))
		if err != nil {
			return "", fmt.Errorf("%s: %v", in.Given, err)
		}
		defer zr.Close()
		r = zr
	}
	dir, cleanup, err := newTempDir("dbinspect-member-")
	if err != nil {
		return "", err
	}
	prev := in.cleanup
	in.cleanup = func() {
		cleanup()
		if prev != nil {
			prev()
		}
	}
	dst := filepath.Join(dir, "member")
	prefix, found := "", false
	// The db picked among several (--member) says whose files to take.
	picked := strings.HasSuffix(in.Resolved, "snap/db")
	if picked {
		prefix = strings.TrimSuffix(in.Resolved, "snap/db")
	}
	files, total := 0, int64(0)
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", fmt.Errorf("%s: reading the tar archive for the WAL: %v", in.Given, err)
		}
		if h.Typeflag != tar.TypeReg && h.Typeflag != tar.TypeGNUSparse && h.Typeflag != '\x00' {
			continue
		}
		name := path.Clean(filepath.ToSlash(h.Name))
		dir, base := path.Split(name)
		sub := path.Base(dir)
		if (sub != "wal" && sub != "snap") || base == "db" || strings.Contains(base, "..") {
			continue
		}
		p := strings.TrimSuffix(dir, sub+"/")
		if picked && p != prefix {
			continue
		}
		if !found {
			prefix, found = p, true
		} else if p != prefix {
			continue // another member's files in the same archive
		}
		files++
		total += h.Size
		switch {
		case h.Size > maxMemberFileBytes:
			return "", fmt.Errorf("%s: its %s claims %d bytes, more than an etcd WAL segment or snap file holds (%d MiB): not etcd's; extract the archive and name the data dir if it is", in.Given, shortName(name), h.Size, maxMemberFileBytes>>20)
		case files > maxMemberFiles || total > maxMemberTotalBytes:
			return "", fmt.Errorf("%s: more than %d member files or %d GiB of them: not an etcd data dir; extract the archive and name the data dir if it is", in.Given, maxMemberFiles, maxMemberTotalBytes>>30)
		}
		out := filepath.Join(dst, sub, base)
		if err := os.MkdirAll(filepath.Dir(out), 0o700); err != nil {
			return "", err
		}
		if err := copySparse(out, io.LimitReader(tr, h.Size), h.Size); err != nil {
			return "", fmt.Errorf("%s: extracting %s: %v; %s", in.Given, shortName(name), err, tmpdirHint)
		}
	}
	if !found {
		return "", nil
	}
	return dst, nil
}

// copySparse writes r to a new file, seeking over 64 KiB blocks of zeros.
func copySparse(p string, r io.Reader, size int64) error {
	out, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	buf := make([]byte, 64<<10)
	zero := make([]byte, 64<<10)
	for {
		n, rerr := io.ReadFull(r, buf)
		if n > 0 {
			if bytes.Equal(buf[:n], zero[:n]) {
				_, err = out.Seek(int64(n), io.SeekCurrent)
			} else {
				_, err = out.Write(buf[:n])
			}
			if err != nil {
				out.Close()
				return err
			}
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			out.Close()
			return rerr
		}
	}
	if err := out.Truncate(size); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
