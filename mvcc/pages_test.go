package mvcc

import (
	"encoding/json"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
	"github.com/dbinspect/dbinspect/pages"
)

// scanWithPages scans through dbinspect's own page reader, passing the
// meta's high-water mark as etcdutl's totalSize.
func scanWithPages(t testing.TB, path string, opts Options) *Summary {
	t.Helper()
	f, err := pages.Open(path)
	if err != nil {
		t.Fatalf("pages.Open: %v", err)
	}
	defer f.Close()
	opts.DataSize = int64(f.Meta().HighWater) * int64(f.PageSize())
	sum, err := Scan(f, opts)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	return sum
}

// Ensure that our page reader and bbolt's reading of the same file give
// the same Summary on every fixture.
func TestPagesReaderMatchesBbolt(t *testing.T) {
	for _, f := range fixtures.All(t) {
		t.Run(f.Name, func(t *testing.T) {
			opts := DefaultOptions()
			opts.RedactKeys = f.Scenario == "k8s"
			viaBolt, _ := scanFixture(t, f, opts)
			viaPages := scanWithPages(t, fixtures.Path(t, f), opts)
			a, _ := json.Marshal(viaBolt)
			b, _ := json.Marshal(viaPages)
			if string(a) != string(b) {
				t.Errorf("summaries differ:\nbbolt: %s\npages: %s", a, b)
			}
		})
	}
}
