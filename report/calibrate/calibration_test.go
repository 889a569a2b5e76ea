package calibrate

import (
	"fmt"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
)

func TestCalibrationSaveLoad(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("HOME", dir)

	// Nothing saved: the built-in reference.
	c, err := Load("")
	if err != nil || c != Default {
		t.Fatalf("no saved file: got %+v, %v", c, err)
	}
	// A named file must exist.
	if _, err := Load(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("a missing named calibration file loaded")
	}
	// Round trip through the default path.
	saved := Default
	saved.FixedStartSeconds, saved.HeapGCFactor, saved.KeyCacheSecondsPerMiss = 1.25, 2.5, 3e-7
	path, err := DefaultPath()
	if err != nil {
		t.Fatal(err)
	}
	if err := Save(path, saved); err != nil {
		t.Fatal(err)
	}
	got, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	got.Source, saved.Source = "", ""
	if !reflect.DeepEqual(got, saved) {
		t.Errorf("round trip: got %+v, want %+v", got, saved)
	}
	// Missing or nonsensical coefficients fall back to the reference.
	partial := filepath.Join(dir, "partial.json")
	if err := os.WriteFile(partial, []byte(`{"restore_seconds_per_revision": 2e-6, "walk_seconds_per_page": -1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := Load(partial)
	if err != nil {
		t.Fatal(err)
	}
	if p.RestoreSecondsPerRevision != 2e-6 || p.WalkSecondsPerPage != Default.WalkSecondsPerPage || p.HeapGCFactor != Default.HeapGCFactor {
		t.Errorf("partial file: %+v", p)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(bad); err == nil {
		t.Error("invalid JSON loaded")
	}
}

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
	c, steps, err := Measure(Options{Scale: 0.02, TempDir: mkdir})
	if made != 1 {
		t.Errorf("the TempDir hook made %d dirs, want 1", made)
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 7 {
		t.Errorf("%d steps: %+v", len(steps), steps)
	}
	v := reflect.ValueOf(c)
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		name := v.Type().Field(i).Name
		if f.Kind() == reflect.Float64 && (!(f.Float() > 0) || math.IsInf(f.Float(), 0)) {
			t.Errorf("%s = %v, want a positive finite coefficient", name, f.Float())
		}
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
