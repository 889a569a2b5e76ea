package main

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
)

// FuzzCompressedInput feeds arbitrary bytes to dbinspect as a .gz, a .tar
// and a .tar.gz: resolving never panics, writes no more than the stream
// holds, and leaves nothing in TMPDIR once closed. Seeds are the first two
// pages of a real fixture, gzipped and tarred, and a gzip with padding.
func FuzzCompressedInput(f *testing.F) {
	head := loadDBForFuzz(f)
	gz := func(b []byte) []byte {
		var out bytes.Buffer
		zw := gzip.NewWriter(&out)
		zw.Write(b)
		zw.Close()
		return out.Bytes()
	}
	tarred := tarOf(f, map[string][]byte{"member/snap/db": head})
	for _, s := range [][]byte{gz(head), tarred, gz(tarred), append(gz(head), 0, 0, 0, 0), gz(nil)} {
		for kind := range uint8(3) {
			f.Add(s, kind)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, kind uint8) {
		if len(data) > 1<<20 {
			return
		}
		tmp := t.TempDir()
		t.Setenv("TMPDIR", tmp)
		name := []string{"db.gz", "db.tar", "db.tar.gz"}[kind%3]
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		before := bytesWritten.Load()
		in, err := resolveInput(p, nil)
		if err == nil {
			in.Close()
		}
		// A deflate stream expands at most about 1032 times; a tar does
		// not expand; writing is bounded by the stream either way.
		if w := bytesWritten.Load() - before; w > int64(len(data))*1100+headBytes {
			t.Fatalf("%d bytes written for a %d-byte input", w, len(data))
		}
		if left, _ := os.ReadDir(tmp); len(left) != 0 {
			t.Fatalf("TMPDIR holds %v", left)
		}
	})
}

// loadDBForFuzz is the first two pages (both metas) of a real fixture.
func loadDBForFuzz(f *testing.F) []byte {
	b, err := os.ReadFile(fixtures.Path(f, fixtures.Get(f, "auth-v3.6")))
	if err != nil {
		f.Fatal(err)
	}
	return b[:8192]
}
