package main

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"archive/tar"

	"github.com/dbinspect/dbinspect/internal/fixtures"
)

// manyLongNamesTarGz is a tar.gz of n entries whose names are each nameLen
// bytes (PAX path records) and none of which is a db: dbinspect once kept
// every name for its error message (5.4 GB for 6,000 names of 900 KB, out
// of memory; 270 MB for the 300 here).
func manyLongNamesTarGz(t *testing.T, n, nameLen int) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "names.tar.gz")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
	tw := tar.NewWriter(zw)
	for i := range n {
		name := strings.Repeat(string(rune('a'+i%26)), nameLen)
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: 1, Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte{'x'})
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// sparseHugeDB is a real fixture made a 4 TiB sparse file: valid metas, a
// small high-water mark, and an apparent size that a page map sized by the
// file (5 bytes a page) would need 5 GiB for.
func sparseHugeDB(t *testing.T) string {
	t.Helper()
	p := fixtures.Copy(t, fixtures.Get(t, "auth-v3.6"))
	if err := os.Truncate(p, 4<<40); err != nil {
		t.Skipf("this filesystem cannot hold a 4 TiB sparse file: %v", err)
	}
	return p
}

// Ensure hostile archives and sparse files run in bounded memory: the
// hostile-file RSS bound (32 MiB) holds for a 10 GiB-of-zeros .gz, 1 TiB
// sparse tars, a tar.gz of many very long entry names, and a 4 TiB sparse
// db read as report (text, JSON, HTML with its page map), pages --list and
// check. Bytes written to TMPDIR are bounded in TestArchivesRefusedBeforeWriting.
func TestHostileInputsBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and writes large sparse files")
	}
	work := t.TempDir()
	exe := buildBinary(t, work)
	home := t.TempDir()
	notDB := []byte("these are not the pages of a bbolt file")
	huge := sparseHugeDB(t)
	tests := []struct {
		name string
		path string
		cmds [][]string
		want string // in stderr, for refused inputs
	}{
		{"10 GiB of zeros, gzipped", zerosGzip(t, work, "zeros.db.gz", nil, 10<<30), [][]string{{"report"}, {"check"}},
			"decompresses to something that is not a readable bbolt/etcd db"},
		{"1 TiB sparse tar (GNU)", sparseTar(t, "gnu", notDB, 1<<40), [][]string{{"report"}},
			"is not a readable bbolt/etcd db"},
		{"1 TiB sparse tar (PAX)", sparseTar(t, "pax", notDB, 1<<40), [][]string{{"report"}},
			"is not a readable bbolt/etcd db"},
		{"300 entry names of 900 KB, tar.gz", manyLongNamesTarGz(t, 300, 900<<10), [][]string{{"report"}},
			"no etcd db (member/snap/db) in this archive"},
		{"4 TiB sparse db, small high-water mark", huge,
			[][]string{{"report"}, {"report", "-o", "json"}, {"report", "-o", "html"}, {"pages", "--list"}, {"check"}}, ""},
	}
	tmp := privateTMPDIR(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, c := range tc.cmds {
				args := append(append([]string{c[0], "-q"}, c[1:]...), tc.path)
				code, rss, stdout, stderr := measureRun(t, home, exe, args...)
				what := strings.Join(args, " ")
				t.Logf("%s: exit %d, peak RSS %.1f MiB", what, code, float64(rss)/(1<<20))
				if rss > hostileMaxRSS {
					t.Errorf("dbinspect %s: peak RSS %.1f MiB, want under %d MiB", what, float64(rss)/(1<<20), hostileMaxRSS>>20)
				}
				switch {
				case tc.want != "":
					if code != exitError || !strings.HasPrefix(stderr, "dbinspect: "+tc.path) || !strings.Contains(stderr, tc.want) {
						t.Errorf("dbinspect %s: exit %d, stderr %q; want 1 and %q", what, code, stderr, tc.want)
					}
				case code != exitOK:
					t.Errorf("dbinspect %s: exit %d: %s", what, code, stderr)
				case c[0] == "pages" && !strings.Contains(stdout, "\tunallocated\t"):
					t.Errorf("pages --list: no unallocated tail row")
				case c[0] == "check" && !strings.Contains(stdout, "ok: "):
					t.Errorf("check: %s", stdout)
				}
				if len(stderr) > 64<<10 || bytes.Count([]byte(stderr), []byte("\n")) > 10 {
					t.Errorf("dbinspect %s: %d bytes of stderr", what, len(stderr))
				}
			}
			if left, _ := filepath.Glob(filepath.Join(tmp, "dbinspect-*")); len(left) != 0 {
				t.Errorf("TMPDIR holds %v", left)
			}
		})
	}
}
