package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbinspect/dbinspect/internal/fixtures"
)

// Ensure every kind of path a user may give resolves to the db inside it,
// and that anything the resolution created is gone after Close.
func TestResolveInput(t *testing.T) {
	dir := t.TempDir()
	// Compressed inputs are checked as bbolt before they are written out,
	// so this is a real db.
	db, err := os.ReadFile(fixtures.Path(t, fixtures.Get(t, "config-store-v3.6")))
	if err != nil {
		t.Fatal(err)
	}
	write := func(rel string, b []byte) string {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	plain := write("plain/db", db)
	write("datadir/member/snap/db", db)
	write("memberdir/snap/db", db)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(db)
	zw.Close()
	gzPath := write("backup/db.gz", gz.Bytes())
	tarPath := write("backup/etcd.tar", tarOf(t, map[string][]byte{"etcd/member/wal/0.wal": []byte("wal"), "etcd/member/snap/db": db}))
	var tgz bytes.Buffer
	zw = gzip.NewWriter(&tgz)
	zw.Write(tarOf(t, map[string][]byte{"member/snap/db": db}))
	zw.Close()
	tgzPath := write("backup/etcd.tar.gz", tgz.Bytes())

	tests := []struct {
		given, kind string
		temp        bool
	}{
		{plain, "file", false},
		{filepath.Join(dir, "datadir"), "data-dir", false},
		{filepath.Join(dir, "memberdir"), "member-dir", false},
		{gzPath, "gzip", true},
		{tarPath, "tar", true},
		{tgzPath, "tar", true},
	}
	for _, tc := range tests {
		t.Run(tc.kind+"/"+filepath.Base(tc.given), func(t *testing.T) {
			in, err := resolveInput(tc.given, nil)
			if err != nil {
				t.Fatal(err)
			}
			if in.Kind != tc.kind {
				t.Errorf("kind %q, want %q", in.Kind, tc.kind)
			}
			got, err := os.ReadFile(in.Path)
			if err != nil || !bytes.Equal(got, db) {
				t.Fatalf("resolved %s holds %q (%v), want the db bytes", in.Path, got, err)
			}
			if tc.temp && strings.HasPrefix(in.Path, dir) {
				t.Errorf("decompressed copy %s was written beside the input", in.Path)
			}
			in.Close()
			if _, err := os.Stat(in.Path); tc.temp && !os.IsNotExist(err) {
				t.Errorf("temp copy %s still exists after Close", in.Path)
			}
		})
	}
}

func TestResolveInputErrors(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "bad.gz"), []byte("plain text"), 0o600)
	os.WriteFile(filepath.Join(dir, "other.tar"), tarOf(t, map[string][]byte{"notes.txt": []byte("x")}), 0o600)
	tests := []struct{ given, want string }{
		{filepath.Join(dir, "missing"), "no such file or directory; name an etcd db file"},
		{dir, "a directory with no etcd db in it (looked for member/snap/db and snap/db)"},
		{filepath.Join(dir, "bad.gz"), "not a gzip file"},
		{filepath.Join(dir, "other.tar"), "no etcd db (member/snap/db) in this archive (it holds notes.txt)"},
		{"", "no db path given"},
	}
	for _, tc := range tests {
		_, err := resolveInput(tc.given, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("resolveInput(%q) = %v, want an error containing %q", tc.given, err, tc.want)
		}
		if tc.given != "" && err != nil && !strings.Contains(err.Error(), tc.given) {
			t.Errorf("error %q does not name the path %q", err, tc.given)
		}
	}
}

func tarOf(t testing.TB, files map[string][]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for name, data := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(data)
	}
	tw.Close()
	return b.Bytes()
}

func TestProgressLine(t *testing.T) {
	got := progressLine("reading pages", 512<<20, 1<<30, 2*time.Second)
	want := "reading pages [============            ] 512 MiB/1.0 GiB 256 MiB/s ETA 2s"
	if got != want {
		t.Errorf("progressLine = %q\nwant           %q", got, want)
	}
	if got := progressLine("decompressing", 3<<20, 0, time.Second); got != "decompressing 3.0 MiB 3.0 MiB/s" {
		t.Errorf("progressLine without total = %q", got)
	}
}

// A progress bar must never be drawn when stderr is not a terminal.
func TestProgressSilentWhenNotTerminal(t *testing.T) {
	var b bytes.Buffer
	p, done := newProgress(&b, false)
	if p != nil {
		t.Fatal("progress enabled for a non-terminal writer")
	}
	done()
	if b.Len() != 0 {
		t.Errorf("wrote %q", b.String())
	}
}
