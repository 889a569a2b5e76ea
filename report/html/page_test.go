package html

import (
	"bytes"
	"math"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/internal/golden"
)

func render(t *testing.T, d Data) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, d); err != nil {
		t.Fatalf("WriteHTML: %v", err)
	}
	return buf.String()
}

func TestWriteHTMLGolden(t *testing.T) {
	tests := []struct {
		name string
		data Data
	}{
		{"sample", sampleData()},
		{"empty", Data{Title: "empty.db"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := render(t, tt.data)
			golden.Check(t, filepath.Join("testdata", "html", tt.name+".golden.html"), []byte(got))
			if again := render(t, tt.data); again != got {
				t.Errorf("two renders of the same data differ: the page is not deterministic")
			}
		})
	}
}

func TestWriteHTMLStructure(t *testing.T) {
	out := render(t, sampleData())
	for _, id := range []string{"chart-page-map", "chart-waterfall", "chart-free-spans", "chart-prefixes",
		"chart-revisions", "chart-startup", "chart-memory"} {
		if !strings.Contains(out, `<svg id="`+id+`"`) {
			t.Errorf("chart %s missing", id)
		}
	}
	if !strings.Contains(out, `<table id="table-namespaces">`) {
		t.Errorf("namespace table missing")
	}
	if !strings.Contains(out, "% of file</text>") {
		t.Errorf("the prefix chart does not print the share of the file")
	}
	if !strings.Contains(out, `<table>`+"\n"+`<caption>Buckets</caption>`) {
		t.Errorf("a table without an ID has an id attribute")
	}
	if !strings.Contains(out, `href="data:image/png;base64,`) {
		t.Errorf("page map PNG is not embedded as a data URI")
	}
	// Self-contained: no URL that would reach the network.
	if m := regexp.MustCompile(`(?i)(src|href)="(https?:)?//`).FindString(out); m != "" {
		t.Errorf("page references an external resource: %s", m)
	}
	if !strings.Contains(out, `http-equiv="Content-Security-Policy" content="default-src 'none';`) {
		t.Errorf("page has no Content-Security-Policy forbidding loads")
	}
}

func TestWriteHTMLEscapesUserData(t *testing.T) {
	const evil = `<script>alert(1)</script>`
	d := sampleData()
	d.Title = evil
	d.Subtitle = evil
	d.Summary = append(d.Summary, KV{evil, evil})
	d.Findings = append(d.Findings, Finding{Severity: evil, Code: evil, Message: evil, Advice: evil})
	d.Prefixes = append(d.Prefixes, PrefixBar{Name: evil, LiveBytes: 1, Keys: 1, Revisions: 1})
	d.FreeSpanHistogram = append(d.FreeSpanHistogram, Bar{Label: evil, Value: 1, Text: evil})
	d.StartupBreakdown = append(d.StartupBreakdown, StackedBar{Label: evil, Segments: []Segment{{evil, 1}}})
	d.PageMap.Classes[3].Name = evil
	d.Tables = append(d.Tables, Table{Caption: evil, Header: []string{evil}, Rows: [][]string{{evil}}})
	d.JSON = []byte(`{"key":"` + strings.ReplaceAll(evil, "/", `\/`) + `","raw":"</script><script>alert(2)</script>"}`)
	out := render(t, d)
	if strings.Contains(out, "alert(1)</script>") || strings.Contains(out, "<script>alert") {
		t.Errorf("a user-supplied name reached the page unescaped")
	}
	if n := strings.Count(out, "&lt;script&gt;alert(1)&lt;/script&gt;"); n < 10 {
		t.Errorf("the name appears escaped %d times, want one per place it was put (>= 10)", n)
	}
	// Only our two script elements: the JSON data and the viewer.
	if n := strings.Count(strings.ToLower(out), "<script"); n != 2 {
		t.Errorf("%d <script elements, want 2", n)
	}
	if strings.Contains(out, "</script><script>alert(2)") || !strings.Contains(out, `\u003c/script\u003e\u003cscript\u003ealert(2)`) {
		t.Errorf("embedded JSON is not escaped against closing its script element")
	}
}

func TestWriteHTMLRejects(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Data)
		want string
	}{
		{"invalid JSON", func(d *Data) { d.JSON = []byte(`{"a":`) }, "not valid JSON"},
		{"bad colour", func(d *Data) { d.PageMap.Classes[0].Color = `red" onload="x` }, "not #rrggbb"},
		{"absurd page count", func(d *Data) { d.PageMap.Pages = 1 << 60 }, "more than any file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := sampleData()
			tt.edit(&d)
			err := Write(&bytes.Buffer{}, d)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("WriteHTML error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestWriteHTMLOddNumbers: values no chart can draw (NaN, infinities,
// negatives, beyond uint64) are drawn as zero, never as broken geometry.
func TestWriteHTMLOddNumbers(t *testing.T) {
	odd := []float64{math.NaN(), math.Inf(1), math.Inf(-1), -5, 1e300, math.MaxFloat64}
	d := Data{Title: "odd"}
	for i, v := range odd {
		label := strconv.Itoa(i)
		d.Waterfall = append(d.Waterfall, Bar{Label: label, Value: v})
		d.FreeSpanHistogram = append(d.FreeSpanHistogram, Bar{Label: label, Value: v, Value2: v})
		d.StartupBreakdown = append(d.StartupBreakdown, StackedBar{Label: label, Segments: []Segment{{"a", v}, {"b", 1}}})
		d.MemoryBreakdown = append(d.MemoryBreakdown, StackedBar{Label: label, Segments: []Segment{{"a", v}}})
	}
	out := render(t, d)
	for _, bad := range []string{"NaN", "Inf", `="-`} {
		if strings.Contains(out, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
}

// TestStackedChartLegend: a step that is zero in every version gets no
// legend entry, and a label keeps its colour across bars.
func TestStackedChartLegend(t *testing.T) {
	c := stackedChart("x", "x", "x", []StackedBar{
		{Label: "3.5", Segments: []Segment{{"open", 1}, {"never", 0}, {"index", 2}}},
		{Label: "3.6", Segments: []Segment{{"index", 2}, {"open", 1}}},
	}, unitSeconds)
	var legend []string
	fill := map[string]string{}
	for _, tx := range c.Texts {
		if tx.Class == "legend" {
			legend = append(legend, tx.Text)
		}
	}
	for _, r := range c.Rects {
		if r.Class == "seg" {
			name := r.Tip[strings.Index(r.Tip, ", ")+2 : strings.Index(r.Tip, ":")]
			if f, ok := fill[name]; ok && f != r.Fill {
				t.Errorf("segment %s drawn in %s and %s", name, f, r.Fill)
			}
			fill[name] = r.Fill
		}
	}
	if strings.Join(legend, ",") != "open,index" {
		t.Errorf("legend = %v, want [open index]", legend)
	}
	if len(fill) != 2 || fill["open"] == fill["index"] {
		t.Errorf("segment colours = %v, want two distinct", fill)
	}
}
