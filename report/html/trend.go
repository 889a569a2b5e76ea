package html

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
)

// Trend is everything the trend page draws ('dbinspect trend -o html'):
// report fills it from the trend model, as it fills Data from a report.
type Trend struct {
	Title, Subtitle string
	Summary         []KV
	Findings        []Finding
	// Lines are the line charts over time, in page order.
	Lines  []LineChart
	Tables []Table
	// JSON is the trend's JSON document, embedded as in the report page.
	JSON []byte
}

// LineChart is one chart of series over the files' times.
type LineChart struct {
	ID, Title, Desc string
	Times           []time.Time
	Series          []Series
	Bytes           bool // values are bytes (else counts)
}

// Series is one line of a trend chart: a value per time.
type Series struct {
	Name   string
	Values []float64
}

// lineChart draws each series as a line over time, with a dot per
// file (its tooltip gives the file's time and value), on one linear scale
// from zero. It uses the report's chart shapes: lines are coloured by class
// (s0..s11, the palette's order), dots and legend swatches by fill.
func lineChart(id, title, desc string, times []time.Time, series []Series, u unit) chart {
	c := chart{ID: id, Title: title, Desc: desc, Width: chartWidth}
	if len(times) < 2 || len(series) == 0 {
		c.Empty = "Nothing to draw: a line needs at least two files."
		return c
	}
	const left, right, legendH, plotH, bottom = 90.0, 60.0, 24.0, 240.0, 36.0
	top := chartTop + legendH*float64((len(series)+3)/4)
	plotW := chartWidth - left - right
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
			ymax = max(ymax, finite(v))
		}
	}
	step := niceStep(ymax/4, ymax, u)
	ticks := max(1, int(math.Ceil(ymax/step-1e-9)))
	ymax = float64(ticks) * step
	y := func(v float64) float64 { return top + plotH - scaleLine(finite(v), ymax, plotH) }
	// Legend: four series a row.
	for i, s := range series {
		lx := left + float64(i%4)*(plotW/4)
		ly := chartTop + float64(i/4)*legendH
		c.Rects = append(c.Rects, rectElem{X: lx, Y: ly + 3, W: 12, H: 12, Fill: paletteColor(i), Class: "swatch", Tip: s.Name})
		c.Texts = append(c.Texts, textElem{X: lx + 18, Y: ly + 13, Anchor: "start", Class: "label", Text: shorten(s.Name), Tip: s.Name})
	}
	// Axes and grid: a tick every step from zero to the rounded maximum.
	for k := 0; k <= ticks; k++ {
		v := step * float64(k)
		yy := y(v)
		c.Lines = append(c.Lines, lineElem{X1: left, Y1: yy, X2: left + plotW, Y2: yy, Class: "grid"})
		c.Texts = append(c.Texts, textElem{X: left - 6, Y: yy + 4, Anchor: "end", Class: "axis", Text: u.format(v)})
	}
	c.Lines = append(c.Lines, lineElem{X1: left, Y1: top, X2: left, Y2: top + plotH, Class: "tick"})
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
		c.Lines = append(c.Lines, lineElem{X1: xx, Y1: top + plotH, X2: xx, Y2: top + plotH + 4, Class: "tick"})
		c.Texts = append(c.Texts, textElem{X: xx, Y: top + plotH + 18, Anchor: "middle", Class: "axis", Text: t.UTC().Format("2006-01-02")})
	}
	for si, s := range series {
		class := fmt.Sprintf("series s%d", si%len(palette))
		for i := range s.Values {
			if i >= len(times) {
				break
			}
			if i > 0 {
				c.Lines = append(c.Lines, lineElem{X1: x(times[i-1]), Y1: y(s.Values[i-1]), X2: x(times[i]), Y2: y(s.Values[i]), Class: class})
			}
			c.Rects = append(c.Rects, rectElem{X: x(times[i]) - 3, Y: y(s.Values[i]) - 3, W: 6, H: 6, Fill: paletteColor(si), Class: "dot",
				Tip: fmt.Sprintf("%s, %s: %s", s.Name, times[i].UTC().Format("2006-01-02 15:04"), u.format(s.Values[i]))})
		}
	}
	c.Height = top + plotH + bottom
	c.Note = "Linear scale from zero; one dot per file, at its time; hover a dot for its value."
	return c
}

// scaleLine is scale without the one-unit minimum: a line may touch zero.
func scaleLine(v, max, span float64) float64 {
	if !(v > 0) || !(max > 0) {
		return 0
	}
	return math.Min(v/max*span, span)
}

// niceStep is the tick step of an axis up to top: v (about a quarter of
// top) rounded up to 1, 2 or 5 times a power of ten, counted for bytes in
// the largest binary unit (KiB, MiB, ...) of top, so the axis reads 1 MiB,
// 2 MiB, 3 MiB rather than 640 KiB, 1.3 MiB.
func niceStep(v, top float64, u unit) float64 {
	if !(v > 0) {
		return 1
	}
	scale := 1.0
	if u == unitBytes {
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

// trendView is what the trend page template sees.
type trendView struct {
	Title, Subtitle string
	Summary         []KV
	Findings        []Finding
	Charts          []chart
	Tables          []Table
	JSONText        template.JS
	Script          template.JS
	CSP             template.HTMLAttr
}

// WriteTrend writes the trend page: self-contained, under the same
// Content-Security-Policy as the report page.
func WriteTrend(w io.Writer, t Trend) error {
	v := trendView{Title: t.Title, Subtitle: t.Subtitle, Summary: t.Summary, Findings: t.Findings, Tables: t.Tables, Script: template.JS(script)}
	sum := sha256.Sum256([]byte(script))
	v.CSP = template.HTMLAttr(`content="default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'sha256-` +
		base64.StdEncoding.EncodeToString(sum[:]) + `'"`)
	for _, l := range t.Lines {
		u := unitCount
		if l.Bytes {
			u = unitBytes
		}
		v.Charts = append(v.Charts, lineChart(l.ID, l.Title, l.Desc, l.Times, l.Series, u))
	}
	if len(t.JSON) > 0 {
		var esc bytes.Buffer
		json.HTMLEscape(&esc, bytes.TrimSpace(t.JSON))
		v.JSONText = template.JS(esc.String())
	}
	var out bytes.Buffer
	if err := pageTemplate.ExecuteTemplate(&out, "trend.html.tmpl", v); err != nil {
		return fmt.Errorf("html trend: %w", err)
	}
	_, err := w.Write(out.Bytes())
	return err
}
