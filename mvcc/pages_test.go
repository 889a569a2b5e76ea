package mvcc

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
	"github.com/dbinspect/dbinspect/pages"
)

// scanWithPages scans through dbinspect's own page reader, passing the
// meta's high-water mark as etcdutl's totalSize.
func scanWithPages(t testing.TB, path string, opts Options) *Summary {
	sum, _ := scanWithPagesState(t, path, opts)
	return sum
}

func scanWithPagesState(t testing.TB, path string, opts Options) (*Summary, *scanner) {
	t.Helper()
	f, err := pages.Open(path)
	if err != nil {
		t.Fatalf("pages.Open: %v", err)
	}
	defer f.Close()
	opts.DataSize = int64(f.Meta().HighWater) * int64(f.PageSize())
	sum, sc, err := scan(f, opts)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	return sum, sc
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

// Ensure that a damaged file gives a summary with read errors or
// malformed entries, or a clean error, and never a panic or a hang.
func TestScanDamagedFile(t *testing.T) {
	f := fixtures.Get(t, "config-store-v3.6")
	path := fixtures.Copy(t, f)
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	damaged := 0
	for i := range 30 {
		b := append([]byte(nil), orig...)
		for range 1 + rng.IntN(40) {
			// Leave the two meta pages alone so the file still opens.
			off := 2*4096 + rng.IntN(len(b)-2*4096)
			b[off] = byte(rng.Uint32())
		}
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		pf, err := pages.Open(path)
		if err != nil {
			damaged++
			continue // the page reader refused the file: that is its job
		}
		sum, err := Scan(pf, DefaultOptions())
		pf.Close()
		if err != nil {
			damaged++
			continue
		}
		if len(sum.ReadErrors) > 0 || sum.Malformed.Count > 0 || sum.Leases.Malformed > 0 {
			damaged++
		}
		if sum.LiveBytes+sum.HistoryBytes != sum.KeyBucketBytes {
			t.Errorf("damage %d: byte totals disagree", i)
		}
	}
	if damaged == 0 {
		t.Errorf("no run saw the damage: the test does not exercise damaged input")
	}
	t.Logf("%d of 30 damaged copies reported damage", damaged)
}
