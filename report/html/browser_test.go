package html

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The HTML report is checked in a real headless Chromium: it parses, the
// inline script runs under the page's Content-Security-Policy, the console
// stays silent (no errors, no blocked loads), every chart is in the DOM, and
// a screenshot shows the page map's free pages.

// chromiumPath finds a Chromium or Chrome binary, or skips the test.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no chromium, chromium-browser or google-chrome on PATH, so the HTML report is not checked in a browser; install one (Debian: apt-get install chromium; .ci/run does) to run this test")
	return ""
}

// artifactDir is $DBINSPECT_ARTIFACTS/<test> when set (kept after the run,
// for CI to upload), else the test's artifact dir (kept with -artifacts).
func artifactDir(t *testing.T) string {
	t.Helper()
	if base := os.Getenv("DBINSPECT_ARTIFACTS"); base != "" {
		dir := filepath.Join(base, t.Name())
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	// The test's own output dir: kept with go test -artifacts.
	return t.ArtifactDir()
}

// runChromium runs headless Chromium on a local file with the extra flags
// and returns stdout and the log on stderr. The timeout only stops a hung
// browser; nothing here measures time.
func runChromium(t *testing.T, bin, page string, extra ...string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-extensions", "--hide-scrollbars", "--force-device-scale-factor=1",
		"--user-data-dir=" + t.TempDir(), "--enable-logging=stderr", "--v=0"}
	args = append(append(args, extra...), "file://"+page)
	cmd := exec.CommandContext(ctx, bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", bin, err, tail(errb.String(), 3000))
	}
	return out.String(), errb.String()
}

// consoleMessages are the page's console lines in Chromium's log: errors,
// uncaught exceptions and Content-Security-Policy refusals all land there.
// A clean page logs nothing.
var consoleLine = regexp.MustCompile(`(?m)^.*(:CONSOLE[:(]|Uncaught ).*$`)

func consoleMessages(log string) []string { return consoleLine.FindAllString(log, -1) }

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

func writePage(t *testing.T, dir, name string, d Data) string {
	t.Helper()
	path := filepath.Join(dir, name)
	var buf bytes.Buffer
	if err := Write(&buf, d); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestHTMLInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the headless Chromium test starts a browser")
	}
	bin := chromiumPath(t)
	dir := artifactDir(t)

	// The console check must be able to fail: a page that throws and loads
	// a URL against its policy is seen.
	bad := filepath.Join(t.TempDir(), "bad.html")
	if err := os.WriteFile(bad, []byte(`<!DOCTYPE html><meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'"><img src="https://example.invalid/x.png"><script>throw new Error("seen")</script>`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, log := runChromium(t, bin, bad, "--dump-dom"); len(consoleMessages(log)) < 2 {
		t.Fatalf("the console check does not see a thrown error and a blocked load, so it would miss them in the report:\n%s", tail(log, 3000))
	}

	page := writePage(t, dir, "report.html", sampleData())
	dom, log := runChromium(t, bin, page, "--dump-dom")
	if msgs := consoleMessages(log); len(msgs) > 0 {
		t.Errorf("the page logged to the console:\n%s", strings.Join(msgs, "\n"))
	}
	if !strings.Contains(dom, `data-viewer="ready"`) {
		t.Errorf("the inline script did not run: its hash and the Content-Security-Policy disagree")
	}
	for _, want := range []string{
		`<svg id="chart-page-map"`, `<svg id="chart-waterfall"`, `<svg id="chart-free-spans"`,
		`<svg id="chart-prefixes"`, `<svg id="chart-revisions"`, `<svg id="chart-startup"`,
		`<svg id="chart-memory"`, `<table id="table-namespaces">`, `<image `, `id="report-json"`, `<h1 id="report-title">member/snap/db</h1>`,
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("the parsed page has no %s", want)
		}
	}
	if n := strings.Count(dom, "<rect "); n < 50 {
		t.Errorf("the parsed page has %d SVG rects, want the bars of every chart (>= 50)", n)
	}

	shot := filepath.Join(dir, "report.png")
	runChromium(t, bin, page, "--screenshot="+shot, "--window-size=1280,2400")
	img := decodePNG(t, shot)
	if b := img.Bounds(); b.Dx() != 1280 || b.Dy() != 2400 {
		t.Errorf("screenshot is %dx%d, want 1280x2400", b.Dx(), b.Dy())
	}
	colours, red := screenshotStats(img)
	if colours < 50 {
		t.Errorf("screenshot has %d distinct colours: the page did not render", colours)
	}
	// The page map draws the sample's 1,222 free pages as 4x4 red squares
	// at 1:1 (19,552 pixels); the legend's swatch adds a few.
	if red < 19552 {
		t.Errorf("screenshot has %d pixels of the free-page red, want the page map's free pages (>= 19,552)", red)
	}
	t.Logf("screenshot: %s (%d colours, %d free-page pixels)", shot, colours, red)
}

func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot %s: %v", path, err)
	}
	return img
}

// screenshotStats counts distinct colours and pixels close to the free-page
// red (colour management may shift a channel by a few levels).
func screenshotStats(img image.Image) (colours, red int) {
	seen := map[color.RGBA]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			c := color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), 0xff}
			seen[c] = true
			if nearByte(c.R, pageMapFree.R) && nearByte(c.G, pageMapFree.G) && nearByte(c.B, pageMapFree.B) {
				red++
			}
		}
	}
	return len(seen), red
}

func nearByte(a, b uint8) bool { return a-b < 6 || b-a < 6 }
