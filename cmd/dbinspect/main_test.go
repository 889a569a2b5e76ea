package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dbinspect/dbinspect/internal/fixtures"
)

func TestMain(m *testing.M) {
	// Child mode for TestReadWhileAnotherProcessHoldsTheLock: hold an
	// exclusive flock, as a running etcd does, until stdin closes.
	if path := os.Getenv("DBINSPECT_TEST_HOLD_FLOCK"); path != "" {
		holdFlock(path)
		return
	}
	// Predictions must not depend on a calibration saved on this machine.
	cfg, _ := os.MkdirTemp("", "dbinspect-test-config-")
	os.Setenv("XDG_CONFIG_HOME", cfg)
	os.Setenv("HOME", cfg)
	code := m.Run()
	os.RemoveAll(cfg)
	fixtures.RemoveCache()
	os.Exit(code)
}

func holdFlock(path string) {
	f, err := os.Open(path)
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(1)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		fmt.Println("flock:", err)
		os.Exit(1)
	}
	fmt.Println("locked")
	bufio.NewReader(os.Stdin).ReadString('\n')
	os.Exit(0)
}

// runCLI runs dbinspect in-process.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		code, out, _ := runCLI(t, args...)
		if code != 0 || !strings.Contains(out, "Usage:\n  dbinspect [command] [flags] PATH") || !strings.Contains(out, "Exit status:") {
			t.Errorf("%v: exit %d, output:\n%s", args, code, out)
		}
		for _, c := range commands() {
			if !strings.Contains(out, "  "+c.name+" ") {
				t.Errorf("%v: usage does not list %s", args, c.name)
			}
		}
	}
	for _, c := range commands() {
		code, out, _ := runCLI(t, "help", c.name)
		if code != 0 || !strings.HasPrefix(out, "Usage: dbinspect "+c.name) {
			t.Errorf("help %s: exit %d, output:\n%s", c.name, code, out)
		}
		code, out2, _ := runCLI(t, c.name, "--help")
		if code != 0 || out2 != out {
			t.Errorf("%s --help differs from help %s (exit %d)", c.name, c.name, code)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	db := fixtures.Path(t, fixtures.Get(t, "auth-v3.6"))
	tests := []struct {
		args []string
		code int
		want string
	}{
		{nil, exitUsage, "no command or path given"},
		{[]string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{[]string{"report"}, exitUsage, "report: no PATH given"},
		{[]string{"report", db, db}, exitUsage, "one PATH expected, got 2"},
		{[]string{"report", "-o", "xml", db}, exitUsage, `output format "xml": want text, json or html`},
		{[]string{"keys", "-o", "html", db}, exitUsage, "-o html is only for report, predict, pages and trend"},
		{[]string{"report", "--fail-on", "sometimes", db}, exitUsage, `--fail-on "sometimes"`},
		{[]string{"report", "--no-such-flag", db}, exitUsage, "unknown flag: --no-such-flag"},
		// --top 0 once passed and became 10 in the scan.
		{[]string{"keys", "--top", "0", db}, exitUsage, "--top and --prefix-depth must be ≥ 1"},
		{[]string{"diff", db}, exitUsage, "two paths expected"},
		{[]string{"version", "x"}, exitUsage, "version takes no arguments"},
		{[]string{"report", "/no/such/db"}, exitError, "/no/such/db: no such file or directory"},
	}
	for _, tc := range tests {
		code, _, errOut := runCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("dbinspect %q: exit %d, stderr %q; want exit %d and %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runCLI(t, "version")
	if code != 0 || !strings.HasPrefix(out, "dbinspect ") || !strings.Contains(out, "JSON schema") {
		t.Errorf("version: exit %d, %q", code, out)
	}
}

// Ensure a bare path runs the report, as README's first command does.
func TestBarePathIsReport(t *testing.T) {
	f := fixtures.Get(t, "k8s-v3.6")
	gz := filepath.Join(fixtures.Dir(), f.File)
	code, out, errOut := runCLI(t, gz)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"Summary", "Top prefixes", "Findings", "Predictions"} {
		if !strings.Contains(out, "\n"+want) {
			t.Errorf("report has no %q section", want)
		}
	}
	code, out, errOut = runCLI(t, "-v", gz)
	if code != 0 {
		t.Fatalf("-v: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"Summary", "Pages", "Buckets", "Free space and fragmentation", "Keys and revisions", "Prefixes", "Predictions", "Findings"} {
		if !strings.Contains(out, "\n"+want) {
			t.Errorf("report has no %q section", want)
		}
	}
}

type fileID struct {
	sum   [32]byte
	mtime time.Time
	size  int64
}

func identify(t *testing.T, path string) fileID {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fileID{sha256.Sum256(b), st.ModTime(), st.Size()}
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// Ensure no subcommand changes its input or writes anything beside it: the
// file's sha256, size and mtime are the same afterwards, and its directory
// holds nothing new.
func TestInputIsNeverWritten(t *testing.T) {
	for _, name := range []string{"k8s-v3.6-snapshot", "config-store-v3.5"} {
		f := fixtures.Get(t, name)
		dir := t.TempDir()
		db := filepath.Join(dir, "db")
		src := fixtures.Path(t, f)
		b, _ := os.ReadFile(src)
		os.WriteFile(db, b, 0o600)
		past := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
		os.Chtimes(db, past, past)
		before := identify(t, db)
		for _, args := range [][]string{
			{"report", db}, {"report", "-o", "json", db}, {"report", "-o", "html", db},
			{"pages", db}, {"keys", db}, {"predict", "--exact", db}, {"check", db},
			{"diff", db, db}, {"trend", db, dir}, {"trend", "-o", "html", db}, {db},
		} {
			if code, _, errOut := runCLI(t, args...); code != 0 {
				t.Errorf("%s: dbinspect %q: exit %d: %s", name, args, code, errOut)
			}
			if after := identify(t, db); after != before {
				t.Fatalf("%s: dbinspect %q changed the input: %+v -> %+v", name, args, before, after)
			}
			if got := dirNames(t, dir); len(got) != 1 {
				t.Fatalf("%s: dbinspect %q left files beside the input: %v", name, args, got)
			}
		}
	}
}

// Ensure a db held by another process's exclusive flock (as a running etcd
// holds member/snap/db) is read without waiting.
func TestReadWhileAnotherProcessHoldsTheLock(t *testing.T) {
	db := fixtures.Path(t, fixtures.Get(t, "k8s-v3.6"))
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), "DBINSPECT_TEST_HOLD_FLOCK="+db)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); cmd.Wait() }()
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if strings.TrimSpace(line) != "locked" {
		t.Fatalf("lock holder: %q", line)
	}
	// Prove the lock is really held: a non-blocking flock of our own fails.
	fh, _ := os.Open(db)
	defer fh.Close()
	if err := syscall.Flock(int(fh.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err == nil {
		t.Fatal("the file is not locked by the other process; the test proves nothing")
	}
	done := make(chan int, 1)
	go func() {
		code, _, _ := runCLI(t, "report", "-o", "json", db)
		done <- code
	}()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("report on a locked db: exit %d", code)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("report on a locked db did not finish: it waits for the lock")
	}
}

// Ensure the figures dbinspect reports equal what real etcd, etcdutl and
// bbolt answered for every fixture when it was generated.
func TestReportAgreesWithEtcd(t *testing.T) {
	for _, f := range fixtures.All(t) {
		t.Run(f.Name, func(t *testing.T) {
			code, out, errOut := runCLI(t, "report", "-o", "json", fixtures.Path(t, f))
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var r struct {
				File struct {
					SizeBytes int64 `json:"size_bytes"`
				} `json:"file"`
				Input struct {
					SnapshotHash string `json:"snapshot_hash"`
				} `json:"input"`
				Pages struct {
					HighWaterBytes int64 `json:"high_water_bytes"`
				} `json:"pages"`
				MVCC struct {
					Revision        int64 `json:"revision"`
					CompactRevision int64 `json:"compact_revision"`
					LiveKeys        int64 `json:"live_keys"`
					Etcdutl         struct {
						Hash      uint32 `json:"hash"`
						Revision  int64  `json:"revision"`
						TotalKeys int    `json:"total_keys"`
						TotalV35  int    `json:"total_keys_v3_5"`
						TotalSize int64  `json:"total_size"`
					} `json:"etcdutl"`
					Leases struct {
						Count int64 `json:"count"`
					} `json:"leases"`
					Auth struct {
						Enabled bool `json:"enabled"`
					} `json:"auth"`
				} `json:"mvcc"`
				Predict struct {
					DefragSizeBytes int64 `json:"defrag_size_bytes"`
				} `json:"predict"`
			}
			if err := json.Unmarshal([]byte(out), &r); err != nil {
				t.Fatal(err)
			}
			// etcdutl 3.5 (and 3.4's etcdctl) counts every pair of every bucket; 3.6+ live keys.
			totalKeys := r.MVCC.Etcdutl.TotalKeys
			if strings.HasPrefix(f.EtcdVersion, "3.5") || strings.HasPrefix(f.EtcdVersion, "3.4") {
				totalKeys = r.MVCC.Etcdutl.TotalV35
			}
			checks := []struct {
				what      string
				got, want int64
			}{
				{"file size", r.File.SizeBytes, f.SizeBytes},
				{"revision", r.MVCC.Revision, f.Revision},
				{"compact revision", r.MVCC.CompactRevision, f.CompactRevision},
				{"live keys", r.MVCC.LiveKeys, f.LiveKeys},
				{"db size (high water)", r.Pages.HighWaterBytes, f.Etcdutl.TotalSize},
				{"etcdutl hash", int64(r.MVCC.Etcdutl.Hash), int64(f.Etcdutl.Hash)},
				{"etcdutl revision", r.MVCC.Etcdutl.Revision, f.Etcdutl.Revision},
				{"etcdutl total keys", int64(totalKeys), int64(f.Etcdutl.TotalKey)},
				{"leases", r.MVCC.Leases.Count, f.Leases},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s: dbinspect %d, etcd %d", c.what, c.got, c.want)
				}
			}
			if r.MVCC.Auth.Enabled != f.AuthEnabled {
				t.Errorf("auth enabled: dbinspect %v, etcd %v", r.MVCC.Auth.Enabled, f.AuthEnabled)
			}
			wantHash := "absent"
			if f.Snapshot {
				wantHash = "ok"
			}
			if r.Input.SnapshotHash != wantHash {
				t.Errorf("snapshot_hash %q, want %q", r.Input.SnapshotHash, wantHash)
			}
			// The defrag prediction is within 2% of real etcd's defrag.
			if f.DefragDbSize > 0 {
				diff := float64(r.Predict.DefragSizeBytes-f.DefragDbSize) / float64(f.DefragDbSize)
				if diff > 0.02 || diff < -0.02 {
					t.Errorf("defrag size: predicted %d, etcd's defrag gave %d (%.1f%%)", r.Predict.DefragSizeBytes, f.DefragDbSize, 100*diff)
				}
			}
		})
	}
}

// Ensure --fail-on turns findings into exit status 3, and only at or above
// the level asked for.
func TestFailOn(t *testing.T) {
	db := fixtures.Path(t, fixtures.Get(t, "nospace-v3.6"))
	code, out, _ := runCLI(t, "report", db)
	if code != 0 || !strings.Contains(out, "NOSPACE") {
		t.Fatalf("report on the NOSPACE fixture: exit %d, no NOSPACE in output", code)
	}
	if code, _, errOut := runCLI(t, "report", "--fail-on", "critical", db); code != exitFailOn || !strings.Contains(errOut, "at or above critical") {
		t.Errorf("--fail-on critical with a NOSPACE alarm: exit %d, %q", code, errOut)
	}
	clean := fixtures.Path(t, fixtures.Get(t, "large-value-defragged-v3.6"))
	if code, _, errOut := runCLI(t, "report", "--fail-on", "critical", clean); code != 0 {
		t.Errorf("--fail-on critical on a healthy db: exit %d: %s", code, errOut)
	}
}

// Ensure check exits 1 and names the damage on a damaged copy, and 0 on a
// clean file.
func TestCheckExitCodes(t *testing.T) {
	f := fixtures.Get(t, "config-store-v3.6")
	if code, out, _ := runCLI(t, "check", fixtures.Path(t, f)); code != 0 || !strings.Contains(out, "ok:") {
		t.Fatalf("check on a clean fixture: exit %d:\n%s", code, out)
	}
	bad := fixtures.Copy(t, f)
	b, _ := os.ReadFile(bad)
	os.WriteFile(bad, b[:len(b)/8], 0o600) // a copy cut short
	code, out, errOut := runCLI(t, "check", bad)
	if code != exitError || !strings.Contains(out, "TRUNCATED") || !strings.Contains(errOut, "the file is damaged") {
		t.Errorf("check on a truncated copy: exit %d\nstdout:\n%s\nstderr: %s", code, out, errOut)
	}
}

// Ensure the classic cases each fixture was made for raise their finding,
// and a healthy db raises none.
func TestFindingsOnFixtures(t *testing.T) {
	tests := []struct {
		fixture string
		want    []string // finding codes, in order
	}{
		{"large-value-v3.6", []string{"mostly_free", "large_values_rewritten"}},
		{"large-value-v3.5", []string{"mostly_free", "large_values_rewritten"}},
		{"large-value-defragged-v3.6", []string{"large_values_rewritten"}},
		{"fragmented-v3.6", []string{"mostly_free"}},
		{"nospace-v3.6", []string{"alarm_raised"}},
		// Its Secrets are stored as plain protobuf (no encryption at rest).
		{"k8s-v3.6", []string{"k8s_secrets_unencrypted"}},
		{"config-store-v3.5", nil},
	}
	for _, tc := range tests {
		code, out, errOut := runCLI(t, "report", "-o", "json", fixtures.Path(t, fixtures.Get(t, tc.fixture)))
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.fixture, code, errOut)
		}
		var r struct {
			Findings []struct{ Code string } `json:"findings"`
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range r.Findings {
			got = append(got, f.Code)
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s: findings %v, want %v", tc.fixture, got, tc.want)
		}
	}
}
