package measure

import (
	"fmt"
	"math"
	"math/rand"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/report/calibrate"
)

func TestCalibrateSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("measures for a few seconds")
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	made := 0
	mkdir := func(pattern string) (string, func(), error) {
		made++
		d, err := os.MkdirTemp("", pattern)
		return d, func() { os.RemoveAll(d) }, err
	}
	c, steps, err := Run(Options{Scale: 0.02, TempDir: mkdir})
	if made != 1 {
		t.Errorf("the TempDir hook made %d dirs, want 1", made)
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 17 {
		t.Errorf("%d steps: %+v", len(steps), steps)
	}
	// The pipeline's restore is timed 3 times at its step and once after
	// each later one, and the far Get's second heap at the end.
	pipe := slices.IndexFunc(steps, func(s Step) bool { return s.Name == "restore pipeline" })
	if want := fmt.Sprintf("median of %d restores", pipelineRepsAtStep+len(steps)-1-pipe); pipe < 0 || !strings.Contains(steps[pipe].Work, want) {
		t.Errorf("pipeline step %d, want %q: %+v", pipe, want, steps)
	}
	if steps[len(steps)-1].Name != "restore, second heap" {
		t.Errorf("last step %q, want the far Get's second heap", steps[len(steps)-1].Name)
	}
	v := reflect.ValueOf(c)
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		name := v.Type().Field(i).Name
		if f.Kind() == reflect.Float64 && (!(f.Float() > 0) || math.IsInf(f.Float(), 0)) {
			t.Errorf("%s = %v, want a positive finite coefficient", name, f.Float())
		}
	}
	if !c.ApplyMeasured {
		t.Error("ApplyMeasured is false after a run that measured apply")
	}
	if !c.SnapshotStreamMeasured || c.SnapshotSaveSecondsPerByte == calibrate.Default.SnapshotSaveSecondsPerByte {
		t.Errorf("snapshot streams not measured: %v, %v s/byte", c.SnapshotStreamMeasured, c.SnapshotSaveSecondsPerByte)
	}
	ranges := slices.IndexFunc(steps, func(s Step) bool { return s.Name == "ranges" })
	if ranges < 0 {
		t.Fatalf("no ranges step: %+v", steps)
	}
	if !c.RangeMeasured && !strings.Contains(steps[ranges].Work, "not measured here") {
		t.Errorf("RangeMeasured is false after a run that timed ranges: %+v", steps[ranges])
	}
	if c.RangeMeasured && c.RangeSecondsPerKey == calibrate.Default.RangeSecondsPerKey {
		t.Errorf("per-key range cost %v (the reference value kept?)", c.RangeSecondsPerKey)
	}
	if d := Describe(c, steps, "x.json"); strings.Contains(d, "reference values, not measured") == c.RangeMeasured {
		t.Errorf("Describe does not say whether ranges were measured (%v): %s", c.RangeMeasured, d)
	}
	if _, _, ok := rssNow(); ok && !c.RaftLogHeapMeasured {
		t.Error("RaftLogHeapMeasured is false where peak RSS can be read")
	}
	left, _ := os.ReadDir(tmp)
	if len(left) != 0 {
		t.Errorf("scratch files left: %v", left)
	}
}

func TestBtreeOrdersAndReplaces(t *testing.T) {
	for _, n := range []int{0, 1, 62, 63, 64, 5000} {
		tr := newBtree(func(a, b int) bool { return a < b })
		r := rand.New(rand.NewSource(int64(n)))
		want := map[int]bool{}
		for i := 0; i < n; i++ {
			x := r.Intn(n*2 + 1)
			tr.ReplaceOrInsert(x)
			want[x] = true
		}
		var got []int
		tr.Ascend(func(x int) { got = append(got, x) })
		keys := make([]int, 0, len(want))
		for k := range want {
			keys = append(keys, k)
		}
		sort.Ints(keys)
		if tr.Len() != len(keys) || fmt.Sprint(got) != fmt.Sprint(keys) {
			t.Errorf("n=%d: Len %d, items %d, want %d sorted distinct", n, tr.Len(), len(got), len(keys))
		}
	}
}

func TestFitTwo(t *testing.T) {
	a, b := fitTwo(10, 100, 10*3+100*0.5, 10, 1000, 10*3+1000*0.5)
	if !near(a, 3) || !near(b, 0.5) {
		t.Errorf("fitTwo gave %v, %v; want 3, 0.5", a, b)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }
