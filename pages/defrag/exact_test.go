package defrag_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbinspect/dbinspect/internal/boltkv"
	"github.com/dbinspect/dbinspect/internal/fixtures"
	"github.com/dbinspect/dbinspect/internal/privfile"
	"github.com/dbinspect/dbinspect/pages/defrag"
)

func TestExactAgreesWithSimulationAndCleansUp(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	src := writeDB(t, withSmall(bucketSpec{"key", 25000, revKey, fixed(120)}))
	before, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	got, err := defrag.Exact(src, defrag.ExactOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := boltkv.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	sim, err := defrag.Simulate(r, os.Getpagesize(), defrag.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got.DbSizeBytes != sim.DbSizeBytes || got.FileBytes != sim.FileBytes || got.Pairs != sim.Pairs {
		t.Errorf("exact %+v, simulated db %d file %d pairs %d", got, sim.DbSizeBytes, sim.FileBytes, sim.Pairs)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("temp files left behind: %v", left)
	}
	after, _ := os.ReadFile(src)
	if string(after) != string(before) {
		t.Error("the input file changed")
	}
}

func TestExactErrorsCleanUp(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	junk := filepath.Join(t.TempDir(), "junk.db")
	if err := os.WriteFile(junk, []byte(strings.Repeat("not a bbolt file ", 1000)), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{junk, filepath.Join(tmp, "missing.db")} {
		if _, err := defrag.Exact(path, defrag.ExactOptions{}); err == nil {
			t.Errorf("%s: no error", path)
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("temp files left behind after errors: %v", left)
	}
}

// TestSimulateOnFixtures compares the simulation with the size real
// etcd reported after defragmenting each fixture (issue 6: within 2%).
func TestSimulateOnFixtures(t *testing.T) {
	if _, err := os.Stat(filepath.Join(fixtures.Dir(), "fixtures.json")); err != nil {
		t.Skip("no fixture manifest yet")
	}
	for _, f := range fixtures.All(t) {
		if f.DefragDbSize == 0 {
			continue
		}
		t.Run(f.Name, func(t *testing.T) {
			r, err := boltkv.Open(fixtures.Path(t, f))
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			sim, err := defrag.Simulate(r, 4096, defrag.Options{})
			if err != nil {
				t.Fatal(err)
			}
			diff := float64(sim.DbSizeBytes-f.DefragDbSize) / float64(f.DefragDbSize)
			t.Logf("simulated %d, etcd %d (%+.2f%%); file simulated %d, etcd %d", sim.DbSizeBytes, f.DefragDbSize, 100*diff, sim.FileBytes, f.DefragFileBytes)
			if diff > 0.02 || diff < -0.02 {
				t.Errorf("simulated defrag size %d is %.2f%% off etcd's %d", sim.DbSizeBytes, 100*diff, f.DefragDbSize)
			}
			buckets := 0
			for _, b := range sim.Buckets {
				if !b.Inline {
					buckets++
				}
			}
			exact, err := defrag.Exact(fixtures.Path(t, f), defrag.ExactOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if d := (exact.DbSizeBytes - f.DefragDbSize) / 4096; d > int64(buckets)+1 || d < -int64(buckets)-1 {
				t.Errorf("exact defrag %d bytes, etcd's %d: %d pages apart, more than one per bucket", exact.DbSizeBytes, f.DefragDbSize, d)
			}
		})
	}
}

// TestCopyDamagedInput: bbolt panics on some damaged pages; the
// exact defrag must turn that into an error and must not hang.
func TestCopyDamagedInput(t *testing.T) {
	src := writeDB(t, withSmall(bucketSpec{"key", 20000, revKey, fixed(100)}))
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	// Scribble over the headers of every page past the metas and the
	// first few, so the walk meets pages with impossible flags and counts.
	for off := 8 * 4096; off+16 <= len(b); off += 4096 * 3 {
		copy(b[off+8:off+16], []byte{0x7f, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f})
	}
	if err := os.WriteFile(src, b, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := defrag.Copy(src, filepath.Join(t.TempDir(), "out.db"))
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Error("a damaged db copied without error")
		}
		t.Log(err)
	case <-time.After(60 * time.Second):
		t.Fatal("Copy hung on a damaged db")
	}
}

// Ensure Exact checks its private copy and refuses a damaged one
// before bbolt opens it (bbolt dies of SIGBUS past the end of a truncated
// file), and leaves nothing in TMPDIR: where files can be nameless
// (Linux) it needs no dir, elsewhere it removes the one its hook made.
func TestExactRefusesDamagedCopy(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	src := writeDB(t, withSmall(bucketSpec{"key", 20000, revKey, fixed(100)}))
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(src, b[:len(b)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	var made []string
	removed := 0
	hook := func(pattern string) (string, func(), error) {
		d, err := os.MkdirTemp(tmp, pattern)
		made = append(made, d)
		return d, func() { removed++; os.RemoveAll(d) }, err
	}
	_, err = defrag.Exact(src, defrag.ExactOptions{TempDir: hook})
	if !errors.Is(err, defrag.ErrExactRefused) {
		t.Fatalf("a truncated copy gave %v, want ErrExactRefused", err)
	}
	t.Log(err)
	want := 1
	if privfile.Nameless {
		want = 0
	}
	if len(made) != want || removed != want {
		t.Errorf("the hook made %v and removed %d, want %d dir(s) made and removed", made, removed, want)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("temp files left behind: %v", left)
	}
}
