package html_test

import (
	"bytes"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbinspect/dbinspect/report"
	"github.com/dbinspect/dbinspect/report/html"
	"github.com/dbinspect/dbinspect/report/trend"
)

// trendSample is a fixed series: ten daily files of one cluster growing 40
// MiB a day, compacted every other day, defragmented once, with a prefix
// named to test escaping. Made up for the layout, analysed by the real
// model.
func trendSample() *trend.Trend {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var ms []trend.Summary
	for i := range 10 {
		db := int64(200<<20 + i*40<<20)
		if i >= 6 {
			db -= 150 << 20 // the defrag
		}
		ms = append(ms, trend.Summary{Given: "backups/etcd-" + t0.AddDate(0, 0, i).Format("2006-01-02") + ".db", Time: t0.AddDate(0, 0, i),
			TimeSource: "name", Revision: int64(1000 + i*50000), CompactRevision: int64(i / 2 * 100000), ClusterID: "c1",
			DbSizeBytes: db, InUseBytes: db * 3 / 4, LiveKeys: int64(10000 + i*500), HistoryBytes: int64(i%2) * 30 << 20,
			Prefixes: []trend.PrefixSummary{
				{Prefix: "/registry/events/", LiveKeys: int64(1000 + i*400), Bytes: int64(20<<20 + i*30<<20)},
				{Prefix: "/registry/pods/", LiveKeys: 3000, Bytes: int64(60<<20 + i*5<<20)},
				{Prefix: "/registry/<script>x</script>/", LiveKeys: int64(i), Bytes: int64(i << 20)},
			}})
	}
	return trend.Analyze(ms, []trend.Failure{{Given: "backups/etcd-bad.db", Reason: "not a readable bbolt/etcd db"}}, trend.Options{QuotaBytes: 8 << 30})
}

func TestWriteTrendHTML(t *testing.T) {
	var buf bytes.Buffer
	if err := report.WriteTrendHTML(&buf, trendSample()); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, want := range []string{`<svg id="chart-trend-size"`, `<svg id="chart-trend-prefixes"`, `<table id="table-series">`,
		`id="report-json"`, "&lt;script&gt;x&lt;/script&gt;", `class="series s0"`, `class="series s2"`, `<table id="table-not-trended">`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page has no %s", want)
		}
	}
	if strings.Contains(page, "<script>x") {
		t.Error("a prefix name reached the page unescaped")
	}
	// Nine segments for each of the three size lines and three prefixes.
	if n := strings.Count(page, `class="series s`); n != 6*9 {
		t.Errorf("%d line segments, want 54", n)
	}
}

func TestTrendHTMLInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the headless Chromium test starts a browser")
	}
	bin := html.ChromiumPath(t)
	dir := html.ArtifactDir(t)
	var buf bytes.Buffer
	if err := report.WriteTrendHTML(&buf, trendSample()); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(dir, "trend.html")
	if err := os.WriteFile(page, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	dom, log := html.RunChromium(t, bin, page, "--dump-dom")
	if msgs := html.ConsoleMessages(log); len(msgs) > 0 {
		t.Errorf("the page logged to the console:\n%s", strings.Join(msgs, "\n"))
	}
	if !strings.Contains(dom, `data-viewer="ready"`) {
		t.Errorf("the inline script did not run: its hash and the Content-Security-Policy disagree")
	}
	for _, want := range []string{`<svg id="chart-trend-size"`, `<svg id="chart-trend-prefixes"`, `<table id="table-series">`, `id="report-json"`} {
		if !strings.Contains(dom, want) {
			t.Errorf("the parsed page has no %s", want)
		}
	}
	if n := strings.Count(dom, `class="series s`); n != 54 {
		t.Errorf("the parsed page has %d line segments, want 54", n)
	}
	shot := filepath.Join(dir, "trend.png")
	html.RunChromium(t, bin, page, "--screenshot="+shot, "--window-size=1280,1600")
	img := html.DecodePNG(t, shot)
	// The lines are drawn: pixels of the first three series' colours.
	b := img.Bounds()
	for i, hex := range html.Palette[:3] {
		want := parseHex(hex)
		n := 0
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, g, bl, _ := img.At(x, y).RGBA()
				if html.NearByte(uint8(r>>8), want.R) && html.NearByte(uint8(g>>8), want.G) && html.NearByte(uint8(bl>>8), want.B) {
					n++
				}
			}
		}
		// Two charts, nine segments of about 90 px by 2 px each at least.
		if n < 1000 {
			t.Errorf("series %d (%s): %d pixels of its colour, want its lines drawn (>= 1000)", i, hex, n)
		}
	}
	t.Logf("screenshot: %s", shot)
}

func parseHex(s string) color.RGBA {
	var c color.RGBA
	h := func(i int) uint8 {
		v := 0
		for _, ch := range s[i : i+2] {
			v *= 16
			switch {
			case ch >= '0' && ch <= '9':
				v += int(ch - '0')
			default:
				v += int(ch-'a') + 10
			}
		}
		return uint8(v)
	}
	c.R, c.G, c.B, c.A = h(1), h(3), h(5), 0xff
	return c
}
