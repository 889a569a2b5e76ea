package trend

import (
	"math"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func day(d float64) time.Time { return t0.Add(time.Duration(d * 24 * float64(time.Hour))) }

func TestFit(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		x, y                 []float64
		ok                   bool
		slope, icept, se, r2 float64
	}{
		{"exact line", []float64{0, 1, 2}, []float64{1, 3, 5}, true, 2, 1, 0, 1},
		// mean x 1.5, y .5; Sxx 5, Sxy 1; residuals -.2 .6 -.6 .2: SSE .8,
		// SE sqrt(.8/2/5); Syy 1, R² 1-.8.
		{"scatter", []float64{0, 1, 2, 3}, []float64{0, 1, 0, 1}, true, 0.2, 0.2, math.Sqrt(0.08), 0.2},
		{"two points: no SE", []float64{0, 2}, []float64{10, 30}, true, 10, 10, 0, 1},
		{"flat", []float64{0, 1, 2}, []float64{7, 7, 7}, true, 0, 7, 0, 1},
		{"one point", []float64{0}, []float64{1}, false, 0, 0, 0, 0},
		{"same x", []float64{3, 3}, []float64{1, 2}, false, 0, 0, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, ok := Fit(tc.x, tc.y)
			if ok != tc.ok {
				t.Fatalf("ok %v, want %v", ok, tc.ok)
			}
			if !ok {
				return
			}
			for _, c := range []struct {
				what      string
				got, want float64
			}{{"slope", f.Slope, tc.slope}, {"intercept", f.Intercept, tc.icept}, {"SE", f.SlopeSE, tc.se}, {"R2", f.R2, tc.r2}} {
				if math.Abs(c.got-c.want) > 1e-9 {
					t.Errorf("%s %v, want %v", c.what, c.got, c.want)
				}
			}
		})
	}
}

func TestProject(t *testing.T) {
	ptr := func(x time.Time) *time.Time { return &x }
	for _, tc := range []struct {
		name                 string
		fit                  LineFit
		lastX                float64
		target               int64
		reached              bool
		at, earliest, latest *time.Time
	}{
		// At day 4 the line is at 1000+4*1000 = 5000; 5000 more at 1000 a
		// day is 5 days on: day 9.
		{"two points", LineFit{From: t0, Points: 2, Slope: 1000, Intercept: 1000}, 4, 10000, false, ptr(day(9)), ptr(day(9)), ptr(day(9))},
		// Slope 1000 ± 2*250: 5000/1500 = 3.33 days, 5000/500 = 10 days.
		{"with SE", LineFit{From: t0, Points: 5, Slope: 1000, Intercept: 1000, SlopeSE: 250}, 4, 10000, false,
			ptr(day(9)), ptr(day(4 + 5000.0/1500).Truncate(time.Second)), ptr(day(14))},
		// At day 10 the line is at 1000: 1000 more at 100 a day is day 20; at
		// 300 a day day 13.3; at 100 - 2*100 it is not growing.
		{"low end flat", LineFit{From: t0, Points: 4, Slope: 100, Intercept: 0, SlopeSE: 100}, 10, 2000, false,
			ptr(day(20)), ptr(day(10 + 1000.0/300).Truncate(time.Second)), nil},
		{"already past", LineFit{From: t0, Points: 3, Slope: 10, Intercept: 500}, 1, 100, true, nil, nil, nil},
		{"shrinking", LineFit{From: t0, Points: 3, Slope: -10, Intercept: 500}, 1, 1000, false, nil, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := project(tc.fit, tc.lastX, tc.target, "db_size", "quota")
			if p.Reached != tc.reached {
				t.Fatalf("reached %v, want %v", p.Reached, tc.reached)
			}
			for _, c := range []struct {
				what      string
				got, want *time.Time
			}{{"at", p.At, tc.at}, {"earliest", p.Earliest, tc.earliest}, {"latest", p.Latest, tc.latest}} {
				if (c.got == nil) != (c.want == nil) || (c.got != nil && !c.got.Equal(*c.want)) {
					t.Errorf("%s %v, want %v", c.what, c.got, c.want)
				}
			}
			if p.Note == "" {
				t.Error("no note: the projection must state its method")
			}
		})
	}
}

// member is a hand-made summary: one prefix per name given with its keys
// and bytes.
func member(name string, d float64, rev, compact, db, inUse int64, prefixes ...PrefixSummary) Summary {
	s := Summary{Given: name, Time: day(d), Revision: rev, CompactRevision: compact, DbSizeBytes: db, InUseBytes: inUse,
		ClusterID: "c1", Prefixes: prefixes}
	for _, p := range prefixes {
		s.LiveKeys += p.LiveKeys
	}
	return s
}

func codes(fs []Finding) map[string]string {
	m := map[string]string{}
	for _, f := range fs {
		m[f.Code] = f.Severity
	}
	return m
}

func TestAnalyzeSteadySeries(t *testing.T) {
	// Five daily files: 1000 revisions and 1000 bytes a day, compacted once
	// (between b and c), then not for two steps. Prefix /a/ grows by 100
	// keys and 800 bytes a day, /b/ by 200 bytes a day.
	pa := func(k, b int64) PrefixSummary { return PrefixSummary{"/a/", k, b} }
	pb := func(k, b int64) PrefixSummary { return PrefixSummary{"/b/", k, b} }
	ms := []Summary{
		member("e", 4, 4100, 1000, 5000, 5000, pa(400, 3200), pb(10, 1800)),
		member("a", 0, 100, 0, 1000, 900, pa(0, 0), pb(10, 1000)),
		member("c", 2, 2100, 1000, 3000, 2000, pa(200, 1600), pb(10, 1400)),
		member("b", 1, 1100, 0, 2000, 2000, pa(100, 800), pb(10, 1200)),
		member("d", 3, 3100, 1000, 4000, 4000, pa(300, 2400), pb(10, 1600)),
	}
	tr := Analyze(ms, nil, Options{QuotaBytes: 10000})
	var order []string
	for _, m := range tr.Members {
		order = append(order, m.Given)
	}
	if got := join(order); got != "a b c d e" {
		t.Fatalf("order %s, want a b c d e (by revision)", got)
	}
	for i, s := range tr.Steps {
		if s.RevisionsPerDay == nil || *s.RevisionsPerDay != 1000 || s.DbSizeDelta != 1000 {
			t.Errorf("step %d: %+v, want 1000 revisions and 1000 bytes a day", i, s)
		}
		if s.Compacted != (i == 1) {
			t.Errorf("step %d compacted %v", i, s.Compacted)
		}
		if s.Defragmented {
			t.Errorf("step %d: a defrag without a size drop", i)
		}
	}
	if r := tr.Overall.RevisionsPerDay; r == nil || *r != 1000 || tr.Overall.Days != 4 || tr.Overall.Compactions != 1 {
		t.Errorf("overall %+v", tr.Overall)
	}
	if len(tr.Prefixes.ByBytes) != 2 || tr.Prefixes.ByBytes[0].Prefix != "/a/" || *tr.Prefixes.ByBytes[0].BytesPerDay != 800 ||
		*tr.Prefixes.ByBytes[1].BytesPerDay != 200 {
		t.Errorf("by bytes %+v", tr.Prefixes.ByBytes)
	}
	if len(tr.Prefixes.ByKeys) != 1 || tr.Prefixes.ByKeys[0].KeysDelta != 400 || *tr.Prefixes.ByKeys[0].KeysPerDay != 100 {
		t.Errorf("by keys %+v (/b/ did not grow in keys)", tr.Prefixes.ByKeys)
	}
	// db = 1000 + 1000*day exactly: the quota of 10000 at day 9.
	p := tr.Project[0]
	if p.Target != "quota" || p.At == nil || !p.At.Equal(day(9)) || p.Fit.SlopeSE != 0 || p.Fit.R2 != 1 {
		t.Errorf("projection %+v", p)
	}
	got := codes(tr.Findings)
	// Day 9 is 5 days after the last file: critical. /a/ has 80% of the
	// growth from 0% of the bytes. No defrag, but no free pages either.
	want := map[string]string{"growth_toward_quota": "critical", "compaction_stopped": "warning", "prefix_grows_faster": "info"}
	if len(got) != len(want) {
		t.Errorf("findings %v, want %v", got, want)
	}
	for c, s := range want {
		if got[c] != s {
			t.Errorf("finding %s: %q, want %q (all: %v)", c, got[c], s, got)
		}
	}
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out
}

func TestAnalyzeEvents(t *testing.T) {
	for _, tc := range []struct {
		name     string
		members  []Summary
		events   []string // kinds in order
		findings []string
		excluded int
	}{
		{"defrag drops the size; the projection starts after it", []Summary{
			member("a", 0, 100, 0, 4000, 1000), member("b", 1, 200, 200, 1000, 1000), member("c", 2, 300, 300, 1500, 1500),
		}, []string{EventCompaction, EventDefrag, EventCompaction}, nil, 0},
		{"free pages and no defrag", []Summary{
			member("a", 0, 100, 100, 4000, 1000), member("b", 1, 200, 200, 4000, 1000), member("c", 2, 300, 300, 4000, 1000),
		}, []string{EventCompaction, EventCompaction}, []string{"defrag_never_run"}, 0},
		{"revision back in time", []Summary{
			member("a", 0, 100, 100, 4000, 4000), member("b", 2, 200, 200, 4000, 4000), member("c", 1, 300, 300, 4000, 4000),
		}, []string{EventCompaction, EventRevisionBack, EventCompaction}, []string{"revision_went_back"}, 0},
		{"never compacted", []Summary{
			member("a", 0, 100, 0, 4000, 4000), member("b", 1, 200, 0, 4000, 4000), member("c", 2, 300, 0, 4000, 4000),
		}, nil, []string{"compaction_stopped"}, 0},
		{"another cluster", []Summary{
			member("a", 0, 100, 100, 4000, 4000), member("b", 1, 200, 200, 4000, 4000),
			func() Summary { s := member("x", 0.5, 50, 0, 100, 100); s.ClusterID = "c2"; return s }(),
		}, []string{EventCompaction}, []string{"mixed_clusters"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := Analyze(tc.members, nil, Options{})
			var kinds []string
			for _, e := range tr.Events {
				kinds = append(kinds, e.Kind)
			}
			if join(kinds) != join(tc.events) {
				t.Errorf("events %v, want %v", kinds, tc.events)
			}
			got := codes(tr.Findings)
			if len(got) != len(tc.findings) {
				t.Errorf("findings %v, want %v", got, tc.findings)
			}
			for _, c := range tc.findings {
				if got[c] == "" {
					t.Errorf("no %s in %v", c, got)
				}
			}
			if len(tr.Excluded) != tc.excluded || tr.Mixed != (tc.excluded > 0) {
				t.Errorf("excluded %v mixed %v", tr.Excluded, tr.Mixed)
			}
		})
	}
}

func TestAnalyzeDefragSegment(t *testing.T) {
	// 4000 -> 1000 (defrag) -> 1500 -> 2000: the fit is the last three,
	// 500 a day from day 1.
	tr := Analyze([]Summary{member("a", 0, 100, 0, 4000, 1000), member("b", 1, 200, 0, 1000, 1000),
		member("c", 2, 300, 0, 1500, 1500), member("d", 3, 400, 0, 2000, 2000)}, nil, Options{QuotaBytes: 4000})
	p := tr.Project[0]
	if p.Fit.Points != 3 || p.Fit.Slope != 500 || !p.Fit.From.Equal(day(1)) || p.At == nil || !p.At.Equal(day(7)) {
		t.Errorf("projection %+v at %v, want 3 points, 500 a day from day 1, quota at day 7", p.Fit, p.At)
	}
	if tr.Overall.Defrags != 1 {
		t.Errorf("defrags %d", tr.Overall.Defrags)
	}
}

func TestAnalyzeFailedAndEmpty(t *testing.T) {
	tr := Analyze([]Summary{member("a", 0, 100, 0, 4000, 1000)}, []Failure{{"b", "truncated"}}, Options{})
	if len(tr.Steps) != 0 || len(tr.Project) != 0 || len(tr.Failed) != 1 || codes(tr.Findings)["members_unreadable"] == "" {
		t.Errorf("%+v", tr)
	}
	damaged := member("b", 1, 200, 0, 4000, 1000)
	damaged.Partial = "pages: part of the file could not be read"
	tr = Analyze([]Summary{member("a", 0, 100, 0, 4000, 1000), damaged, member("c", 2, 300, 0, 4000, 1000)}, nil, Options{})
	if len(tr.Members) != 2 || len(tr.Failed) != 1 || tr.Failed[0].Given != "b" || len(tr.Steps) != 1 {
		t.Errorf("a damaged member must be listed, not trended: %+v", tr)
	}
	tr = Analyze(nil, nil, Options{})
	if len(tr.Members) != 0 || len(tr.Findings) != 0 {
		t.Errorf("%+v", tr)
	}
}

func TestTimeFromName(t *testing.T) {
	utc := func(y, mo, d, h, mi, s int) time.Time { return time.Date(y, time.Month(mo), d, h, mi, s, 0, time.UTC) }
	for _, tc := range []struct {
		name   string
		re     string
		want   time.Time
		format string
	}{
		{"backups/etcd-2026-12-04T15-30-00Z.db.gz", "", utc(2026, 12, 4, 15, 30, 0), "date-time"},
		{"snap-2026-12-04T15:30:00+01:00.db", "", utc(2026, 12, 4, 14, 30, 0), "date-time"},
		{"snap-2026-12-04_1530.db", "", utc(2026, 12, 4, 15, 30, 0), "date-time"},
		{"etcd-snapshot-20261204-153000.db", "", utc(2026, 12, 4, 15, 30, 0), "compact"},
		{"etcd-20261204T153000Z.db", "", utc(2026, 12, 4, 15, 30, 0), "compact"},
		{"etcd-20261204153000.db", "", utc(2026, 12, 4, 15, 30, 0), "compact"},
		{"etcd-202612041530.db", "", utc(2026, 12, 4, 15, 30, 0), "compact"},
		{"db.1796398200.gz", "", utc(2026, 12, 4, 15, 30, 0), "unix"},
		{"db-1796398200000", "", utc(2026, 12, 4, 15, 30, 0), "unix"},
		{"daily-2026-12-04.db", "", utc(2026, 12, 4, 0, 0, 0), "date"},
		{"daily-20261204.db", "", utc(2026, 12, 4, 0, 0, 0), "date"},
		{"v3-2026-13-04.db", "", time.Time{}, ""},  // month 13
		{"x-2026-02-30.db", "", time.Time{}, ""},   // no such day
		{"member/snap/db", "", time.Time{}, ""},    // no time
		{"db-17963982001.gz", "", time.Time{}, ""}, // 11 digits
		{"2020-01-01-copy-of-2026-12-04T15-30-00Z.db", `of-(.*)\.db`, utc(2026, 12, 4, 15, 30, 0), "date-time"},
		{"node3-2026-12-04.db", `node\d-(\d{4}-\d\d-\d\d)`, utc(2026, 12, 4, 0, 0, 0), "date"},
		{"other.db", `node\d-`, time.Time{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var re *regexp.Regexp
			if tc.re != "" {
				re = regexp.MustCompile(tc.re)
			}
			got, format, ok := TimeFromName(tc.name, re)
			if ok != (tc.format != "") || !got.Equal(tc.want) || format != tc.format {
				t.Errorf("got %v %q %v, want %v %q", got, format, ok, tc.want, tc.format)
			}
		})
	}
}

func FuzzTimeFromName(f *testing.F) {
	for _, s := range []string{"etcd-2026-12-04T15-30-00Z.db.gz", "20261204-153000", "db.1796398200", "2026-12-04_1530+05:30"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got, format, ok := TimeFromName(name, nil)
		if ok && (format == "" || got.Location() != time.UTC || got.Year() < 1970) {
			t.Errorf("%q: %v %q", name, got, format)
		}
	})
}

func TestAnalyzeQuotaDisabled(t *testing.T) {
	const gib = 1 << 30
	// Four daily files from 1 GiB, growing by slope a day exactly (R² 1):
	// 8 GiB is (7 GiB - 3 slope) / slope days after the last file.
	series := func(slope int64) []Summary {
		var ms []Summary
		for d := int64(0); d < 4; d++ {
			ms = append(ms, member(string(rune('a'+d)), float64(d), 100+100*d, 0, gib+slope*d, gib+slope*d))
		}
		return ms
	}
	for _, tc := range []struct {
		name      string
		quota     int64
		slope     int64
		targets   string // projections, in order
		quotaSev  string // growth_toward_quota's severity, "" for none
		gib8Sev   string // growth_toward_8gib's
		echoBytes int64
	}{
		// 7 GiB at 1 GiB a day: 8 GiB 4 days after the last file.
		{"disabled by -1, 8 GiB near", -1, gib, "8GiB", "", "warning", 0},
		{"disabled by any negative", -2, gib, "8GiB", "", "warning", 0},
		{"disabled, 8 GiB 197 days on", -1 << 40, 7 * gib / 200, "8GiB", "", "info", 0},
		{"disabled, 8 GiB past a year", -1, 7 * gib / 1000, "8GiB", "", "", 0},
		{"disabled, 8 GiB passed", -1, 3 * gib, "8GiB", "", "warning", 0},
		// A quota above 8 GiB is reached after it: both speak.
		{"quota 16 GiB", 16 * gib, gib, "quota 8GiB", "critical", "warning", 16 * gib},
		// The default quota is reached first: only the quota's finding.
		{"default quota", 0, gib, "quota 8GiB", "critical", "", DefaultQuotaBytes},
		{"quota 8 GiB", 8 * gib, gib, "quota", "critical", "", 8 * gib},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := Analyze(series(tc.slope), nil, Options{QuotaBytes: tc.quota})
			var targets []string
			for _, p := range tr.Project {
				targets = append(targets, p.Target)
			}
			if join(targets) != tc.targets {
				t.Errorf("projections %v, want %s", targets, tc.targets)
			}
			if tr.Options.QuotaDisabled != (tc.quota < 0) || tr.Options.QuotaBytes != tc.echoBytes {
				t.Errorf("options %+v, want disabled %v and %d bytes", tr.Options, tc.quota < 0, tc.echoBytes)
			}
			got := codes(tr.Findings)
			if got["growth_toward_quota"] != tc.quotaSev || got["growth_toward_8gib"] != tc.gib8Sev {
				t.Errorf("findings %v, want growth_toward_quota %q and growth_toward_8gib %q", got, tc.quotaSev, tc.gib8Sev)
			}
			for _, f := range tr.Findings {
				if f.Code == "growth_toward_8gib" && f.Evidence["target_bytes"] != int64(AdvisedMaxBytes) {
					t.Errorf("evidence %v", f.Evidence)
				}
			}
		})
	}
}

// kubeMember is a member with one resource: plain objects and objects per
// key ("provider:version:name" -> objects).
func kubeMember(name string, d float64, resource string, plain int64, keys map[string]int64) Summary {
	s := member(name, d, int64(100+100*d), 0, 4000, 4000)
	r := KubeResourceCount{Resource: resource, Plain: plain}
	var names []string
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		p := strings.SplitN(k, ":", 3)
		r.Keys = append(r.Keys, KubeKeyCount{Provider: p[0], Version: p[1], KeyName: p[2], Objects: keys[k]})
		r.Encrypted += keys[k]
	}
	r.Objects = r.Plain + r.Encrypted
	s.Kube = &KubeSummary{Resources: []KubeResourceCount{r},
		Kinds: []KubeKindCount{{APIVersion: "v1", Kind: "Secret", Objects: plain, ValueBytes: 100 * plain}, {Hidden: "encrypted", Objects: r.Encrypted, ValueBytes: 100 * r.Encrypted}}}
	return s
}

func TestAnalyzeKube(t *testing.T) {
	type keys = map[string]int64
	const k1, k2 = "aescbc:v1:key1", "aescbc:v1:key2"
	for _, tc := range []struct {
		name     string
		members  []Summary
		findings map[string]int64 // code -> evidence figure (plain_now or left_on_old_key)
	}{
		{"all encrypted, then plain ones", []Summary{
			kubeMember("a", 0, "secrets", 0, keys{k1: 5}), kubeMember("b", 1, "secrets", 2, keys{k1: 5}),
		}, map[string]int64{"k8s_became_unencrypted": 2}},
		{"plain from the start is not a change", []Summary{
			kubeMember("a", 0, "secrets", 1, keys{k1: 5}), kubeMember("b", 1, "secrets", 2, keys{k1: 5}),
		}, map[string]int64{}},
		{"rotation that left objects over two steps", []Summary{
			kubeMember("a", 0, "secrets", 0, keys{k1: 10}), kubeMember("b", 1, "secrets", 0, keys{k1: 6, k2: 6}),
			kubeMember("c", 2, "secrets", 0, keys{k1: 3, k2: 9}),
		}, map[string]int64{"k8s_rotation_left_objects": 3}},
		{"rotation that finished", []Summary{
			kubeMember("a", 0, "secrets", 0, keys{k1: 10}), kubeMember("b", 1, "secrets", 0, keys{k1: 6, k2: 6}),
			kubeMember("c", 2, "secrets", 0, keys{k2: 12}),
		}, map[string]int64{}},
		{"new key only in the last file: no step to finish yet", []Summary{
			kubeMember("a", 0, "secrets", 0, keys{k1: 10}), kubeMember("b", 1, "secrets", 0, keys{k1: 6, k2: 6}),
		}, map[string]int64{}},
		{"two keys from the start: no rotation seen", []Summary{
			kubeMember("a", 0, "secrets", 0, keys{k1: 5, k2: 5}), kubeMember("b", 1, "secrets", 0, keys{k1: 5, k2: 6}),
			kubeMember("c", 2, "secrets", 0, keys{k1: 5, k2: 7}),
		}, map[string]int64{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := Analyze(tc.members, nil, Options{})
			got := map[string]int64{}
			for _, f := range tr.Findings {
				switch f.Code {
				case "k8s_became_unencrypted":
					got[f.Code] = f.Evidence["plain_now"].(int64)
				case "k8s_rotation_left_objects":
					got[f.Code] = f.Evidence["left_on_old_key"].(int64)
				}
			}
			if len(got) != len(tc.findings) {
				t.Errorf("findings %v, want %v", got, tc.findings)
			}
			for c, v := range tc.findings {
				if got[c] != v {
					t.Errorf("%s: %d, want %d", c, got[c], v)
				}
			}
			// Every list has one figure per member.
			n := len(tc.members)
			for _, k := range tr.Kube.Kinds {
				if len(k.Objects) != n || len(k.ValueBytes) != n || k.ObjectsDelta != k.Objects[n-1]-k.Objects[0] {
					t.Errorf("kind %+v", k)
				}
			}
			r := tr.Kube.Resources[0]
			for i := range tc.members {
				var sum int64
				for _, k := range r.Keys {
					sum += k.Objects[i]
				}
				if sum != r.Encrypted[i] || r.Plain[i]+r.Encrypted[i] != r.Objects[i] {
					t.Errorf("member %d: keys %d, encrypted %d, plain %d, objects %d", i, sum, r.Encrypted[i], r.Plain[i], r.Objects[i])
				}
			}
		})
	}
	if tr := Analyze([]Summary{member("a", 0, 100, 0, 1, 1), member("b", 1, 200, 0, 1, 1)}, nil, Options{}); tr.Kube != nil {
		t.Errorf("kube %+v for a series without Kubernetes objects", tr.Kube)
	}
}

func TestFasterThanRest(t *testing.T) {
	type m = map[string]int64
	for _, tc := range []struct {
		name        string
		first, last m
		want        string // the name, "" when the rule does not fire
	}{
		// /a/ 100 -> 800 (8x), the rest 100 -> 150 (1.5x): 700 of 750.
		{"grows 8x, rest 1.5x", m{"/a/": 100, "/b/": 100}, m{"/a/": 800, "/b/": 150}, "/a/"},
		// Half the bytes at the start and 87% of the growth: the old
		// share rule (twice its start share) missed this one.
		{"large at the start, still faster", m{"/a/": 270, "/b/": 300}, m{"/a/": 2120, "/b/": 580}, "/a/"},
		{"from nothing", m{"/b/": 100}, m{"/a/": 300, "/b/": 200}, "/a/"},
		// 60% of the growth but the same factor as the rest.
		{"same pace", m{"/a/": 300, "/b/": 200}, m{"/a/": 600, "/b/": 400}, ""},
		// 2x against 1.25x: faster, but not twice the rest's factor.
		{"faster, not twice", m{"/a/": 100, "/b/": 400}, m{"/a/": 200, "/b/": 500}, ""},
		{"under half the growth", m{"/a/": 100, "/b/": 100, "/c/": 100}, m{"/a/": 400, "/b/": 300, "/c/": 300}, ""},
		{"the rest from nothing", m{"/a/": 100}, m{"/a/": 900, "/b/": 10}, ""},
		{"one name", m{"/a/": 100}, m{"/a/": 900}, ""},
		{"nothing grew", m{"/a/": 100, "/b/": 100}, m{"/a/": 90, "/b/": 100}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, ok := fasterThanRest(tc.first, tc.last)
			if got := map[bool]string{true: f.Name}[ok]; got != tc.want {
				t.Errorf("got %q (%+v), want %q", got, f, tc.want)
			}
			if ok {
				for k, v := range f.evidence("prefix") {
					if x, isF := v.(float64); isF && (math.IsInf(x, 0) || math.IsNaN(x)) {
						t.Errorf("evidence %s is %v: JSON cannot carry it", k, x)
					}
				}
			}
		})
	}
}

func TestAnalyzeKindGrowsFaster(t *testing.T) {
	withKinds := func(s Summary, crons, pods int64) Summary {
		s.Kube = &KubeSummary{Kinds: []KubeKindCount{
			{APIVersion: "stable.example.com/v1", Kind: "CronTab", Objects: crons / 1000, ValueBytes: crons},
			{APIVersion: "v1", Kind: "Pod", Objects: pods / 1000, ValueBytes: pods}}}
		return s
	}
	for _, tc := range []struct {
		name        string
		crons, pods [3]int64
		want        bool
	}{
		{"CronTabs 8x, Pods 1.5x", [3]int64{10000, 40000, 80000}, [3]int64{10000, 12000, 15000}, true},
		{"both 2x", [3]int64{10000, 15000, 20000}, [3]int64{10000, 15000, 20000}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ms []Summary
			for i := range 3 {
				ms = append(ms, withKinds(member(string(rune('a'+i)), float64(i), int64(100*(i+1)), 0, 4000, 4000), tc.crons[i], tc.pods[i]))
			}
			tr := Analyze(ms, nil, Options{})
			got := false
			for _, f := range tr.Findings {
				if f.Code == "k8s_kind_grows_faster" {
					got = true
					if f.Evidence["kind"] != "stable.example.com/v1/CronTab" || f.Evidence["bytes_delta"] != int64(70000) {
						t.Errorf("evidence %v", f.Evidence)
					}
				}
			}
			if got != tc.want {
				t.Errorf("k8s_kind_grows_faster %v, want %v (%+v)", got, tc.want, tr.Findings)
			}
		})
	}
}
