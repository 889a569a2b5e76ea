package main

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbinspect/dbinspect/internal/fixtures"
	"github.com/dbinspect/dbinspect/internal/golden"
)

// treeIDs identifies every file under dir (sha256, mtime, size).
func treeIDs(t *testing.T, dir string) map[string]fileID {
	t.Helper()
	out := map[string]fileID{}
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if fi.Mode().IsRegular() {
			out[p] = identify(t, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A data dir whose WAL etcd would repair (torn tail) and one it would
// refuse (cut segment) are left byte-identical by report, predict and wal, with no .broken file or
// anything else beside them.
func TestDataDirInputIsNeverWritten(t *testing.T) {
	for _, name := range []string{"torn-v3.6", "large-cut-v3.5", "snapshots-v3.6"} {
		dir := fixtures.CopyDataDir(t, fixtures.GetDataDir(t, name))
		before := treeIDs(t, dir)
		for _, args := range [][]string{{"report", dir}, {"report", "-o", "json", dir}, {"report", "-o", "html", dir}, {"predict", dir}, {"wal", dir}, {"wal", "-o", "json", dir}} {
			code, _, errOut := runCLI(t, args...)
			if code != 0 && code != 1 {
				t.Errorf("%s: dbinspect %q: exit %d: %s", name, args, code, errOut)
			}
			after := treeIDs(t, dir)
			if len(after) != len(before) {
				t.Fatalf("%s: dbinspect %q added or removed files: %d -> %d", name, args, len(before), len(after))
			}
			for p, id := range before {
				if after[p] != id {
					t.Fatalf("%s: dbinspect %q changed %s", name, args, p)
				}
			}
		}
	}
}

// A WAL segment and db held under an exclusive flock by another process
// (as a running etcd holds them) are read without waiting, by report and
// by wal.
func TestDataDirReadWhileLocked(t *testing.T) {
	dir := fixtures.DataDirPath(t, fixtures.GetDataDir(t, "small-v3.6"))
	seg := filepath.Join(dir, "member", "wal", "0000000000000000-0000000000000000.wal")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{seg, filepath.Join(dir, "member", "snap", "db")} {
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), "DBINSPECT_TEST_HOLD_FLOCK="+p)
		stdin, _ := cmd.StdinPipe()
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { stdin.Close(); cmd.Wait() }()
		if line, _ := bufio.NewReader(stdout).ReadString('\n'); strings.TrimSpace(line) != "locked" {
			t.Fatalf("lock holder: %q", line)
		}
	}
	for _, cmd := range []string{"report", "wal"} {
		done := make(chan int, 1)
		go func() {
			code, _, _ := runCLI(t, cmd, "-o", "json", dir)
			done <- code
		}()
		select {
		case code := <-done:
			if code != 0 {
				t.Fatalf("%s on a locked data dir: exit %d", cmd, code)
			}
		case <-time.After(60 * time.Second):
			t.Fatalf("%s on a locked data dir did not finish: it waits for a lock", cmd)
		}
	}
}

// A .tar.gz of a whole data dir gives the member section too.
func TestDataDirArchiveInput(t *testing.T) {
	d := fixtures.GetDataDir(t, "torn-v3.5")
	code, out, errOut := runCLI(t, "report", "-o", "json", fixtures.DataDirArchive(d))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		Member *struct {
			Outcome struct {
				Starts, Repairs bool
			} `json:"outcome"`
			Replay struct {
				Loaded struct {
					Entries int `json:"entries"`
				} `json:"loaded"`
			} `json:"replay"`
		} `json:"member"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Member == nil {
		t.Fatal("no member section for a data dir archive")
	}
	if !doc.Member.Outcome.Starts || !doc.Member.Outcome.Repairs || doc.Member.Replay.Loaded.Entries != d.Oracle.Write.Entries {
		t.Errorf("member %+v; etcd repaired and loaded %d entries", doc.Member, d.Oracle.Write.Entries)
	}
}

// Golden files pin the member section on real data dirs ('go test
// ./cmd/dbinspect -run GoldenDataDir -update' rewrites them, through
// internal/golden).
func TestGoldenDataDir(t *testing.T) {
	for _, tc := range []struct {
		datadir string
		args    []string
		golden  string
	}{
		{"torn-v3.6", []string{"report", "-v"}, "torn-v3.6.datadir.report.txt"},
		{"snapshots-v3.5", []string{"report", "-o", "json"}, "snapshots-v3.5.datadir.report.json"},
		{"large-cut-v3.6", []string{"predict"}, "large-cut-v3.6.datadir.predict.txt"},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			dir := fixtures.DataDirPath(t, fixtures.GetDataDir(t, tc.datadir))
			code, out, errOut := runCLI(t, append(tc.args, dir)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			out = strings.ReplaceAll(out, dir, tc.datadir)
			golden.Check(t, filepath.Join("testdata", "golden", tc.golden), []byte(out))
		})
	}
}

// diff of two data dirs shows the WAL's growth.
func TestDiffDataDirs(t *testing.T) {
	oldD, newD := fixtures.GetDataDir(t, "snapshots-v3.6"), fixtures.GetDataDir(t, "large-v3.6")
	code, out, errOut := runCLI(t, "diff", "-o", "json", fixtures.DataDirPath(t, oldD), fixtures.DataDirPath(t, newD))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		Member *struct {
			Old, New, Growth struct {
				Segments      int64 `json:"segments"`
				LoadedEntries int64 `json:"loaded_entries"`
				LastIndex     int64 `json:"last_index"`
			}
		} `json:"member"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	m := doc.Member
	if m == nil {
		t.Fatal("no member growth in the diff of two data dirs")
	}
	if m.Old.LoadedEntries != int64(oldD.Oracle.Write.Entries) || m.New.LoadedEntries != int64(newD.Oracle.Write.Entries) ||
		m.New.Segments != int64(len(newD.WALFiles)) || m.Growth.LastIndex != m.New.LastIndex-m.Old.LastIndex {
		t.Errorf("member diff %+v; etcd loaded %d then %d entries, %d segments", *m, oldD.Oracle.Write.Entries, newD.Oracle.Write.Entries, len(newD.WALFiles))
	}
}

// An archive whose WAL entry claims a terabyte is refused at its header,
// without reading (or writing) the terabyte.
func TestDataDirArchiveHostileWALEntry(t *testing.T) {
	db, err := os.ReadFile(fixtures.Path(t, fixtures.Get(t, "large-value-defragged-v3.6")))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "dd.tar.gz")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	tw := tar.NewWriter(zw)
	tw.WriteHeader(&tar.Header{Name: "member/snap/db", Mode: 0o600, Size: int64(len(db)), Typeflag: tar.TypeReg})
	tw.Write(db)
	tw.WriteHeader(&tar.Header{Name: "member/wal/0000000000000000-0000000000000000.wal", Mode: 0o600, Size: 1 << 40, Typeflag: tar.TypeReg})
	tw.Write(make([]byte, 4096))
	zw.Close() // the entry's terabyte never follows
	f.Close()
	done := make(chan struct{})
	var code int
	var errOut string
	go func() { code, _, errOut = runCLI(t, "report", p); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("report on an archive with a 1 TiB WAL entry did not finish")
	}
	if code != 1 || !strings.Contains(errOut, "more than an etcd WAL segment") {
		t.Errorf("exit %d, %q; want a refusal naming the entry", code, errOut)
	}
}
