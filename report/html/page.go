package html

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"
)

// Data is everything the HTML page draws. The CLI fills it from the
// report model in one function; the page layer only lays it out, so it can
// be golden-tested without a database. Every string is user data as far as
// the page is concerned (key names, prefixes): html/template escapes it.
type Data struct {
	Title    string // the file name, say
	Subtitle string // etcd version, revision, when it was read...

	Summary  []KV      // the one-screen summary, in order
	Findings []Finding // most severe first

	PageMap PageMap // every page of the file, coloured by what holds it

	// FreeSpanHistogram has one bar per span-length bucket ("1", "2-3",
	// "4-7"...): Value is the number of free spans, Value2 the pages in them.
	FreeSpanHistogram []Bar
	// Prefixes are the key prefixes, largest first.
	Prefixes []PrefixBar
	// RevisionsPerKey has one bar per bucket of revisions per key: Value is
	// the number of keys, Value2 (optional) the revisions they hold.
	RevisionsPerKey []Bar
	// RevisionsPerKeySeries names what Value and Value2 of RevisionsPerKey
	// count, when they are not keys and revisions (say, percentiles given
	// as {"revisions per key"}).
	RevisionsPerKeySeries []string
	// Waterfall is the file size and what it would shrink to, largest first
	// (file, in use, after compaction and defrag, after defrag...); bytes.
	Waterfall []Bar
	// StartupBreakdown has one stacked bar per etcd version: the steps of
	// startup in seconds.
	StartupBreakdown []StackedBar
	// MemoryBreakdown has one stacked bar per etcd version: mmap resident,
	// treeIndex, raft log... in bytes.
	MemoryBreakdown []StackedBar
	// KubeKinds has one bar per Kubernetes kind (report/kube.go): Value is
	// the live objects' value bytes, Value2 their number.
	KubeKinds []Bar

	// Tables carry every further figure of the text report.
	Tables []Table

	// JSON, when set, is the full JSON report; it is embedded as a
	// <script type="application/json" id="report-json"> for tools and shown
	// on request for copy and paste. It must be valid JSON.
	JSON []byte
}

// KV is one labelled figure.
type KV struct {
	Label, Value string
}

// Finding is one finding. Severity is "critical", "warning" or "info"
// (anything else is shown unstyled).
type Finding struct {
	Severity, Code, Message, Advice string
}

// Bar is one bar of a chart. Value sets the length; Text, when set, is
// printed instead of the value formatted in the chart's unit. Value2 and
// Text2 are the second series of charts that have one.
type Bar struct {
	Label  string
	Value  float64
	Text   string
	Value2 float64
	Text2  string
}

// StackedBar is one bar made of named segments; segments with the same
// label get the same colour in every bar of a chart.
type StackedBar struct {
	Label    string
	Segments []Segment
	Text     string // printed after the bar instead of the formatted total
}

// Segment is one part of a StackedBar.
type Segment struct {
	Label string
	Value float64
}

// PrefixBar is one key prefix: bytes of the live revisions and of the
// history (superseded and deleted revisions), and counts. ShareOfFile is
// live + history bytes over the db size (etcd's DbSize); 0 is not shown.
type PrefixBar struct {
	Name                    string
	LiveBytes, HistoryBytes uint64
	Keys, Revisions         uint64
	ShareOfFile             float64
}

// Table is a titled table. Numeric marks right-aligned columns; ID,
// when set, is the table element's id.
type Table struct {
	ID      string
	Caption string
	Header  []string
	Rows    [][]string
	Numeric []bool
}

//go:embed templates/*.tmpl
var templateFS embed.FS

var pageTemplate = template.Must(template.New("report.html.tmpl").Funcs(template.FuncMap{
	"num":      num,
	"sevClass": severityClass,
	"numeric": func(t Table, i int) bool {
		return i < len(t.Numeric) && t.Numeric[i]
	},
}).ParseFS(templateFS, "templates/*.tmpl"))

// script fills the JSON viewer when it is first opened (and marks the
// page, so the browser test sees it ran under the Content-Security-Policy).
// It is the only script the page runs, and the page works without it; its
// hash is in the policy so nothing else can run.
const script = `document.documentElement.setAttribute("data-viewer","ready");document.querySelectorAll("details[data-json]").forEach(function(d){d.addEventListener("toggle",function(){var p=d.querySelector("pre");if(d.open&&!p.textContent){p.textContent=JSON.stringify(JSON.parse(document.getElementById("report-json").textContent),null,2);}});});`

// view is what the template sees: the input plus the laid-out charts.
type view struct {
	Data
	JSONText   template.JS
	Script     template.JS
	CSP        template.HTMLAttr
	Charts     []chart
	PageMapSVG chart
}

// Write writes d as one self-contained HTML page: inline CSS and SVG, the
// page map as an embedded PNG, no external resources, and a
// Content-Security-Policy that forbids loading any.
func Write(w io.Writer, d Data) error {
	v := view{Data: d, Script: template.JS(script)}
	sum := sha256.Sum256([]byte(script))
	// Nothing may load from anywhere: images are data: URIs, styles inline,
	// and the one script is allowed by its hash.
	v.CSP = template.HTMLAttr(`content="default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'sha256-` +
		base64.StdEncoding.EncodeToString(sum[:]) + `'"`)
	if len(d.JSON) > 0 {
		if !json.Valid(d.JSON) {
			return fmt.Errorf("html report: the embedded JSON report is not valid JSON")
		}
		// HTMLEscape turns <, >, & and U+2028/9 into \u escapes, so no key
		// name can close the script element; the result is the same JSON.
		var buf bytes.Buffer
		json.HTMLEscape(&buf, d.JSON)
		v.JSONText = template.JS(buf.String())
	}
	pm, err := pageMapChart(d.PageMap)
	if err != nil {
		return fmt.Errorf("html report: page map: %w", err)
	}
	v.PageMapSVG = pm
	v.Charts = charts(d)
	var out bytes.Buffer
	if err := pageTemplate.Execute(&out, v); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	_, err = w.Write(out.Bytes())
	return err
}

// charts lays out every chart but the page map, in page order.
func charts(d Data) []chart {
	return append([]chart{
		waterfallChart("chart-waterfall", "Size and what it shrinks to",
			"How much of the file holds data, and what compaction and defrag would give back.", d.Waterfall),
		histogramChart("chart-free-spans", "Free space by span length",
			"Free pages grouped by the length of the run they sit in (pages). Short runs are fragmentation: bbolt can only reuse a run at least as long as the allocation.",
			d.FreeSpanHistogram, "spans", "pages in them", unitCount),
		prefixChart("chart-prefixes", "Keys by prefix",
			"Key-bucket bytes of the live revisions and of the history (older and deleted revisions) per prefix; the percentage is the prefix's share of the file (its bytes over etcd's DbSize).", d.Prefixes),
		histogramChart("chart-revisions", "Revisions per key",
			"How many revisions each key keeps until the next compaction.",
			d.RevisionsPerKey, seriesName(d.RevisionsPerKeySeries, 0, "keys"), seriesName(d.RevisionsPerKeySeries, 1, "revisions"), unitCount),
		stackedChart("chart-startup", "Startup time",
			"Predicted: seconds etcd would spend on this file at startup, by step and version.", d.StartupBreakdown, unitSeconds),
		stackedChart("chart-memory", "Memory",
			"Predicted: resident memory etcd would need for this file, by part and version.", d.MemoryBreakdown, unitBytes),
	}, kubeCharts(d)...)
}

// seriesName is names[i] when given, else def.
func seriesName(names []string, i int, def string) string {
	if i < len(names) && names[i] != "" {
		return names[i]
	}
	return def
}

// severityClass maps a severity to one of a fixed set of CSS classes.
func severityClass(s string) string {
	switch strings.ToLower(s) {
	case "critical", "error":
		return "sev-critical"
	case "warning", "warn":
		return "sev-warning"
	case "info", "note":
		return "sev-info"
	}
	return "sev-other"
}
