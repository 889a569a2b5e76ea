package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"fmt"
	"io"
	"io/fs"
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

// memberFiles are the etcd member files (wal/, snap/) that go with the
// db when the input is a tar archive of a data dir: its WAL segments and
// snap files are extracted (sparsely: a preallocated 64 MB segment is
// mostly zeros) one after another into one temp file that has no name
// where the system allows (openCopy: Linux), closed with the input, and
// read through a memberFS. nil when the input is not an archive or holds
// none: for a data dir or member dir, report.MemberDirOf finds them
// beside the db.
func (in *input) memberFiles() (fs.FS, error) {
	if in.Kind != "tar" {
		return nil, nil
	}
	f, err := openCompressed(in.Given)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = bufio.NewReaderSize(f, 1<<20)
	if l := strings.ToLower(in.Given); strings.HasSuffix(l, ".gz") || strings.HasSuffix(l, ".tgz") {
		zr, err := newGzipStream(r.(*bufio.Reader))
		if err != nil {
			return nil, fmt.Errorf("%s: %v", in.Given, err)
		}
		defer zr.Close()
		r = zr
	}
	var out *os.File // made at the first member file
	m := &memberFS{}
	end := int64(0) // where out's next file starts
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
			return nil, fmt.Errorf("%s: reading the tar archive for the WAL: %v", in.Given, err)
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
			return nil, fmt.Errorf("%s: its %s claims %d bytes, more than an etcd WAL segment or snap file holds (%d MiB): not etcd's; extract the archive and name the data dir if it is", in.Given, shortName(name), h.Size, maxMemberFileBytes>>20)
		case files > maxMemberFiles || total > maxMemberTotalBytes:
			return nil, fmt.Errorf("%s: more than %d member files or %d GiB of them: not an etcd data dir; extract the archive and name the data dir if it is", in.Given, maxMemberFiles, maxMemberTotalBytes>>30)
		}
		if out == nil {
			o, _, done, err := openCopy()
			if err != nil {
				return nil, fmt.Errorf("%s: extracting its member files: %v; %s", in.Given, err, tmpdirHint)
			}
			out = o
			prev := in.cleanup
			in.cleanup = func() {
				done()
				if prev != nil {
					prev()
				}
			}
			m.data = out
		}
		if err := copySparse(out, end, io.LimitReader(tr, h.Size), h.Size); err != nil {
			return nil, fmt.Errorf("%s: extracting %s: %v; %s", in.Given, shortName(name), err, tmpdirHint)
		}
		m.add(sub, memberFile{name: base, off: end, size: h.Size})
		// The next file starts on a 64 KiB boundary, so copySparse's holes
		// are whole filesystem blocks.
		end = (end + h.Size + sparseBlock - 1) &^ (sparseBlock - 1)
	}
	if !found {
		return nil, nil
	}
	m.finish()
	return m, nil
}

const sparseBlock = 64 << 10

// copySparse writes r (size bytes) into out at off, leaving a hole for
// each 64 KiB block of zeros.
func copySparse(out *os.File, off int64, r io.Reader, size int64) error {
	buf := make([]byte, sparseBlock)
	zero := make([]byte, sparseBlock)
	pos := off
	for {
		n, rerr := io.ReadFull(r, buf)
		if n > 0 && !bytes.Equal(buf[:n], zero[:n]) {
			if _, err := out.WriteAt(buf[:n], pos); err != nil {
				return err
			}
		}
		pos += int64(n)
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			return rerr
		}
	}
	if st, err := out.Stat(); err != nil {
		return err
	} else if st.Size() < off+size {
		return out.Truncate(off + size)
	}
	return nil
}
