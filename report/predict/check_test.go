package predict

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/pages"
	"github.com/dbinspect/dbinspect/report/calibrate"
)

// TestStartupCheck compares the startup and RSS predictions with real etcd
// starts measured by testdata/etcdbench. It measures nothing itself and
// runs only when asked, because the figures it reads are timings:
//
//	cd testdata/etcdbench && go build -o /tmp/etcdbench . && cd ../..
//	/tmp/etcdbench startup -runs 5 -out /tmp/startup.json testdata/big/etcd-500MiB.db ...
//	dbinspect calibrate --calibration /tmp/cal.json
//	DBINSPECT_STARTUP_JSON=/tmp/startup.json DBINSPECT_CALIBRATION=/tmp/cal.json \
//	    go test ./report -run StartupCheck -v
//
// It prints one table with the calibration as given and one where the
// startup scale and heap factor are fitted to the other files' real starts
// (leave one out). With DBINSPECT_STARTUP_STRICT=1 it fails when a file of
// 500 MB or more misses the bounds (startup 25%, RSS 20%) in the
// leave-one-out table. report/testdata/startup_check.md records a run.
func TestStartupCheck(t *testing.T) {
	path := os.Getenv("DBINSPECT_STARTUP_JSON")
	if path == "" {
		t.Skip("set DBINSPECT_STARTUP_JSON to an etcdbench startup results file")
	}
	cal, err := calibrate.Load(os.Getenv("DBINSPECT_CALIBRATION"))
	if err != nil {
		t.Fatal(err)
	}
	results := readStartupResults(t, path)
	var obs []StartupObservation
	for _, r := range results {
		file := resolveStartupFile(t, r.File, r.Name)
		if file == "" {
			t.Logf("%s: db file %s not found, skipped", r.Name, r.File)
			continue
		}
		in, err := predictInputsFromFile(file)
		if err != nil {
			t.Fatalf("%s: %v", r.Name, err)
		}
		v := etcdMinor(r.EtcdVersion)
		if v == "" {
			v = "3.6"
		}
		obs = append(obs, StartupObservation{Name: r.Name, Version: v, Inputs: in, Seconds: r.Median, RSSBytes: r.RSS})
	}
	t.Logf("calibration: %s", cal.Source)
	t.Log("\n" + startupTable(obs, func(int) calibrate.Calibration { return cal }))
	loo := func(i int) calibrate.Calibration {
		var others []StartupObservation
		for j, o := range obs {
			if j != i && o.Inputs.FileBytes >= 500e6 {
				others = append(others, o)
			}
		}
		fitted, _, err := FitToEtcd(cal, others)
		if err != nil {
			return cal
		}
		return fitted
	}
	t.Log("\nleave one out (fitted to the other files of 500 MB or more):\n" + startupTable(obs, loo))
	var big []StartupObservation
	for _, o := range obs {
		if o.Inputs.FileBytes >= 500e6 {
			big = append(big, o)
		}
	}
	if _, rep, err := FitToEtcd(cal, big); err == nil {
		t.Logf("fitted to every file of 500 MB or more: startup coefficients x%.2f, heap factor %.2f", rep.TimeScale, rep.HeapGCFactor)
	}
	if os.Getenv("DBINSPECT_STARTUP_STRICT") == "" {
		return
	}
	for i, o := range obs {
		if o.Inputs.FileBytes < 500e6 {
			continue
		}
		c := loo(i)
		st := predictStartup(o.Inputs, c, o.Version).Total()
		rss := predictMemory(o.Inputs, c, o.Version).RSSBytes
		if e := st/o.Seconds - 1; math.Abs(e) > 0.25 {
			t.Errorf("%s: startup predicted %.2fs, real %.2fs (%+.0f%%)", o.Name, st, o.Seconds, 100*e)
		}
		if e := float64(rss)/float64(o.RSSBytes) - 1; math.Abs(e) > 0.20 {
			t.Errorf("%s: RSS predicted %d, real %d (%+.0f%%)", o.Name, rss, o.RSSBytes, 100*e)
		}
	}
}

type startupResult struct {
	Name        string  `json:"name"`
	File        string  `json:"file"`
	EtcdVersion string  `json:"etcd_version"`
	Median      float64 `json:"median_startup_seconds"`
	RSS         int64   `json:"median_rss_bytes"`
}

// readStartupResults reads etcdbench's startup output: a results file
// ({"results": [...]}), a list, or one result.
func readStartupResults(t *testing.T, path string) []startupResult {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Results []startupResult `json:"results"`
	}
	if json.Unmarshal(b, &file) == nil && len(file.Results) > 0 {
		return file.Results
	}
	var list []startupResult
	if json.Unmarshal(b, &list) == nil && len(list) > 0 {
		return list
	}
	var one startupResult
	if err := json.Unmarshal(b, &one); err != nil || one.Name == "" {
		t.Fatalf("%s is not etcdbench startup output: %v", path, err)
	}
	return []startupResult{one}
}

// resolveStartupFile finds the db a result names: a committed fixture (by
// name, decompressed by the fixtures helper), or a plain file relative to
// the repository root.
func resolveStartupFile(t *testing.T, file, name string) string {
	if strings.HasSuffix(file, ".gz") {
		for _, f := range fixtures.All(t) {
			if f.Name == name {
				return fixtures.Path(t, f)
			}
		}
		return ""
	}
	for _, p := range []string{file, filepath.Join("..", file)} {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// predictInputsFromFile reads a db with our reader the way the CLI does.
func predictInputsFromFile(path string) (Inputs, error) {
	f, err := pages.Open(path)
	if err != nil {
		return Inputs{}, err
	}
	a, err := pages.Analyze(f, pages.AnalyzeOptions{})
	if err != nil {
		return Inputs{}, err
	}
	opts := mvcc.DefaultOptions()
	opts.DataSize = int64(a.Meta.HighWater) * int64(a.File.PageSize)
	s, err := mvcc.Scan(f, opts)
	if err != nil {
		return Inputs{}, err
	}
	in := Inputs{
		FileBytes: a.File.BboltBytes, PageSize: a.File.PageSize, HighWaterPgid: a.Meta.HighWater,
		FreePages: uint64(a.Pages.ByType.Free), ReachablePages: uint64(a.Pages.Reachable), OverflowPages: uint64(a.Pages.ByType.Overflow), BboltElements: uint64(a.Pages.Elements),
		FreelistPersisted: a.Meta.FreelistPersisted,
		Revisions:         int64(s.Restore.Revisions), Keys: int64(s.Index.Keys),
		KeyBytes: int64(s.Restore.KeyBytes), ValueBytes: int64(s.Restore.ValueBytes), Tombstones: int64(s.Restore.Tombstones),
		Leases: int64(s.Leases.Count), LeasedKeys: int64(s.Restore.LeasedKeys),
		ScheduledCompactRev: s.ScheduledCompactRevision, FinishedCompactRev: s.CompactRevision,
		StorageVersion: s.StorageVersion, Index: mvcc.IndexShape(s.Index), RecentRevisionBytes: map[int]int64{},
	}
	for _, w := range s.RaftTail {
		in.RecentRevisionBytes[w.Entries] = int64(w.PayloadBytes)
	}
	return in, nil
}

func startupTable(obs []StartupObservation, calFor func(i int) calibrate.Calibration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "| db | file MB | revisions | real start s | predicted s | error | real RSS MiB | predicted RSS MiB | error |\n")
	fmt.Fprintf(&b, "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for i, o := range obs {
		c := calFor(i)
		st := predictStartup(o.Inputs, c, o.Version).Total()
		rss := predictMemory(o.Inputs, c, o.Version).RSSBytes
		fmt.Fprintf(&b, "| %s | %.0f | %d | %.2f | %.2f | %+.0f%% | %d | %d | %+.0f%% |\n", o.Name, float64(o.Inputs.FileBytes)/1e6, o.Inputs.Revisions,
			o.Seconds, st, 100*(st/o.Seconds-1), o.RSSBytes>>20, rss>>20, 100*(float64(rss)/float64(o.RSSBytes)-1))
	}
	return b.String()
}
