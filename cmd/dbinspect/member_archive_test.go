package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"

	"github.com/dbinspect/dbinspect/internal/fixtures"
)

// The member section of a data dir's .tar.gz, read through the nameless
// extracted files, is byte for byte the one of the extracted data dir,
// read from its real files (which TestDataDirsAgainstEtcd checks against
// etcd's own reading).
func TestDataDirArchiveMemberSameAsDir(t *testing.T) {
	member := func(args ...string) string {
		t.Helper()
		code, out, errOut := runCLI(t, append([]string{"report", "-o", "json"}, args...)...)
		if code != 0 {
			t.Fatalf("report %s: exit %d: %s", args, code, errOut)
		}
		var doc struct {
			Member json.RawMessage `json:"member"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		if len(doc.Member) == 0 || string(doc.Member) == "null" {
			t.Fatalf("report %s: no member section", args)
		}
		return string(doc.Member)
	}
	for _, d := range fixtures.DataDirs(t) {
		t.Run(d.Name, func(t *testing.T) {
			fromDir := member(fixtures.DataDirPath(t, d))
			fromArchive := member(fixtures.DataDirArchive(d))
			if fromDir != fromArchive {
				t.Errorf("member section from the archive differs from the data dir's:\narchive: %s\ndir:     %s", fromArchive, fromDir)
			}
		})
	}
}

// memberFS is a valid fs.FS (testing/fstest's checks: Open, Stat,
// ReadDir in order, reads and seeks) that gives each file's own bytes.
func TestMemberFS(t *testing.T) {
	want := map[string][]byte{
		"wal/0000000000000000-0000000000000000.wal": bytes.Repeat([]byte("w0"), 5000),
		"wal/0000000000000001-0000000000000010.wal": []byte("second segment"),
		"wal/0.tmp": {},
		"snap/0000000000000002-0000000000000010.snap": bytes.Repeat([]byte{0, 1, 2}, 70000),
	}
	var data []byte
	m := &memberFS{}
	// Added out of order, with a replaced entry, as an archive may hold them.
	for _, name := range []string{
		"snap/0000000000000002-0000000000000010.snap",
		"wal/0000000000000001-0000000000000010.wal",
		"wal/0.tmp",
		"wal/0000000000000000-0000000000000000.wal",
		"wal/0000000000000001-0000000000000010.wal",
	} {
		dir, base := filepath.Split(name)
		data = append(data, bytes.Repeat([]byte{0xee}, 3)...) // another file's bytes between
		m.add(strings.TrimSuffix(dir, "/"), memberFile{name: base, off: int64(len(data)), size: int64(len(want[name]))})
		data = append(data, want[name]...)
	}
	m.data = bytes.NewReader(data)
	m.finish()
	var names []string
	for n := range want {
		names = append(names, n)
	}
	if err := fstest.TestFS(m, names...); err != nil {
		t.Fatal(err)
	}
	for n, w := range want {
		if got, err := fs.ReadFile(m, n); err != nil || !bytes.Equal(got, w) {
			t.Errorf("%s: read %d bytes (%v), want its %d", n, len(got), err, len(w))
		}
	}
	if _, err := m.Open("wal/missing.wal"); !errorsIsNotExist(err) {
		t.Errorf("opening a missing file: %v, want fs.ErrNotExist", err)
	}
}

func errorsIsNotExist(err error) bool { return err != nil && os.IsNotExist(err) }

// dataDirArchiveWithLargeWAL writes a .tar.gz of a data dir whose WAL is
// four 255 MiB segments of non-zero bytes (nothing for copySparse to skip),
// so extracting them takes long enough for a signal to find the process
// holding them. The segments' bytes are one gzip member written once and
// repeated: gzip readers read concatenated members as one stream.
func dataDirArchiveWithLargeWAL(t *testing.T, dir string) string {
	t.Helper()
	db, err := os.ReadFile(fixtures.Path(t, fixtures.Get(t, "config-store-v3.6")))
	if err != nil {
		t.Fatal(err)
	}
	gz := func(write func(*bytes.Buffer)) []byte {
		var raw, out bytes.Buffer
		write(&raw)
		zw, _ := gzip.NewWriterLevel(&out, gzip.BestCompression)
		zw.Write(raw.Bytes())
		zw.Close()
		return out.Bytes()
	}
	header := func(b *bytes.Buffer, name string, size int64) {
		tw := tar.NewWriter(b)
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: size, Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Flush() // no Close: that would end the archive
	}
	const segment = 255 << 20
	chunk := bytes.Repeat([]byte{0xa5}, 1<<20)
	var segBytes bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&segBytes, gzip.BestSpeed)
	for n := 0; n < segment; n += len(chunk) {
		zw.Write(chunk)
	}
	zw.Close()
	var out bytes.Buffer
	out.Write(gz(func(b *bytes.Buffer) {
		header(b, "member/snap/db", int64(len(db)))
		b.Write(db)
		b.Write(make([]byte, (512-len(db)%512)%512))
	}))
	for i := 0; i < 4; i++ {
		out.Write(gz(func(b *bytes.Buffer) {
			header(b, fmt.Sprintf("member/wal/%016x-%016x.wal", i, i*1000), segment)
		}))
		out.Write(segBytes.Bytes()) // 255 MiB is a whole number of 512-byte blocks: no padding
	}
	out.Write(gz(func(b *bytes.Buffer) { b.Write(make([]byte, 1024)) })) // the archive's end
	p := filepath.Join(dir, "datadir.tar.gz")
	if err := os.WriteFile(p, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Ensure a signal while a data dir archive's WAL segments are extracted
// leaves nothing in TMPDIR, not even after SIGKILL: the segments (raft
// entries holding customer values) are held in a file that never has a
// name, beside the db copy, which has none either. TMPDIR is also found
// empty at every look while the process runs.
func TestKillWhileExtractingMemberFilesLeavesNothing(t *testing.T) {
	work := t.TempDir()
	exe := buildBinary(t, work)
	archive := dataDirArchiveWithLargeWAL(t, work)
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			// Signal once the process holds two files under TMPDIR: the db
			// copy and the member files.
			named := false
			code, stderr, tmp := interruptOnceTempAppears(t, exe, []string{"report", "-o", "json", archive}, sig, func(tmp string, pid int) bool {
				if left := dirNames(t, tmp); len(left) != 0 && !named {
					named = true
					t.Errorf("TMPDIR holds %v while dbinspect runs", left)
				}
				return unlinkedHeld(t, pid, tmp+string(filepath.Separator)) >= 2
			})
			if sig != syscall.SIGKILL && code != exitSignal {
				t.Errorf("exit status %d after %v, want %d (if 1, extraction finished before the signal); stderr: %s", code, sig, exitSignal, stderr)
			}
			if left := dirNames(t, tmp); len(left) != 0 {
				t.Errorf("TMPDIR holds %v after %v", left, sig)
			}
		})
	}
}

// unlinkedHeld counts the files process pid has open under prefix, and
// fails the test for any that still has a name.
func unlinkedHeld(t *testing.T, pid int, prefix string) int {
	n := 0
	links, _ := filepath.Glob(fmt.Sprintf("/proc/%d/fd/*", pid))
	for _, l := range links {
		if target, err := os.Readlink(l); err == nil && strings.HasPrefix(target, prefix) {
			if !strings.HasSuffix(target, " (deleted)") {
				t.Errorf("the temp file %s is open but not unlinked", target)
			}
			n++
		}
	}
	return n
}
