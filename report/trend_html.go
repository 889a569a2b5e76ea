package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"time"

	"github.com/dbinspect/dbinspect/report/trend"
)

// trendSeries is one line of a line chart: a value per time.
type trendSeries struct {
	Name   string
	Values []float64
}

// trendLineChart draws each series as a line over time, with a dot per
// file (its tooltip gives the file's time and value), on one linear scale
// from zero. It uses the report's chart shapes: lines are coloured by class
// (s0..s11, the palette's order), dots and legend swatches by fill.
func trendLineChart(id, title, desc string, times []time.Time, series []trendSeries, u svgUnit) svgChart {
	c := svgChart{ID: id, Title: title, Desc: desc, Width: svgWidth}
	if len(times) < 2 || len(series) == 0 {
		c.Empty = "Nothing to draw: a line needs at least two files."
		return c
	}
	const left, right, legendH, plotH, bottom = 90.0, 60.0, 24.0, 240.0, 36.0
	top := svgTop + legendH*float64((len(series)+3)/4)
	plotW := svgWidth - left - right
	t0, t1 := times[0], times[0]
	for _, t := range times {
		if t.Before(t0) {
			t0 = t
		}
		if t.After(t1) {
			t1 = t
		}
	}
	span := t1.Sub(t0).Seconds()
	x := func(t time.Time) float64 {
		if span <= 0 {
			return left + plotW/2
		}
		return left + t.Sub(t0).Seconds()/span*plotW
	}
	ymax := 0.0
	for _, s := range series {
		for _, v := range s.Values {
			ymax = max(ymax, svgFinite(v))
		}
	}
	step := niceStep(ymax/4, ymax, u)
	ticks := max(1, int(math.Ceil(ymax/step-1e-9)))
	ymax = float64(ticks) * step
	y := func(v float64) float64 { return top + plotH - svgScaleLine(svgFinite(v), ymax, plotH) }
	// Legend: four series a row.
	for i, s := range series {
		lx := left + float64(i%4)*(plotW/4)
		ly := svgTop + float64(i/4)*legendH
		c.Rects = append(c.Rects, svgRect{X: lx, Y: ly + 3, W: 12, H: 12, Fill: svgPaletteColor(i), Class: "swatch", Tip: s.Name})
		c.Texts = append(c.Texts, svgText{X: lx + 18, Y: ly + 13, Anchor: "start", Class: "label", Text: svgShorten(s.Name), Tip: s.Name})
	}
	// Axes and grid: a tick every step from zero to the rounded maximum.
	for k := 0; k <= ticks; k++ {
		v := step * float64(k)
		yy := y(v)
		c.Lines = append(c.Lines, svgLine{X1: left, Y1: yy, X2: left + plotW, Y2: yy, Class: "grid"})
		c.Texts = append(c.Texts, svgText{X: left - 6, Y: yy + 4, Anchor: "end", Class: "axis", Text: u.format(v)})
	}
	c.Lines = append(c.Lines, svgLine{X1: left, Y1: top, X2: left, Y2: top + plotH, Class: "tick"})
	lastLabel := math.Inf(-1)
	for i := len(times) - 1; i >= 0; i-- {
		// Right to left, so the last file's date is always shown; a date
		// too close to the one on its right is left out.
		xx := x(times[i])
		if i != len(times)-1 && lastLabel-xx < 90 {
			continue
		}
		lastLabel = xx
		t := times[i]
		c.Lines = append(c.Lines, svgLine{X1: xx, Y1: top + plotH, X2: xx, Y2: top + plotH + 4, Class: "tick"})
		c.Texts = append(c.Texts, svgText{X: xx, Y: top + plotH + 18, Anchor: "middle", Class: "axis", Text: t.UTC().Format("2006-01-02")})
	}
	for si, s := range series {
		class := fmt.Sprintf("series s%d", si%len(svgPalette))
		for i := range s.Values {
			if i >= len(times) {
				break
			}
			if i > 0 {
				c.Lines = append(c.Lines, svgLine{X1: x(times[i-1]), Y1: y(s.Values[i-1]), X2: x(times[i]), Y2: y(s.Values[i]), Class: class})
			}
			c.Rects = append(c.Rects, svgRect{X: x(times[i]) - 3, Y: y(s.Values[i]) - 3, W: 6, H: 6, Fill: svgPaletteColor(si), Class: "dot",
				Tip: fmt.Sprintf("%s, %s: %s", s.Name, times[i].UTC().Format("2006-01-02 15:04"), u.format(s.Values[i]))})
		}
	}
	c.Height = top + plotH + bottom
	c.Note = "Linear scale from zero; one dot per file, at its time; hover a dot for its value."
	return c
}

// svgScaleLine is svgScale without the one-unit minimum: a line may touch zero.
func svgScaleLine(v, max, span float64) float64 {
	if !(v > 0) || !(max > 0) {
		return 0
	}
	return math.Min(v/max*span, span)
}

// niceStep is the tick step of an axis up to top: v (about a quarter of
// top) rounded up to 1, 2 or 5 times a power of ten, counted for bytes in
// the largest binary unit (KiB, MiB, ...) of top, so the axis reads 1 MiB,
// 2 MiB, 3 MiB rather than 640 KiB, 1.3 MiB.
func niceStep(v, top float64, u svgUnit) float64 {
	if !(v > 0) {
		return 1
	}
	scale := 1.0
	if u == svgUnitBytes {
		for scale*1024 <= top && scale < 1<<60 {
			scale *= 1024
		}
	}
	x := v / scale
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= x {
			return scale * m * p
		}
	}
	return scale * 10 * p
}

// trendHTMLView is what the trend page template sees.
type trendHTMLView struct {
	Title, Subtitle string
	Summary         []KV
	Findings        []HTMLFinding
	Charts          []svgChart
	Tables          []HTMLTable
	JSONText        template.JS
	Script          template.JS
	CSP             template.HTMLAttr
}

// WriteTrendHTML writes the trend as one self-contained page: the summary,
// findings, line charts of the sizes and of the top-growing prefixes over
// time, the tables of the text output, and the JSON document.
func WriteTrendHTML(w io.Writer, t *trend.Trend) error {
	dir, name := trendNames(t)
	v := trendHTMLView{Title: "dbinspect trend", Script: template.JS(htmlScript)}
	if dir != "" {
		v.Title += ": " + dir
	}
	sum := sha256.Sum256([]byte(htmlScript))
	v.CSP = template.HTMLAttr(`content="default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'sha256-` +
		base64.StdEncoding.EncodeToString(sum[:]) + `'"`)
	var times []time.Time
	size, inUse, history := trendSeries{Name: "db size"}, trendSeries{Name: "in use"}, trendSeries{Name: "history bytes"}
	for _, m := range t.Members {
		times = append(times, m.Time)
		size.Values = append(size.Values, float64(m.DbSizeBytes))
		inUse.Values = append(inUse.Values, float64(m.InUseBytes))
		history.Values = append(history.Values, float64(m.HistoryBytes))
	}
	o := t.Overall
	if len(t.Members) > 0 {
		v.Subtitle = fmt.Sprintf("%d files from %s to %s (%.1f days), cluster %s", len(t.Members),
			trendDay(t.Members[0].Time), trendDay(t.Members[len(t.Members)-1].Time), o.Days, t.Cluster)
	}
	v.Summary = append(v.Summary,
		KV{"revisions", fmt.Sprintf("%s (%s a day)", signed(count(o.RevisionDelta), o.RevisionDelta), perDayText(o.RevisionsPerDay, count))},
		KV{"db size", fmt.Sprintf("%s (%s)", signed(ibytes(o.DbSizeDelta), o.DbSizeDelta), perDayText(trendPerDay(o.DbSizeDelta, o.Days), ibytes)+" a day")},
		KV{"in use", signed(ibytes(o.InUseDelta), o.InUseDelta)},
		KV{"live keys", signed(count(o.LiveKeysDelta), o.LiveKeysDelta)},
		KV{"compactions, defrags", fmt.Sprintf("%d, %d", o.Compactions, o.Defrags)},
	)
	for _, p := range t.Project {
		label := "quota " + ibytes(p.TargetBytes)
		if p.Target != "quota" {
			label = ibytes(p.TargetBytes)
		}
		text := "reached"
		switch {
		case p.Reached:
		case p.At == nil:
			text = "not reached at the fitted slope"
		case p.Fit.Points < 3:
			text = "around " + trendDate(p.At) + " (" + p.Note + ")"
		default:
			text = fmt.Sprintf("around %s, between %s and %s (fit over %d files: %s a day ± %s, R² %.2f; the range is the slope ± 2 standard errors)",
				trendDate(p.At), trendDate(p.Earliest), trendDate(p.Latest), p.Fit.Points, ibytesf(p.Fit.Slope), ibytesf(p.Fit.SlopeSE), p.Fit.R2)
		}
		v.Summary = append(v.Summary, KV{label, text})
	}
	for _, f := range t.Findings {
		v.Findings = append(v.Findings, HTMLFinding{Severity: f.Severity, Code: f.Code, Message: f.Message, Advice: f.Advice})
	}
	var prefixes []trendSeries
	for i, p := range t.Prefixes.ByBytes {
		if i == 6 {
			break
		}
		s := trendSeries{Name: p.Prefix}
		for _, b := range p.Bytes {
			s.Values = append(s.Values, float64(b))
		}
		prefixes = append(prefixes, s)
	}
	v.Charts = []svgChart{
		trendLineChart("chart-trend-size", "Size over time",
			"etcd's db size (what the quota counts), the bytes in use (without free pages), and the history bytes (older and deleted revisions), per file.",
			times, []trendSeries{size, inUse, history}, svgUnitBytes),
		trendLineChart("chart-trend-prefixes", "Top growing prefixes over time",
			"Key-bucket bytes (live and history) of the prefixes that grew most from the first file to the last.", times, prefixes, svgUnitBytes),
	}
	series := HTMLTable{ID: "table-series", Caption: "Series, in revision order",
		Header:  []string{"file", "time", "revision", "rev/day", "compacted at", "db size", "in use", "live keys", "history", "events"},
		Numeric: []bool{false, false, true, true, true, true, true, true, true, false}}
	for i, m := range t.Members {
		rate, ev := "", ""
		if i > 0 {
			s := t.Steps[i-1]
			rate = perDayText(s.RevisionsPerDay, count)
			ev = trendStepEvents(s)
		}
		series.Rows = append(series.Rows, []string{name(m.Given), trendDay(m.Time) + " (" + m.TimeSource + ")", count(m.Revision), rate,
			count(m.CompactRevision), ibytes(m.DbSizeBytes), ibytes(m.InUseBytes), count(m.LiveKeys), ibytes(m.HistoryBytes), ev})
	}
	v.Tables = append(v.Tables, series, trendPrefixHTMLTable("table-trend-bytes", "Top growing prefixes by bytes", t.Prefixes.ByBytes),
		trendPrefixHTMLTable("table-trend-keys", "Top growing prefixes by live keys", t.Prefixes.ByKeys))
	if len(t.Failed)+len(t.Excluded) > 0 {
		nt := HTMLTable{ID: "table-not-trended", Caption: "Not trended", Header: []string{"file", "why"}}
		for _, f := range append(append([]trend.Failure{}, t.Failed...), t.Excluded...) {
			nt.Rows = append(nt.Rows, []string{f.Given, f.Reason})
		}
		v.Tables = append(v.Tables, nt)
	}
	var js bytes.Buffer
	if err := WriteTrendJSON(&js, t); err != nil {
		return err
	}
	var esc bytes.Buffer
	json.HTMLEscape(&esc, bytes.TrimSpace(js.Bytes()))
	v.JSONText = template.JS(esc.String())
	var out bytes.Buffer
	if err := htmlPage.ExecuteTemplate(&out, "trend.html.tmpl", v); err != nil {
		return fmt.Errorf("html trend: %w", err)
	}
	_, err := w.Write(out.Bytes())
	return err
}

func trendPerDay(delta int64, days float64) *float64 {
	if !(days > 0) {
		return nil
	}
	v := float64(delta) / days
	return &v
}

func trendStepEvents(s trend.Step) string {
	out := ""
	for _, e := range []struct {
		on   bool
		name string
	}{{s.Compacted, "compacted"}, {s.Defragmented, "defragmented"}, {s.RevisionBack, "revision went back"}} {
		if e.on {
			if out != "" {
				out += ", "
			}
			out += e.name
		}
	}
	return out
}

func trendPrefixHTMLTable(id, caption string, ps []trend.PrefixTrend) HTMLTable {
	tb := HTMLTable{ID: id, Caption: caption, Header: []string{"prefix", "bytes", "change", "a day", "live keys", "change", "a day"},
		Numeric: []bool{false, true, true, true, true, true, true}}
	for _, p := range ps {
		tb.Rows = append(tb.Rows, []string{p.Prefix, ibytes(p.BytesFirst) + " → " + ibytes(p.BytesLast), signed(ibytes(p.BytesDelta), p.BytesDelta),
			perDayText(p.BytesPerDay, ibytes), count(p.KeysFirst) + " → " + count(p.KeysLast), signed(count(p.KeysDelta), p.KeysDelta), perDayText(p.KeysPerDay, count)})
	}
	return tb
}
