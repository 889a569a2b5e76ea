package report

import (
	"os"
	"testing"

	"github.com/dbinspect/dbinspect/mvcc"
)

// BenchmarkTrendSummary is what 'dbinspect trend' does per file: the page
// walk and the key scan, no snapshot hash, then the summary. Run it on a
// big db: DBINSPECT_BIG_DB=testdata/big/etcd-1GiB.db go test -bench TrendSummary ./report
func BenchmarkTrendSummary(b *testing.B) {
	path := os.Getenv("DBINSPECT_BIG_DB")
	if path == "" {
		b.Skip("set DBINSPECT_BIG_DB to a big db (testdata/README.md) to run")
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	mo := mvcc.DefaultOptions()
	mo.TopN = 1
	for b.Loop() {
		r, err := Build(Input{Given: path, Path: path, Kind: "file"}, Options{Sections: TrendSections, MVCC: mo, SkipSnapshotHash: true})
		if err != nil {
			b.Fatal(err)
		}
		if s := TrendSummary(r); s.Revision == 0 || len(s.Prefixes) == 0 {
			b.Fatalf("an empty summary: %+v", s)
		}
	}
}
