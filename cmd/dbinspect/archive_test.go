package main

import (
	"bytes"
	"compress/gzip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
	"github.com/dbinspect/dbinspect/internal/golden"
)

// zerosGzip streams n bytes of zeros, gzipped, into dir/name: one 64 MiB
// member of zeros (64 KiB compressed) written again and again, as gzip
// readers read concatenated members as one stream.
func zerosGzip(t *testing.T, dir, name string, prefix []byte, n int64) string {
	t.Helper()
	var zeros bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&zeros, gzip.BestCompression)
	zw.Write(make([]byte, 64<<20))
	zw.Close()
	p := filepath.Join(dir, name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if prefix != nil {
		zw := gzip.NewWriter(f)
		zw.Write(prefix)
		zw.Close()
	}
	for w := int64(0); w < n; w += 64 << 20 {
		if _, err := f.Write(zeros.Bytes()); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// sparseTar archives a sparse file of size bytes holding data at offset 0
// with GNU tar -S in the given format (gnu: old GNU sparse entries; pax:
// PAX sparse 1.0), as a support engineer would archive a data dir.
func sparseTar(t *testing.T, format string, data []byte, size int64) string {
	t.Helper()
	if _, err := exec.LookPath("tar"); err != nil {
		t.Skip("no tar command")
	}
	src := filepath.Join(t.TempDir(), "src")
	db := filepath.Join(src, "member", "snap", "db")
	if err := os.MkdirAll(filepath.Dir(db), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(db, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(db, size); err != nil {
		t.Skipf("this filesystem cannot hold a %d-byte sparse file: %v", size, err)
	}
	out := filepath.Join(t.TempDir(), format+".tar")
	args := []string{"-S", "--format=" + format, "-cf", out, "-C", src, "member"}
	if format == "pax" {
		args = append([]string{"--sparse-version=1.0"}, args...)
	}
	if b, err := exec.Command("tar", args...).CombinedOutput(); err != nil {
		t.Skipf("tar %v: %v: %s", args, err, b)
	}
	return out
}

func fixtureBytes(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(fixtures.Path(t, fixtures.Get(t, name)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// resolveCounting resolves given and returns the input (closed by the
// test's end), the error, and the bytes written to decompressed copies.
func resolveCounting(t *testing.T, given string) (*input, error, int64) {
	t.Helper()
	before := bytesWritten.Load()
	in, err := resolveInput(given, nil)
	if in != nil {
		t.Cleanup(in.Close)
	}
	return in, err, bytesWritten.Load() - before
}

// Ensure compressed inputs that are not bbolt are refused from their first
// pages, before anything more is written, however large they decompress
// to; the bound is on bytes written to TMPDIR.
func TestArchivesRefusedBeforeWriting(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 10 MB gzip and a 1 TiB sparse file")
	}
	dir := t.TempDir()
	notDB := []byte("these are not the pages of a bbolt file")
	tests := []struct {
		name, path, want string
	}{
		{"10 GiB of zeros, gzipped", zerosGzip(t, dir, "zeros.db.gz", nil, 10<<30),
			"decompresses to something that is not a readable bbolt/etcd db: neither meta page is valid"},
		{"1 TiB sparse member/snap/db, GNU tar", sparseTar(t, "gnu", notDB, 1<<40),
			"its member/snap/db is not a readable bbolt/etcd db: neither meta page is valid"},
		{"1 TiB sparse member/snap/db, PAX tar", sparseTar(t, "pax", notDB, 1<<40),
			"its member/snap/db is not a readable bbolt/etcd db: neither meta page is valid"},
	}
	tmp := privateTMPDIR(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err, written := resolveCounting(t, tc.path)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			if written >= 1<<20 {
				t.Errorf("%d bytes written before refusing, want under 1 MiB", written)
			}
			if left := dirNames(t, tmp); len(left) != 0 {
				t.Errorf("TMPDIR holds %v", left)
			}
		})
	}
}

// Ensure archives of real dbs that today's tools write are accepted, and
// that holes stay holes.
func TestArchivesAccepted(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 1 TiB sparse files")
	}
	db := fixtureBytes(t, "config-store-v3.6")
	snap := fixtureBytes(t, "k8s-v3.6-snapshot")
	dir := t.TempDir()
	gzOf := func(b []byte) []byte {
		var out bytes.Buffer
		zw := gzip.NewWriter(&out)
		zw.Write(b)
		zw.Close()
		return out.Bytes()
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name, path string
		want       []byte
		size       int64
	}{
		{"1 TiB sparse db, GNU tar -S", sparseTar(t, "gnu", db, 1<<40), db, 1 << 40},
		{"1 TiB sparse db, PAX sparse 1.0", sparseTar(t, "pax", db, 1<<40), db, 1 << 40},
		{"a lone snapshot in a tar.gz", write("backup.tar.gz", gzOf(tarOf(t, map[string][]byte{"etcd-2026-12-01.snapshot": snap}))), snap, int64(len(snap))},
		{"gzip with trailing zero padding", write("padded.db.gz", append(gzOf(db), make([]byte, 8192)...)), db, int64(len(db))},
		{"a file named .gz", write(".gz", gzOf(db)), db, int64(len(db))},
	}
	tmp := privateTMPDIR(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, err, written := resolveCounting(t, tc.path)
			if err != nil {
				t.Fatal(err)
			}
			var st syscall.Stat_t
			if err := syscall.Stat(in.Path, &st); err != nil {
				t.Fatal(err)
			}
			if st.Size != tc.size {
				t.Errorf("copy is %d bytes, want %d", st.Size, tc.size)
			}
			if written > int64(len(tc.want)) || st.Blocks*512 > int64(len(tc.want))+1<<20 {
				t.Errorf("%d bytes written, %d allocated, for a db of %d bytes: holes were written", written, st.Blocks*512, len(tc.want))
			}
			f, err := os.Open(in.Path)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]byte, len(tc.want))
			_, err = f.ReadAt(got, 0)
			f.Close()
			if err != nil || !bytes.Equal(got, tc.want) {
				t.Errorf("the copy's first %d bytes differ from the db (%v)", len(tc.want), err)
			}
			if left := dirNames(t, tmp); len(left) != 0 {
				t.Errorf("TMPDIR holds %v while the copy is open: it should be unlinked", left)
			}
		})
	}
	// The whole report reads the 1 TiB sparse copy as the db it holds.
	code, out, errOut := runCLI(t, "check", tests[0].path)
	if code != 0 || !strings.Contains(out, "ok: ") {
		t.Errorf("check on the sparse tar: exit %d: %s%s", code, out, errOut)
	}
}

// Ensure a compressed fixture reports exactly as the file it decompresses
// to: the copy has the same size and bytes where bbolt reads, whatever its
// high-water mark (auth's is under the 64 KiB head, k8s's snapshot has a
// trailer, the large-value file a long free tail).
func TestCompressedReportsAsDecompressed(t *testing.T) {
	for _, fx := range fixtures.All(t) {
		t.Run(fx.Name, func(t *testing.T) {
			gz := filepath.Join(fixtures.Dir(), fx.File)
			if _, err := os.Stat(gz); err != nil {
				t.Skipf("no %s: %v", gz, err)
			}
			_, fromGz, errGz := runCLI(t, "report", "-q", gz)
			_, fromDB, errDB := runCLI(t, "report", "-q", fixtures.Path(t, fx))
			if errGz != errDB {
				t.Errorf("stderr differs: %q from the .gz, %q from the db", errGz, errDB)
			}
			_, a, _ := strings.Cut(fromGz, "\n")
			_, b, _ := strings.Cut(fromDB, "\n")
			if a != b {
				t.Errorf("the report of %s differs from the report of the db it holds:\n%s", gz, golden.FirstDiff(b, a))
			}
		})
	}
}

// Ensure a compressed db larger than TMPDIR's free space is refused before
// anything is written, with the TMPDIR hint.
func TestArchiveLargerThanTMPDIR(t *testing.T) {
	gz := filepath.Join(fixtures.Dir(), fixtures.Get(t, "config-store-v3.6").File)
	freeSpace = func(*os.File) (uint64, bool) { return 1 << 20, true }
	defer func() { freeSpace = freeBytes }()
	tmp := privateTMPDIR(t)
	_, err, written := resolveCounting(t, gz)
	want := "the db needs up to 3.8 MiB in the temp dir " + tmp + ", which has 1.0 MiB free; set TMPDIR to a writable place with room (dbinspect writes the decompressed db there)"
	if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), gz+": ") {
		t.Errorf("error %v, want %q", err, want)
	}
	if written != 0 {
		t.Errorf("%d bytes written", written)
	}
}
