package pages

import (
	"bytes"
	"encoding/binary"
	"os"
	"testing"
)

func TestFreelistListingReachablePage(t *testing.T) {
	path := specs[1].build(t) // etcdlike with a persisted freelist
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := NewFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	ps, fl, root := f.PageSize(), f.Meta().Freelist, f.Meta().Root
	pg := b[int(fl)*ps:]
	h := parseHeader(pg)
	if h.Count == 0 || h.Count == 0xFFFF {
		t.Fatalf("freelist count %d; the test needs a short non-empty list", h.Count)
	}
	binary.LittleEndian.PutUint64(pg[PageHeaderSize:], root) // list the root page as free
	f, _ = NewFile(bytes.NewReader(b), int64(len(b)))
	a, err := Analyze(f, AnalyzeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !a.HasProblem(CodeFreelistReachable) || a.Freelist.ListedButReachable != 1 {
		t.Errorf("freelist %+v, problems %v", a.Freelist, a.Problems)
	}
	if !a.HasProblem(CodeFreelistLeaked) || a.Freelist.Leaked != 1 {
		t.Errorf("the page no longer listed should be leaked: %+v", a.Freelist)
	}
}
