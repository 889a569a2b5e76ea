package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
	"github.com/dbinspect/dbinspect/internal/golden"
	"github.com/dbinspect/dbinspect/mvcc"
)

// htmlFromFixture builds the full report of a real etcd file and renders it.
func htmlFromFixture(t *testing.T, f fixtures.Fixture, redact bool) (htmlData, string) {
	t.Helper()
	mo := mvcc.DefaultOptions()
	mo.RedactKeys = redact
	r, err := Build(Input{Given: f.File, Path: fixtures.Path(t, f), Kind: "file"},
		Options{Sections: AllSections, MVCC: mo, Seeds: 2, PageMap: true})
	if err != nil {
		t.Fatalf("%s: Build: %v", f.Name, err)
	}
	d := r.htmlPageData()
	var buf bytes.Buffer
	if err := writeHTML(&buf, d); err != nil {
		t.Fatalf("%s: writeHTML: %v", f.Name, err)
	}
	return d, buf.String()
}

// TestHTMLFromFixtures renders real etcd files end to end: the page map
// covers every page of the file, every chart has data, and with
// --redact-keys no key name reaches the page.
func TestHTMLFromFixtures(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: reads whole fixtures")
	}
	tests := []struct {
		name   string
		redact bool
	}{
		{"k8s-v3.6", false},
		{"fragmented-v3.6", false},
		{"k8s-v3.5-snapshot", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := fixtures.Get(t, tt.name)
			d, page := htmlFromFixture(t, f, tt.redact)
			if tt.redact {
				// The check below can only fail if some key names show
				// without --redact-keys.
				_, plain := htmlFromFixture(t, f, false)
				shown := 0
				for _, k := range f.SampleKeys {
					if strings.Contains(plain, k.Key) {
						shown++
					}
				}
				if shown == 0 {
					t.Fatalf("none of the %d sample keys is named in the unredacted page, so redaction cannot be checked", len(f.SampleKeys))
				}
			}

			pm := d.PageMap
			if pm.PageSize == 0 || pm.Pages == 0 {
				t.Fatalf("page map is empty: %d pages of %d bytes", pm.Pages, pm.PageSize)
			}
			// A snapshot's 32-byte hash trailer is not a page.
			if want := uint64(f.SizeBytes) / uint64(pm.PageSize); pm.Pages != want {
				t.Errorf("page map has %d pages, the %d-byte file has %d", pm.Pages, f.SizeBytes, want)
			}
			totals := pageMapSweepTotals(t, pm)
			if un := totals[len(totals)-1]; un != 0 {
				t.Errorf("%d pages are not classified", un)
			}
			for _, id := range []string{"chart-page-map", "chart-waterfall", "chart-prefixes", "chart-revisions", "chart-startup", "chart-memory"} {
				if !strings.Contains(page, `<svg id="`+id+`"`) {
					t.Errorf("chart %s has no data", id)
				}
			}
			for _, k := range f.SampleKeys {
				if tt.redact && strings.Contains(page, k.Key) {
					t.Errorf("--redact-keys: key name %q is in the page", k.Key)
				}
			}
			if strings.HasPrefix(tt.name, "k8s-") && (!strings.Contains(page, `<table id="table-namespaces">`) || !strings.Contains(page, "% of file</text>")) {
				t.Errorf("Kubernetes file has no namespace table or no share of the file in the prefix chart")
			}
			if tt.name == "fragmented-v3.6" && !strings.Contains(page, `<svg id="chart-free-spans"`) {
				t.Errorf("fragmented file has no free span histogram")
			}
		})
	}
}

// TestHTMLFixtureInChromium opens a real file's report in the browser and
// keeps the screenshot. With -update it becomes docs/html-report.png,
// the README's picture.
func TestHTMLFixtureInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the headless Chromium test starts a browser")
	}
	bin := htmlChromiumPath(t)
	dir := htmlArtifactDir(t)
	f := fixtures.Get(t, "k8s-v3.6")
	_, page := htmlFromFixture(t, f, false)
	path := filepath.Join(dir, "report.html")
	if err := os.WriteFile(path, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	dom, log := htmlRunChromium(t, bin, path, "--dump-dom")
	if msgs := htmlConsoleMessages(log); len(msgs) > 0 {
		t.Errorf("the page logged to the console:\n%s", strings.Join(msgs, "\n"))
	}
	if !strings.Contains(dom, `<svg id="chart-page-map"`) || !strings.Contains(dom, `data-viewer="ready"`) {
		t.Errorf("the parsed page lacks the page map or the script did not run")
	}
	shot := filepath.Join(dir, "report.png")
	htmlRunChromium(t, bin, path, "--screenshot="+shot, "--window-size=1280,2400")
	img := htmlDecodePNG(t, shot)
	if colours, _ := htmlScreenshotStats(img); colours < 50 {
		t.Errorf("screenshot has %d distinct colours: the page did not render", colours)
	}
	if golden.Updating() {
		data, err := os.ReadFile(shot)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("..", "docs", "html-report.png"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshot: %s", shot)
}
