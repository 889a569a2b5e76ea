package html_test

import (
	"bytes"
	"fmt"
	stdhtml "html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/report"
	"github.com/dbinspect/dbinspect/report/html"
	"github.com/dbinspect/dbinspect/report/trend"
)

var (
	rowRE  = regexp.MustCompile(`(?s)<tr>(.*?)</tr>`)
	cellRE = regexp.MustCompile(`(?s)<td[^>]*>(.*?)</td>`)
)

// domTable is the body rows of the table with this id in Chromium's DOM,
// each a list of unescaped cell texts.
func domTable(t *testing.T, dom, id string) [][]string {
	t.Helper()
	re := regexp.MustCompile(`(?s)<table id="` + regexp.QuoteMeta(id) + `">.*?<tbody>(.*?)</tbody>`)
	m := re.FindStringSubmatch(dom)
	if m == nil {
		t.Fatalf("the parsed page has no table %s", id)
	}
	var rows [][]string
	for _, r := range rowRE.FindAllStringSubmatch(m[1], -1) {
		var cells []string
		for _, c := range cellRE.FindAllStringSubmatch(r[1], -1) {
			cells = append(cells, stdhtml.UnescapeString(c[1]))
		}
		rows = append(rows, cells)
	}
	return rows
}

// chromiumDOM renders page in headless Chromium and returns its DOM,
// failing on console messages or a script that did not run.
func chromiumDOM(t *testing.T, name string, page []byte) string {
	t.Helper()
	bin := html.ChromiumPath(t)
	path := filepath.Join(html.ArtifactDir(t), name)
	if err := os.WriteFile(path, page, 0o644); err != nil {
		t.Fatal(err)
	}
	dom, log := html.RunChromium(t, bin, path, "--dump-dom")
	if msgs := html.ConsoleMessages(log); len(msgs) > 0 {
		t.Errorf("the page logged to the console:\n%s", strings.Join(msgs, "\n"))
	}
	if !strings.Contains(dom, `data-viewer="ready"`) {
		t.Errorf("the inline script did not run")
	}
	return dom
}

// The report of the k8s-values fixture in Chromium: the per-namespace
// Kubernetes table has one row per resource and namespace the generator
// wrote, with its objects, kinds and encryption keys.
func TestKubeNamespacesInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the headless Chromium test starts a browser")
	}
	m := fixtures.LoadKubeValues(t)
	f := fixtures.KubeValuesFixture(t)
	r, err := report.Build(report.Input{Given: f.File, Path: fixtures.Path(t, f), Kind: "file"},
		report.Options{Sections: report.KeysSections, MVCC: mvcc.DefaultOptions()})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := report.Render(&buf, r, report.RenderOptions{Format: "html", Sections: r.Sections}); err != nil {
		t.Fatal(err)
	}
	dom := chromiumDOM(t, "k8s-values.html", buf.Bytes())
	rows := domTable(t, dom, "table-kube-namespaces")
	want := 0
	for _, c := range m.Resources {
		want += len(c.Namespaces)
	}
	if len(rows) != want {
		t.Errorf("%d rows, want the generator's %d resource and namespace pairs", len(rows), want)
	}
	for _, row := range rows {
		if len(row) != 6 {
			t.Fatalf("row %q: want 6 cells", row)
		}
		res, ns := m.Resources[row[0]], (*fixtures.KubeCounts)(nil)
		if res != nil {
			ns = res.Namespaces[row[1]]
		}
		if ns == nil {
			t.Errorf("row %s/%s: the generator wrote no such namespace", row[0], row[1])
			continue
		}
		if row[2] != fmt.Sprint(ns.Objects) {
			t.Errorf("%s/%s: %s objects, generator %d", row[0], row[1], row[2], ns.Objects)
		}
		for kind, n := range ns.Kinds {
			if cell := strings.Replace(kind, " ", "/", 1) + fmt.Sprintf(" %d", n); !strings.Contains(row[4], cell) {
				t.Errorf("%s/%s: kinds %q lack %q", row[0], row[1], row[4], cell)
			}
		}
		if e := ns.Encodings["encrypted"].Objects; e > 0 && !strings.Contains(row[4], fmt.Sprintf("(encrypted) %d", e)) {
			t.Errorf("%s/%s: kinds %q lack (encrypted) %d", row[0], row[1], row[4], e)
		}
		for key, n := range ns.Encrypted {
			p := strings.SplitN(key, ":", 3)
			provider := p[0]
			if p[1] != "v1" {
				provider += p[1]
			}
			if cell := fmt.Sprintf("%s:%s %d", provider, p[2], n); !strings.Contains(row[5], cell) {
				t.Errorf("%s/%s: encryption %q lacks %q", row[0], row[1], row[5], cell)
			}
		}
		if strings.Contains(strings.Join(row, " "), m.Canary) {
			t.Errorf("a value's canary reached the table")
		}
	}
}

// The trend of the k8s-trend series in Chromium: the kinds chart and the
// per-file kinds and encryption tables, equal to the generator's manifest.
func TestTrendKindsInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the headless Chromium test starts a browser")
	}
	m := fixtures.LoadKubeTrend(t)
	var members []trend.Summary
	for _, x := range m.Members {
		r, err := report.Build(report.Input{Given: x.File, Path: fixtures.Path(t, x.Fixture()), Kind: "file"},
			report.Options{Sections: report.TrendSections, MVCC: mvcc.DefaultOptions(), SkipSnapshotHash: true})
		if err != nil {
			t.Fatal(err)
		}
		s := report.TrendSummary(r)
		s.Time, s.TimeSource = x.Time, "name"
		members = append(members, s)
	}
	var buf bytes.Buffer
	if err := report.WriteTrendHTML(&buf, trend.Analyze(members, nil, trend.Options{})); err != nil {
		t.Fatal(err)
	}
	dom := chromiumDOM(t, "k8s-trend.html", buf.Bytes())
	if !strings.Contains(dom, `<svg id="chart-trend-kinds"`) {
		t.Errorf("the parsed page has no kinds chart")
	}
	perFile := func(f func(x fixtures.KubeTrendMember) int) string {
		var parts []string
		for _, x := range m.Members {
			parts = append(parts, fmt.Sprint(f(x)))
		}
		return strings.Join(parts, " -> ")
	}
	kinds := map[string][]string{}
	for _, row := range domTable(t, dom, "table-trend-kinds") {
		kinds[row[0]] = row
	}
	for _, label := range []string{"v1 Pod", "stable.example.com/v1 CronTab", "v1 Secret"} {
		row := kinds[strings.Replace(label, " ", "/", 1)]
		if want := perFile(func(x fixtures.KubeTrendMember) int { return x.Registry.Kinds[label] }); row == nil || row[1] != want {
			t.Errorf("%s: row %q, want objects per file %s", label, row, want)
		}
	}
	enc := map[string][]string{}
	for _, row := range domTable(t, dom, "table-trend-encryption") {
		enc[row[0]] = row
	}
	row := enc["secrets"]
	if row == nil {
		t.Fatal("no secrets row in the encryption table")
	}
	secrets := func(x fixtures.KubeTrendMember) *fixtures.KubeCounts { return x.Resources["secrets"] }
	if want := perFile(func(x fixtures.KubeTrendMember) int { return secrets(x).Encodings["encrypted"].Objects }); row[2] != want {
		t.Errorf("secrets encrypted per file %q, want %s", row[2], want)
	}
	if want := perFile(func(x fixtures.KubeTrendMember) int { return secrets(x).Encodings["protobuf"].Objects }); row[3] != want {
		t.Errorf("secrets plain per file %q, want %s", row[3], want)
	}
	for _, key := range []string{"aescbc:v1:key1", "aescbc:v1:key2"} {
		if want := key + " " + perFile(func(x fixtures.KubeTrendMember) int { return secrets(x).Encrypted[key] }); !strings.Contains(row[4], want) {
			t.Errorf("secrets keys %q lack %q", row[4], want)
		}
	}
}
