package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// memberDir is the etcd member dir (wal/, snap/) that goes with the db:
// for a data dir or member dir report.MemberDirOf finds it beside the db;
// for a tar archive of a data dir, the WAL segments and snap files are
// extracted into the input's temp dir (sparsely: a preallocated 64 MB
// segment is mostly zeros) and that copy is returned. "" when the input
// has none.
func (in *input) memberDir() (string, error) {
	if in.Kind != "tar" {
		return "", nil
	}
	f, err := os.Open(in.Given)
	if err != nil {
		return "", fmt.Errorf("%s: %v", in.Given, err)
	}
	defer f.Close()
	var r io.Reader = bufio.NewReaderSize(f, 1<<20)
	if l := strings.ToLower(in.Given); strings.HasSuffix(l, ".gz") || strings.HasSuffix(l, ".tgz") {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return "", fmt.Errorf("%s: %v", in.Given, err)
		}
		defer zr.Close()
		r = zr
	}
	dst := filepath.Join(filepath.Dir(in.Path), "member")
	prefix, found := "", false
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", fmt.Errorf("%s: reading the tar archive for the WAL: %v", in.Given, err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		name := path.Clean(filepath.ToSlash(h.Name))
		dir, base := path.Split(name)
		sub := path.Base(dir)
		if (sub != "wal" && sub != "snap") || base == "db" || strings.Contains(base, "..") {
			continue
		}
		p := strings.TrimSuffix(dir, sub+"/")
		if !found {
			prefix, found = p, true
		} else if p != prefix {
			continue // another member's files in the same archive
		}
		out := filepath.Join(dst, sub, base)
		if err := os.MkdirAll(filepath.Dir(out), 0o700); err != nil {
			return "", err
		}
		if err := copySparse(out, tr, h.Size); err != nil {
			return "", fmt.Errorf("%s: extracting %s: %v", in.Given, h.Name, err)
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
