package html

import (
	"html/template"
	"strconv"
	"strings"
)

// A chart is laid out in Go as plain shapes and drawn by one template, so
// the geometry is deterministic and golden-testable, and every label goes
// through html/template's escaping.
type chart struct {
	ID, Title, Desc string
	Width, Height   float64
	Rects           []rectElem
	Texts           []textElem
	Lines           []lineElem
	Image           *imageElem
	// Empty, when set, replaces the chart: there was nothing to draw.
	Empty string
	// Note is printed under the chart (scale, sampling).
	Note string
}

type rectElem struct {
	X, Y, W, H float64
	Fill       string // #rrggbb, always from our palette or validated
	Class      string
	Tip        string // <title>: the tooltip and the accessible name
}

type textElem struct {
	X, Y   float64
	Anchor string // start, middle, end
	Class  string
	Text   string
	Tip    string
}

type lineElem struct {
	X1, Y1, X2, Y2 float64
	Class          string
}

type imageElem struct {
	X, Y, W, H float64
	Href       template.URL // a data:image/png;base64 URI we made
	Tip        string
}

// Layout constants shared by the charts, in SVG user units (px at 100%).
const (
	chartWidth = 960.0
	labelW     = 260.0 // the label column of horizontal charts
	rowH       = 22.0
	barH       = 15.0
	chartTop   = 8.0
	valueW     = 120.0 // room for the value printed after a bar
	labelMax   = 33    // characters of a label before it is shortened
	charW      = 7.4   // advance of one character of the 12px monospace labels
	legendRow  = 20.0
)

// num formats a coordinate with at most one decimal, so output is stable.
func num(v float64) string {
	s := strconv.FormatFloat(v, 'f', 1, 64)
	return strings.TrimSuffix(s, ".0")
}

// shorten keeps long labels (Kubernetes prefixes) to one column width,
// keeping both ends, which tell prefixes apart; the tooltip has the rest.
func shorten(s string) string {
	r := []rune(s)
	if len(r) <= labelMax {
		return s
	}
	head := (labelMax - 1) / 2
	tail := labelMax - 1 - head
	return string(r[:head]) + "…" + string(r[len(r)-tail:])
}

// scale is the length of v on an axis of length span whose end is max.
// Non-zero values get at least one unit so they never vanish.
func scale(v, max, span float64) float64 {
	if !(v > 0) || !(max > 0) { // also false for NaN
		return 0
	}
	w := v / max * span
	if w < 1 {
		w = 1
	}
	if w > span {
		w = span
	}
	return w
}

// finite drops NaN, infinities and negatives, which no chart can draw.
func finite(v float64) float64 {
	if v != v || v < 0 || v > 1e300 {
		return 0
	}
	return v
}

// The series palette: distinct, colour-blind-friendlier hues that print well.
var palette = []string{
	"#4c78a8", "#f58518", "#54a24b", "#b279a2", "#e45756", "#72b7b2",
	"#eeca3b", "#9d755d", "#ff9da6", "#bab0ac", "#1f77b4", "#8c564b",
}

func paletteColor(i int) string { return palette[i%len(palette)] }
