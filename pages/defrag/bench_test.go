package defrag_test

import (
	"os"
	"testing"

	"github.com/dbinspect/dbinspect/pages"
	"github.com/dbinspect/dbinspect/pages/defrag"
)

// BenchmarkSimulate is the defrag prediction of $DBINSPECT_BIG_DB (a
// generated file of 1 GiB or more), else it skips.
func BenchmarkSimulate(b *testing.B) {
	path := os.Getenv("DBINSPECT_BIG_DB")
	if path == "" {
		b.Skip("set DBINSPECT_BIG_DB to a large bbolt file")
	}
	f, err := pages.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	b.SetBytes(f.Size())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := defrag.Simulate(f, f.PageSize(), defrag.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
