package html_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
	"github.com/dbinspect/dbinspect/internal/golden"
	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/report"
	"github.com/dbinspect/dbinspect/report/html"
)

// TestHTMLFixtureInChromium opens a real file's report in the browser and
// keeps the screenshot. With -update it becomes docs/html-report.png,
// the README's picture.
func TestHTMLFixtureInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the headless Chromium test starts a browser")
	}
	bin := html.ChromiumPath(t)
	dir := html.ArtifactDir(t)
	f := fixtures.Get(t, "k8s-v3.6")
	r, err := report.Build(report.Input{Given: f.File, Path: fixtures.Path(t, f), Kind: "file"},
		report.Options{Sections: report.AllSections, MVCC: mvcc.DefaultOptions(), Seeds: 2, PageMap: true})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := report.Render(&buf, r, report.RenderOptions{Format: "html", Sections: r.Sections}); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	path := filepath.Join(dir, "report.html")
	if err := os.WriteFile(path, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	dom, log := html.RunChromium(t, bin, path, "--dump-dom")
	if msgs := html.ConsoleMessages(log); len(msgs) > 0 {
		t.Errorf("the page logged to the console:\n%s", strings.Join(msgs, "\n"))
	}
	if !strings.Contains(dom, `<svg id="chart-page-map"`) || !strings.Contains(dom, `data-viewer="ready"`) {
		t.Errorf("the parsed page lacks the page map or the script did not run")
	}
	shot := filepath.Join(dir, "report.png")
	html.RunChromium(t, bin, path, "--screenshot="+shot, "--window-size=1280,2400")
	img := html.DecodePNG(t, shot)
	if colours, _ := html.ScreenshotStats(img); colours < 50 {
		t.Errorf("screenshot has %d distinct colours: the page did not render", colours)
	}
	if golden.Updating() {
		data, err := os.ReadFile(shot)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("..", "..", "docs", "html-report.png"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshot: %s", shot)
}
