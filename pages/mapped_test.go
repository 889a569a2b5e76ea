package pages

import (
	"errors"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
)

// TestMappedFileShrinks shrinks a file while it is open and read through
// its mapping: every way into it gives an error naming the truncation,
// none a crash (SIGBUS) or a panic; bytes handed out before, touched
// later on another goroutine under Guard, likewise.
func TestMappedFileShrinks(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the mapping is Linux's")
	}
	fx := fixtures.Get(t, "k8s-v3.6-snapshot")
	path := fixtures.Copy(t, fx)
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if !f.Mapped() {
		t.Fatal("the file was not mapped")
	}
	// Bytes handed out while the file was whole.
	var held [][]byte
	if err := f.ForEachLeaf("key", func(keys, values [][]byte) error {
		held = append(held, values...)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, 3*int64(f.PageSize())); err != nil {
		t.Fatal(err)
	}
	wantShrunk := func(what string, err error) {
		t.Helper()
		var fe *FormatError
		if err == nil || !errors.As(err, &fe) || fe.Code != CodeTruncated || !strings.Contains(err.Error(), "became shorter while it was read") {
			t.Errorf("%s after the file shrank: %v; want a truncation error", what, err)
		}
	}
	_, err = Analyze(f, AnalyzeOptions{})
	wantShrunk("Analyze", err)
	wantShrunk("ForEach", f.ForEach("key", func(k, v []byte) error { return nil }))
	wantShrunk("ForEachLen", f.ForEachLen("key", func(k []byte, n int) error { return nil }))
	_, err = f.VerifySnapshot()
	wantShrunk("VerifySnapshot", err)
	done := make(chan error)
	go func() {
		var err error
		defer func() { done <- err }()
		defer f.Guard()(&err)
		sum := 0
		for _, v := range held {
			for _, b := range v {
				sum += int(b)
			}
		}
		t.Logf("read the held values (sum %d): the file did not shrink under them", sum)
	}()
	wantShrunk("held bytes on another goroutine", <-done)
}

// TestGuardPassesOtherPanics: a panic that is not the file's goes on.
func TestGuardPassesOtherPanics(t *testing.T) {
	f, err := Open(fixtures.Path(t, fixtures.Get(t, "k8s-v3.6")))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	defer func() {
		if r := recover(); r != "not the file's" {
			t.Errorf("recovered %v, want the callback's own panic", r)
		}
	}()
	_ = f.ForEach("key", func(k, v []byte) error { panic("not the file's") })
	t.Error("ForEach returned")
}

// TestReaderDropsBehind: a reader holds at most heldRegions regions (and
// its last read's) mapped, whatever its order, and gives every one back
// when done.
func TestReaderDropsBehind(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the mapping is Linux's")
	}
	path := t.TempDir() + "/sparse"
	const regions = 40
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, regions*region); err != nil {
		t.Fatal(err)
	}
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	st, _ := fh.Stat()
	m := newMapping(fh, st)
	if m == nil {
		t.Fatal("not mapped")
	}
	defer m.close()
	mapped := map[uint64]bool{}
	dropped = func(lo, hi uint64) {
		for r := lo; r < hi; r++ {
			delete(mapped, r)
		}
	}
	defer func() { dropped = nil }()
	var b behind
	read := func(r, n uint64) {
		t.Helper()
		m.touch(r*region+100, (r+n)*region-100, &b)
		for x := r; x < r+n; x++ {
			mapped[x] = true
		}
		if len(mapped) > heldRegions+int(n) {
			t.Fatalf("after a read of regions [%d, %d): %d regions mapped, want at most %d", r, r+n, len(mapped), heldRegions+n)
		}
		for x := r; x < r+n; x++ {
			if !mapped[x] {
				t.Fatalf("region %d of the last read was dropped", x)
			}
		}
	}
	for r := uint64(0); r < regions; r++ { // in order
		read(r, 1)
	}
	for i := uint64(0); i < 3*regions; i++ { // scattered, some spanning two
		read(i*7%(regions-1), 1+i%2)
	}
	m.release(&b)
	if len(mapped) != 0 {
		t.Errorf("after release %d regions are still mapped", len(mapped))
	}
}
