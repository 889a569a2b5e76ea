package main

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/dbinspect/dbinspect/internal/testhook"
	"github.com/dbinspect/dbinspect/pages"
)

// privateTMPDIR points TMPDIR at a fresh empty dir for the rest of the test
// and returns it. Make every input first: fixtures are cached under the
// TMPDIR in force when first asked for.
func privateTMPDIR(t *testing.T) string {
	t.Helper()
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	return tmp
}

// truncatedFixture is the catalogue's "copy truncated mid-file": bbolt dies
// of SIGBUS when it reads past the end of it.
func truncatedFixture(t *testing.T) string {
	im := loadDB(t, "config-store-v3.6")
	hw := int(im.HighWater()) * im.PageSize
	return writeBytes(t, im.B[:hw*3/4+100])
}

// cycleFixture is a key-bucket branch listing itself as a child.
func cycleFixture(t *testing.T) string {
	im := loadDB(t, "config-store-v3.6")
	r := im.BranchRoot(t, "key")
	im.SetChild(r, 1, r)
	return im.Write(t)
}

// Ensure --exact never hands a damaged file to bbolt: it is refused with a
// message naming the file and what to do, on stderr and in
// certainty.partial, while the other predictions are still written, the
// exit status is that of any partial result (0), and nothing is left in
// TMPDIR.
func TestExactRefusedOnDamagedInput(t *testing.T) {
	inputs := map[string]string{
		"truncated": truncatedFixture(t),
		"cycle":     cycleFixture(t),
		"hostile":   hostileCycles(t),
	}
	tmp := privateTMPDIR(t)
	for name, p := range inputs {
		t.Run(name, func(t *testing.T) {
			wantErr := "dbinspect: --exact refused for " + p + ": the structural check found damage ("
			code, out, errOut := runCLI(t, "predict", "--exact", "--no-color", p)
			if code != exitOK {
				t.Errorf("predict --exact: exit %d, want %d (a partial result): %s", code, exitOK, errOut)
			}
			if !strings.Contains(errOut, wantErr) || !strings.Contains(errOut, "Run 'dbinspect check "+p+"' to see the problems") {
				t.Errorf("stderr does not refuse --exact clearly:\n%s", errOut)
			}
			if !strings.Contains(out, "\nPredictions\n") || !strings.Contains(out, "partial: exact defrag: --exact refused for "+p) {
				t.Errorf("the text report lacks the predictions or the refusal:\n%s", out)
			}
			if strings.Contains(out, "exact defrag  ") {
				t.Errorf("an exact defrag figure was printed for a damaged file:\n%s", out)
			}
			code, out, errOut = runCLI(t, "predict", "--exact", "-o", "json", p)
			var r map[string]any
			if err := json.Unmarshal([]byte(out), &r); code != exitOK || err != nil {
				t.Fatalf("predict --exact -o json: exit %d, %v: %s", code, err, errOut)
			}
			if r["exact_defrag"] != nil || r["predict"] == nil {
				t.Errorf("JSON exact_defrag %v, predict present %v; want no exact_defrag and the predictions", r["exact_defrag"], r["predict"] != nil)
			}
			partial, _ := jsonPath(r, "certainty", "partial").([]any)
			found := false
			for _, e := range partial {
				s, _ := e.(string)
				found = found || strings.HasPrefix(s, "exact defrag: --exact refused for "+p)
			}
			if !found {
				t.Errorf("certainty.partial %q does not name the refusal", partial)
			}
			if left := dirNames(t, tmp); len(left) != 0 {
				t.Errorf("TMPDIR holds %v", left)
			}
		})
	}
}

// hostileCycles is TestHostileFilesBoundedResources' file of branch pages
// all pointing at each other: bbolt ran for a minute in 10 GB on it.
func hostileCycles(t *testing.T) string {
	const pages = 256
	return hostileDB(t, ^uint64(0), pages, func(page func(uint64) []byte) {
		for id := uint64(2); id < pages; id++ {
			p := page(id)
			header(p, id, 0x01, 255, 0)
			for j := 0; j < 255; j++ {
				e := p[16+16*j:]
				binary.LittleEndian.PutUint32(e[4:], 0)
				binary.LittleEndian.PutUint64(e[8:], 2+(id+uint64(j))%(pages-2))
			}
		}
	})
}

// Ensure the error paths that made a temp dir remove it: a .gz that ends
// early, a tar.gz whose db entry is cut short.
func TestErrorPathsLeaveNoTempFiles(t *testing.T) {
	gz, err := os.ReadFile(largeGzip(t, t.TempDir(), 0))
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "db.gz")
	if err := os.WriteFile(cut, gz[:len(gz)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	tmp := privateTMPDIR(t)
	for _, args := range [][]string{{"report", cut}, {"predict", "--exact", cut}, {"check", cut}} {
		code, _, errOut := runCLI(t, args...)
		if code != exitError || !strings.Contains(errOut, "decompressing: unexpected EOF: the compressed file ends early") {
			t.Errorf("dbinspect %q on a cut .gz: exit %d, stderr %q; want exit 1 and the decompression error", args, code, errOut)
		}
		if left := dirNames(t, tmp); len(left) != 0 {
			t.Errorf("dbinspect %q: TMPDIR holds %v", args, left)
		}
	}
}

// bigBoltDB writes a bbolt file of n small pairs, enough that bbolt's
// defrag of it takes a while on any machine.
func bigBoltDB(t *testing.T, dir string, n int) string {
	t.Helper()
	p := filepath.Join(dir, "big.db")
	db, err := bolt.Open(p, 0o600, &bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	const batch = 50000
	for i := 0; i < n; i += batch {
		err := db.Update(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("data"))
			if err != nil {
				return err
			}
			b.FillPercent = 1
			var k [8]byte
			for j := i; j < min(i+batch, n); j++ {
				binary.BigEndian.PutUint64(k[:], uint64(j))
				if err := b.Put(k[:], k[:]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// Ensure Ctrl-C during 'predict --exact' removes the private copy the
// defrag works on and exits 130.
func TestInterruptDuringExactRemovesTempFiles(t *testing.T) {
	work := t.TempDir()
	exe := buildBinary(t, work)
	db := bigBoltDB(t, work, 2_000_000)
	// The defrag's copy and temporary db are unlinked once open, so even
	// SIGKILL leaves nothing.
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			code, stderr, tmp := interruptOnceTempAppears(t, exe, []string{"predict", "-q", "--exact", db}, sig, func(tmp string, pid int) bool {
				// Signal as soon as the first file is open: it never had a
				// name, so there is no moment SIGKILL could leave it.
				return holdsUnlinked(t, pid, tmp+string(filepath.Separator))
			})
			if sig != syscall.SIGKILL && code != exitSignal {
				t.Errorf("exit status %d after %v, want %d (if 0, the defrag finished before the signal); stderr: %s", code, sig, exitSignal, stderr)
			}
			if left := dirNames(t, tmp); len(left) != 0 {
				t.Errorf("TMPDIR holds %v after %v", left, sig)
			}
		})
	}
}

// commitDuringRead makes every run of the test rewrite, after its passes
// and before its final consistency check, the meta page bbolt does not
// use (a new root-bucket sequence, checksum recomputed): what copying a db
// while etcd commits looks like, without changing the meta the reader
// follows.
func commitDuringRead(t *testing.T) {
	t.Helper()
	im := loadDB(t, "config-store-v3.6")
	spare := 1 - im.UsedMeta()
	seq := uint64(0)
	testhook.BeforeConsistencyCheck = func(path string) {
		seq++
		im.SetMetaU64(spare, pages.MetaSequenceAt, seq)
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			t.Error(err)
			return
		}
		defer f.Close()
		if _, err := f.WriteAt(im.Page(spare)[16:16+64], int64(spare)*int64(im.PageSize)+16); err != nil {
			t.Error(err)
		}
	}
	t.Cleanup(func() { testhook.BeforeConsistencyCheck = nil })
}

// Ensure a file that changes while it is read (a live db) is reported as
// an inconsistent copy, with the advice to take one with 'etcdctl snapshot
// save', in the text and JSON reports, and that 'check' then exits 1.
func TestLiveFileChangingWhileRead(t *testing.T) {
	p := loadDB(t, "config-store-v3.6").Write(t)
	const advice = "this is an inconsistent copy of a live db: take one with 'etcdctl snapshot save'"
	commitDuringRead(t)
	run := func(args ...string) (int, string, string) { return runCLI(t, append(args, p)...) }

	code, out, errOut := run("report", "--no-color")
	if code != exitOK || !strings.Contains(out, "certainty       PARTIAL") && !strings.Contains(out, "PARTIAL: see Certainty at the end") {
		t.Errorf("report: exit %d, no PARTIAL certainty in the summary: %s\n%s", code, errOut, out)
	}
	// The first screen wraps at 100 columns: read it as words.
	flat := strings.Join(strings.Fields(out), " ")
	if !strings.Contains(flat, " CHANGED WHILE READ: its meta pages changed while it was read") || !strings.Contains(flat, advice) {
		t.Errorf("the text report does not say the file changed, with the advice:\n%s", out)
	}

	code, out, errOut = run("report", "-o", "json")
	var r map[string]any
	if err := json.Unmarshal([]byte(out), &r); code != exitOK || err != nil {
		t.Fatalf("report -o json: exit %d, %v: %s", code, err, errOut)
	}
	changed, _ := jsonPath(r, "certainty", "changed").(string)
	if jsonPath(r, "certainty", "complete") != false || !strings.Contains(changed, advice) {
		t.Errorf("JSON certainty %v, want complete false and changed with the advice", r["certainty"])
	}

	code, out, errOut = run("check", "--no-color")
	if code != exitError || !strings.Contains(errOut, "dbinspect: "+p+": the file changed while it was checked, so the check is not valid") ||
		!strings.Contains(out, "CHANGED WHILE READ: ") {
		t.Errorf("check on a changing file: exit %d, want %d and the reason\nstdout:\n%s\nstderr:\n%s", code, exitError, out, errOut)
	}
}
