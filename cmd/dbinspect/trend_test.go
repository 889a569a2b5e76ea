package main

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbinspect/dbinspect/internal/golden"
	"github.com/dbinspect/dbinspect/report"
)

// The trend series in testdata/fixtures/trend was written by real etcd
// (testdata/gen/trend); its manifest holds what etcd answered at each
// snapshot and the workload of each phase.
const trendDir = "../../testdata/fixtures/trend"

type trendPhase struct {
	Expire        bool `json:"expire_events"`
	Events        int  `json:"new_events"`
	ConfigUpdates int  `json:"config_updates"`
	Users         int  `json:"new_users"`
	Compact       bool `json:"compact_after"`
	Defrag        bool `json:"defrag_after"`
	NewConfig     int  `json:"new_config_keys"`
}

type trendMember struct {
	File       string           `json:"file"`
	Cluster    string           `json:"cluster"`
	Time       time.Time        `json:"time"`
	Phase      *trendPhase      `json:"phase"`
	Revision   int64            `json:"revision"`
	CompactRev int64            `json:"compact_revision"`
	ClusterID  string           `json:"cluster_id"`
	Keys       map[string]int64 `json:"keys"`
	SizeBytes  int64            `json:"size_bytes"`
}

func trendManifest(t *testing.T) (a, b []trendMember) {
	t.Helper()
	buf, err := os.ReadFile(filepath.Join(trendDir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ Members []trendMember }
	if err := json.Unmarshal(buf, &m); err != nil {
		t.Fatal(err)
	}
	for _, x := range m.Members {
		if x.Cluster == "a" {
			a = append(a, x)
		} else {
			b = append(b, x)
		}
	}
	if len(a) < 4 || len(b) != 1 {
		t.Fatalf("manifest: %d files of cluster a, %d of b", len(a), len(b))
	}
	return a, b
}

func runTrendJSON(t *testing.T, args ...string) report.TrendDocument {
	t.Helper()
	code, out, errOut := runCLI(t, append([]string{"trend", "-o", "json"}, args...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var d report.TrendDocument
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return d
}

func hasFinding(d report.TrendDocument, code string) bool {
	for _, f := range d.Findings {
		if f.Code == code {
			return true
		}
	}
	return false
}

func TestTrendFixtureSeries(t *testing.T) {
	a, _ := trendManifest(t)
	d := runTrendJSON(t, filepath.Join(trendDir, "trend-a-*.db.gz"))
	if len(d.Members) != len(a) || len(d.Failed) != 0 || d.Mixed {
		t.Fatalf("%d members, %d failed, mixed %v; want the %d files of cluster a", len(d.Members), len(d.Failed), d.Mixed, len(a))
	}
	for i, m := range d.Members {
		want := a[i]
		if filepath.Base(m.Given) != want.File || m.Revision != want.Revision || m.CompactRevision != want.CompactRev ||
			m.ClusterID != want.ClusterID || !m.Time.Equal(want.Time) || m.TimeSource != "name" {
			t.Errorf("member %d: %s rev %d compact %d cluster %s time %v (%s); etcd: %s rev %d compact %d cluster %s time %v",
				i, m.Given, m.Revision, m.CompactRevision, m.ClusterID, m.Time, m.TimeSource, want.File, want.Revision, want.CompactRev, want.ClusterID, want.Time)
		}
		// etcd's snapshot is the db up to its high-water mark (its DbSize)
		// and a 32-byte SHA-256.
		if m.DbSizeBytes != want.SizeBytes-32 {
			t.Errorf("member %d: db size %d; etcd's snapshot is %d bytes with the trailer", i, m.DbSizeBytes, want.SizeBytes)
		}
	}
	// The write rate of each step is the phase's writes (one revision each,
	// plus one for the expiry's DeleteRange) over the day between snapshots.
	for i, s := range d.Steps {
		p := a[i+1].Phase
		writes := p.NewConfig + p.Users + p.Events + p.ConfigUpdates
		if p.Expire {
			writes++
		}
		days := a[i+1].Time.Sub(a[i].Time).Hours() / 24
		if s.RevisionsPerDay == nil || *s.RevisionsPerDay != float64(writes)/days {
			t.Errorf("step %d: %v revisions a day, want %d writes over %.1f days", i, s.RevisionsPerDay, writes, days)
		}
		if s.Compacted != (a[i+1].CompactRev != a[i].CompactRev) || s.Compacted != p.Compact {
			t.Errorf("step %d: compacted %v; the phase compacted %v", i, s.Compacted, p.Compact)
		}
		if s.Defragmented != p.Defrag {
			t.Errorf("step %d: defragmented %v; the phase defragmented %v", i, s.Defragmented, p.Defrag)
		}
	}
	// Growth per prefix: live keys at the first and last snapshot as etcd
	// counted them.
	first, last := a[0], a[len(a)-1]
	seen := 0
	for _, p := range d.Prefixes.ByBytes {
		want, ok := first.Keys[p.Prefix]
		if !ok {
			t.Errorf("prefix %s is not one the workload wrote", p.Prefix)
			continue
		}
		seen++
		if p.KeysFirst != want || p.KeysLast != last.Keys[p.Prefix] {
			t.Errorf("%s: live keys %d -> %d; etcd counted %d -> %d", p.Prefix, p.KeysFirst, p.KeysLast, want, last.Keys[p.Prefix])
		}
	}
	if seen != len(first.Keys) {
		t.Errorf("%d prefixes grew in bytes, want the workload's %d", seen, len(first.Keys))
	}
	if len(d.Prefixes.ByKeys) == 0 || d.Prefixes.ByKeys[0].Prefix != "/app/events/" {
		t.Errorf("top grower by keys %+v, want /app/events/ (the phases add events fastest)", d.Prefixes.ByKeys)
	}
	// The last phases did not compact: compaction stopped; a defrag ran.
	if !hasFinding(d, "compaction_stopped") || hasFinding(d, "defrag_never_run") || hasFinding(d, "mixed_clusters") {
		t.Errorf("findings %+v", d.Findings)
	}
	if len(d.Project) == 0 || d.Project[0].Fit.Points < 2 {
		t.Errorf("projections %+v", d.Project)
	}
}

func TestTrendMixedSeries(t *testing.T) {
	a, b := trendManifest(t)
	d := runTrendJSON(t, trendDir)
	if !d.Mixed || len(d.Clusters) != 2 || d.Cluster != a[0].ClusterID || len(d.Members) != len(a) {
		t.Fatalf("mixed %v clusters %+v trended %s with %d members; want cluster a (%s) trended and b left out", d.Mixed, d.Clusters, d.Cluster, len(d.Members), a[0].ClusterID)
	}
	if len(d.Excluded) != 1 || filepath.Base(d.Excluded[0].Given) != b[0].File || !strings.Contains(d.Excluded[0].Reason, b[0].ClusterID) {
		t.Errorf("excluded %+v, want %s (cluster %s)", d.Excluded, b[0].File, b[0].ClusterID)
	}
	if !hasFinding(d, "mixed_clusters") {
		t.Errorf("no mixed_clusters finding: %+v", d.Findings)
	}
	if len(d.Failed) != 0 {
		t.Errorf("failed %+v: the directory's manifest.json is not a member", d.Failed)
	}
}

func TestTrendDamagedAndMissingMembers(t *testing.T) {
	a, _ := trendManifest(t)
	dir := t.TempDir()
	for _, m := range a {
		b, err := os.ReadFile(filepath.Join(trendDir, m.File))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, m.File), b, 0o644)
	}
	// One member's gzip cut in half; another decompressed and its db cut
	// to a third of its pages.
	cut := filepath.Join(dir, a[2].File)
	b, _ := os.ReadFile(cut)
	os.WriteFile(cut, b[:len(b)/2], 0o644)
	raw := filepath.Join(dir, strings.TrimSuffix(a[4].File, ".gz"))
	gunzipTo(t, filepath.Join(dir, a[4].File), raw)
	os.Remove(filepath.Join(dir, a[4].File))
	st, _ := os.Stat(raw)
	os.Truncate(raw, st.Size()/3)
	missing := filepath.Join(dir, "trend-a-2026-11-08T00-00-00Z.db.gz")

	code, out, errOut := runCLI(t, "trend", "-o", "json", dir, missing)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var d report.TrendDocument
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	reported := map[string]string{}
	for _, f := range d.Failed {
		reported[filepath.Base(f.Given)] = f.Reason
	}
	for name, why := range map[string]string{a[2].File: "unexpected EOF", filepath.Base(raw): "damaged", filepath.Base(missing): "missing"} {
		if !strings.Contains(reported[name], why) {
			t.Errorf("%s: reported %q, want a reason with %q (all: %v)", name, reported[name], why, reported)
		}
	}
	for name := range reported {
		if !strings.Contains(errOut, name) {
			t.Errorf("stderr does not name %s: %s", name, errOut)
		}
	}
	// The rest are trended.
	if len(d.Members) != len(a)-2 || len(d.Steps) != len(d.Members)-1 || !hasFinding(d, "members_unreadable") {
		t.Errorf("%d members trended of %d, findings %+v", len(d.Members), len(a), d.Findings)
	}
}

func gunzipTo(t *testing.T, src, dst string) {
	t.Helper()
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if _, err := io.Copy(out, zr); err != nil {
		t.Fatal(err)
	}
}

func TestTrendTimes(t *testing.T) {
	dir := t.TempDir()
	_, b := trendManifest(t)
	src, _ := os.ReadFile(filepath.Join(trendDir, b[0].File))
	when := time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)
	for i, name := range []string{"x.db.gz", "y.db.gz"} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, src, 0o644)
		os.Chtimes(p, when, when.Add(time.Duration(i)*time.Hour))
	}
	for _, tc := range []struct {
		args   []string
		source string
		failed int
	}{
		{[]string{dir}, "mtime", 0}, // auto: no time in the names
		{[]string{"--time-from", "name", dir}, "", 2},
		{[]string{"--time-from", "mtime", dir}, "mtime", 0},
	} {
		code, out, errOut := runCLI(t, append([]string{"trend", "-o", "json"}, tc.args...)...)
		if tc.failed == 2 {
			if code != exitError || !strings.Contains(errOut, "no timestamp in the file name") {
				t.Errorf("%v: exit %d, %s", tc.args, code, errOut)
			}
			continue
		}
		var d report.TrendDocument
		if code != 0 || json.Unmarshal([]byte(out), &d) != nil {
			t.Fatalf("%v: exit %d %s", tc.args, code, errOut)
		}
		if len(d.Members) != 2 || d.Members[0].TimeSource != tc.source || !d.Members[0].Time.Equal(when) {
			t.Errorf("%v: %+v", tc.args, d.Members)
		}
	}
	if code, _, errOut := runCLI(t, "trend", "--time-from", "ctime", dir); code != exitUsage {
		t.Errorf("--time-from ctime: exit %d %s", code, errOut)
	}
}

// TestTrendGolden pins the text and JSON of the real series (the README's
// trend example is taken from the text).
func TestTrendGolden(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		golden string
	}{
		{[]string{"trend", filepath.Join(trendDir, "trend-a-*.db.gz")}, "trend-a.trend.txt"},
		{[]string{"trend", "-o", "json", trendDir}, "trend-mixed.trend.json"},
		{[]string{"trend", "../../testdata/fixtures/k8s-trend"}, "k8s-trend.trend.txt"},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			code, out, errOut := runCLI(t, tc.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			// Name the series as from the repository's root.
			out = strings.ReplaceAll(out, "../../testdata/", "testdata/")
			golden.Check(t, filepath.Join("testdata", "golden", tc.golden), []byte(out))
		})
	}
}

func TestTrendPaths(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"b.db.gz", "a.db", "manifest.json", ".hidden", "notes.txt", "sub/member/snap/db", "plain/x.db"} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755)
		os.WriteFile(filepath.Join(dir, p), []byte("x"), 0o644)
	}
	paths, failed := trendPaths([]string{dir, filepath.Join(dir, "a.db"), filepath.Join(dir, "zz*"), filepath.Join(dir, "gone.db")})
	var rel []string
	for _, p := range paths {
		r, _ := filepath.Rel(dir, p)
		rel = append(rel, r)
	}
	// Each file once, in name order; data dirs as members, other dirs,
	// hidden files and non-snapshots left out.
	if got := strings.Join(rel, " "); got != "a.db b.db.gz sub" {
		t.Errorf("paths %q", got)
	}
	if len(failed) != 2 || !strings.Contains(failed[0].Reason, "no file matches") || !strings.Contains(failed[1].Reason, "missing") {
		t.Errorf("failed %+v", failed)
	}
}

func TestBudget(t *testing.T) {
	b := newBudget(100)
	// A request over the budget takes all of it, alone.
	if got := b.acquire(250); got != 100 || b.used != 100 {
		t.Fatalf("acquire(250) = %d, used %d; want the whole budget", got, b.used)
	}
	b.release(100)
	x, y := b.acquire(60), b.acquire(40)
	if x != 60 || y != 40 || b.used != 100 {
		t.Errorf("two requests that fit: %d %d, used %d", x, y, b.used)
	}
	b.release(x)
	b.release(y)
	if b.used != 0 {
		t.Errorf("used %d after releasing everything", b.used)
	}
}

// etcd disables the quota for any negative --quota-backend-bytes: trend
// then projects to 8 GiB only and says so in text, JSON and HTML; report
// says the quota is disabled.
func TestTrendQuotaDisabled(t *testing.T) {
	series := filepath.Join(trendDir, "trend-a-*.db.gz")
	for _, v := range []string{"-1", "-2", "-9223372036854775808"} {
		d := runTrendJSON(t, "--quota-backend-bytes", v, series)
		if !d.Options.QuotaDisabled || d.Options.QuotaBytes != 0 {
			t.Errorf("%s: options %+v, want quota_disabled", v, d.Options)
		}
		if len(d.Project) != 1 || d.Project[0].Target != "8GiB" || d.Project[0].TargetBytes != 8<<30 {
			t.Errorf("%s: projections %+v, want only 8 GiB", v, d.Project)
		}
		if hasFinding(d, "growth_toward_quota") {
			t.Errorf("%s: growth_toward_quota with no quota: %+v", v, d.Findings)
		}
	}
	d := runTrendJSON(t, series)
	if d.Options.QuotaDisabled || d.Options.QuotaBytes != 2<<30 || len(d.Project) != 2 {
		t.Errorf("no flag: options %+v, %d projections; want the 2 GiB default and two", d.Options, len(d.Project))
	}
	for _, o := range []string{"text", "html"} {
		code, out, errs := runCLI(t, "trend", "-o", o, "--quota-backend-bytes", "-5", series)
		if code != 0 || !strings.Contains(out, "quota disabled") || strings.Contains(out, "quota 2.0 GiB") {
			t.Errorf("-o %s: exit %d, want it to say the quota is disabled and project no 2 GiB quota; stderr %s", o, code, errs)
		}
	}
	db := filepath.Join(trendDir, "trend-a-2026-11-07T00-00-00Z.db.gz")
	code, out, errs := runCLI(t, "predict", "-q", "--quota-backend-bytes", "-3", db)
	if code != 0 || !strings.Contains(out, "quota") || !strings.Contains(out, "disabled") {
		t.Errorf("predict --quota-backend-bytes -3: exit %d, no 'quota ... disabled' in the text; stderr %s", code, errs)
	}
	code, out, errs = runCLI(t, "report", "-q", "-o", "json", "--quota-backend-bytes", "-3", db)
	var doc map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &doc) != nil {
		t.Fatalf("report -o json: exit %d: %s", code, errs)
	}
	if q := jsonPath(doc, "predict", "quota").(map[string]any); q["disabled"] != true {
		t.Errorf("report --quota-backend-bytes -3: predict.quota %v, want disabled", q)
	}
}
