package measure

import (
	"path/filepath"
	"testing"

	"github.com/dbinspect/dbinspect/pages"
)

// The open model is charged on the page walk's counts (report/predict:
// reachable pages less overflow pages as nodes, overflow pages, elements);
// calibrate must fit it on the same counts of its own files.
func TestOpenShapeCountsAreThePageWalks(t *testing.T) {
	for _, sh := range []openShape{{"small values", 20000, 30}, {"1000-byte values", 3000, 1000}, {"overflow values", 500, 10000}} {
		t.Run(sh.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "open.db")
			got, err := writeOpenShape(path, sh)
			if err != nil {
				t.Fatal(err)
			}
			f, err := pages.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			a, err := pages.Analyze(f, pages.AnalyzeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			nodes := float64(a.Pages.ByType.Branch + a.Pages.ByType.Leaf)
			want := openCounts{nodes: nodes, overflow: float64(a.Pages.ByType.Overflow), elements: float64(a.Pages.Elements), bytes: float64(a.File.SizeBytes)}
			if got != want {
				t.Errorf("calibrate counts %+v, the page walk %+v", got, want)
			}
			if sh.valueLen > 4096 && got.overflow == 0 {
				t.Error("10,000-byte values made no overflow pages")
			}
			if float64(a.Pages.Reachable) != got.nodes+got.overflow {
				t.Errorf("reachable pages %d, nodes + overflow %v", a.Pages.Reachable, got.nodes+got.overflow)
			}
		})
	}
}

// etcd opens its db with these options; the open timing must use them.
func TestEtcdBoltOptions(t *testing.T) {
	o := etcdBoltOptions()
	if !o.NoFreelistSync || o.FreelistType != "hashmap" || o.MmapFlags != etcdMmapFlags || o.InitialMmapSize != 10<<30 {
		t.Errorf("options %+v", o)
	}
}
