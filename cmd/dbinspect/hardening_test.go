package main

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/dbinspect/dbinspect/pages"
)

// deepKeyTree puts a chain of n one-element branch pages above the key
// bucket's root of a real fixture (appended past its high-water mark,
// which moves up by n): a tree deeper than bbolt ever writes. The walk of
// the structural check and the bucket reads of the key scan once disagreed
// on it (check said ok; report called it a cycle).
func deepKeyTree(t *testing.T, n int) string {
	t.Helper()
	im := loadDB(t, "config-store-v3.6")
	r := im.BranchRoot(t, "key")
	hw := im.HighWater()
	if need := int(hw+uint64(n)) * im.PageSize; len(im.B) < need {
		im.B = append(im.B, make([]byte, need-len(im.B))...)
	}
	first := make([]byte, 0, 64)
	{
		e := im.Elem(r, 0)
		pos, ks := binary.LittleEndian.Uint32(e[0:]), binary.LittleEndian.Uint32(e[4:])
		first = append(first, im.Page(r)[pages.PageHeaderSize+int(pos):pages.PageHeaderSize+int(pos)+int(ks)]...)
	}
	le := binary.LittleEndian
	for i := range n {
		id := hw + uint64(i)
		next := id + 1
		if i == n-1 {
			next = r
		}
		p := im.Page(id)
		clear(p)
		header(p, id, 0x01, 1, 0)
		le.PutUint32(p[16:], 16) // the key right after the one element
		le.PutUint32(p[20:], uint32(len(first)))
		le.PutUint64(p[24:], next)
		copy(p[32:], first)
	}
	root := im.MetaU64(im.UsedMeta(), pages.MetaRootAt)
	for i := 0; i < im.Count(root); i++ {
		if k, v := im.LeafKV(root, i); string(k) == "key" {
			le.PutUint64(v, hw)
		}
	}
	for id := uint64(0); id < 2; id++ {
		im.SetMetaU64(id, pages.MetaHighWaterAt, hw+uint64(n))
	}
	return im.Write(t)
}

// hardeningCatalogue is the part of docs/bad-inputs.md that issue 19's
// probe found: inputs the catalogue did not cover.
func hardeningCatalogue() []badInput {
	return []badInput{
		{
			// 3/4 of the high-water mark, cut to 32 bytes past a multiple
			// of 512: etcdutl's size rule alone takes its last 32 bytes
			// for a snapshot's SHA-256.
			name: "copy truncated to 32 bytes past a multiple of 512",
			make: func(t *testing.T) string {
				im := loadDB(t, "config-store-v3.6")
				hw := int(im.HighWater()) * im.PageSize
				return writeBytes(t, im.B[:hw*3/4/512*512+32])
			},
			checkCode: exitError, reportCode: exitOK,
			lines: []string{
				"TRUNCATED: the file has 2,979,872 bytes of the 3,973,120 its meta expects; 993,248 bytes are missing; buckets affected: key",
				"dbinspect: PATH: the file is damaged (1 problem)",
			},
			partial: "keys: 1 part(s) of etcd's buckets could not be read; key figures cover what was read",
			jsonCheck: func(t *testing.T, r map[string]any) {
				if h := jsonPath(r, "input", "snapshot_hash"); h != "absent" {
					t.Errorf("input.snapshot_hash %v, want absent: a truncated db is not a snapshot", h)
				}
			},
		},
		{
			name:      "a tree deeper than 64 levels (70 one-element branch pages above the key bucket's root)",
			make:      func(t *testing.T) string { return deepKeyTree(t, 70) },
			checkCode: exitError, reportCode: exitOK,
			lines: []string{
				`error tree-too-deep: page 1034: bucket "key": the tree is deeper than 64 levels, which bbolt never writes (each level at least doubles the pages below it): a cycle or a forged chain of branch pages; its pages from here down are not read`,
				"dbinspect: PATH: the file is damaged (1 problem)",
			},
			partial: "keys: 1 part(s) of etcd's buckets could not be read; key figures cover what was read",
		},
	}
}

// Ensure every float flag refuses NaN, infinities, negatives and absurd
// values with a usage error (1e-300 MB/s once printed a 300-digit startup
// time), and takes a sane value.
func TestFloatFlagsValidated(t *testing.T) {
	db := writeBytes(t, loadDB(t, "auth-v3.6").B)
	for _, v := range []string{"NaN", "Inf", "-Inf", "-1", "1e-300", "0.5", "1e300"} {
		code, _, errOut := runCLI(t, "predict", "--disk-read-mbps", v, db)
		if code != exitUsage || !strings.Contains(errOut, "--disk-read-mbps") || !strings.Contains(errOut, "want 0 (not given) or a number from 1 to 100000") {
			t.Errorf("--disk-read-mbps %s: exit %d, stderr %q; want a usage error", v, code, errOut)
		}
	}
	for _, v := range []string{"0", "200"} {
		if code, _, errOut := runCLI(t, "predict", "--disk-read-mbps", v, db); code != exitOK {
			t.Errorf("--disk-read-mbps %s: exit %d: %s", v, code, errOut)
		}
	}
}

// Ensure --calibration reads at most 1 MiB: /dev/zero once grew the
// process to 10 GB. The predictions say why the file was not used.
func TestCalibrationReadCapped(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	exe := buildBinary(t, t.TempDir())
	db := writeBytes(t, loadDB(t, "auth-v3.6").B)
	code, rss, stdout, stderr := measureRun(t, t.TempDir(), exe, "predict", "-q", "--calibration", "/dev/zero", db)
	if code != exitOK || !strings.Contains(stdout, "reading calibration /dev/zero (run 'dbinspect calibrate' to create it): longer than 1024 KiB: not a file 'dbinspect calibrate' saved") {
		t.Errorf("exit %d, stderr %q; stdout does not say why /dev/zero was not used:\n%s", code, stderr, stdout)
	}
	if rss > hostileMaxRSS {
		t.Errorf("peak RSS %.1f MiB, want under %d MiB", float64(rss)/(1<<20), hostileMaxRSS>>20)
	}
}

// Ensure inputs that are not dbs for reasons other than their bytes get
// an error saying so: a /proc file (size 0, with content) and a data dir
// the user may not enter (etcd keeps it 0700; the run is as nobody).
func TestClearErrorsForOddInputs(t *testing.T) {
	code, _, errOut := runCLI(t, "report", "/proc/self/status")
	want := "dbinspect: /proc/self/status: the system gives this file a size of 0 though it has content (a /proc or /sys file): not an etcd db; name a db file (member/snap/db) or a snapshot\n"
	if code != exitError || errOut != want {
		t.Errorf("/proc/self/status: exit %d, stderr %q; want %q", code, errOut, want)
	}
	if os.Geteuid() != 0 {
		t.Skip("the data dir case runs the binary as nobody, which needs root")
	}
	dir, err := os.MkdirTemp("", "dbinspect-perm-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	snap := filepath.Join(dir, "etcd", "member", "snap")
	if err := os.MkdirAll(snap, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(snap, "db"), loadDB(t, "auth-v3.6").B, 0o600); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Join(dir, "etcd"), 0o755)
	os.Chmod(filepath.Join(dir, "etcd", "member"), 0o700)
	exe := buildBinary(t, dir)
	datadir := filepath.Join(dir, "etcd")
	code, stderr := runAsNobody(t, exe, dir, "report", datadir)
	want = "dbinspect: " + datadir + ": permission denied looking for member/snap/db; copy the db somewhere readable or run as a user that can read it (etcd keeps its data dir mode 0700)\n"
	if code != exitError || stderr != want {
		t.Errorf("unreadable data dir: exit %d, stderr %q; want %q", code, stderr, want)
	}
}

// runAsNobody runs exe as user nobody with HOME in home and returns the
// exit status and stderr.
func runAsNobody(t *testing.T, exe, home string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(exe, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+home)
	var e bytes.Buffer
	cmd.Stderr = &e
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("running as nobody: %v", err)
	}
	return cmd.ProcessState.ExitCode(), e.String()
}
