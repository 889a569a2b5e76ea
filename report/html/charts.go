package html

import (
	"fmt"
	"unicode/utf8"
)

const noData = "Nothing to draw: this file has no data for this chart."

// labelColumn is wide enough for the longest (shortened) label.
func labelColumn(labels []string) float64 {
	n := 0
	for _, l := range labels {
		n = max(n, utf8.RuneCountInString(shorten(l)))
	}
	return min(labelW, max(60, charW*float64(n)+16))
}

// rowY is the top of row r under a header of height head.
func rowY(head float64, r int) float64 { return chartTop + head + float64(r)*rowH }

// rowLabel adds a row's label, right-aligned against the bars.
func (c *chart) rowLabel(labelW, y float64, label string) {
	c.Texts = append(c.Texts, textElem{X: labelW - 8, Y: y + rowH/2 + 4, Anchor: "end",
		Class: "label", Text: shorten(label), Tip: label})
}

// histogramChart draws one row per bucket, with the second series (when any
// bar has one) in its own panel on the right, each panel on its own scale.
func histogramChart(id, title, desc string, bars []Bar, name1, name2 string, u unit) chart {
	c := chart{ID: id, Title: title, Desc: desc, Width: chartWidth}
	if len(bars) == 0 {
		c.Empty = noData
		return c
	}
	two := false
	labels := make([]string, len(bars))
	var max1, max2 float64
	for i, b := range bars {
		labels[i] = b.Label
		max1 = max(max1, finite(b.Value))
		max2 = max(max2, finite(b.Value2))
		two = two || b.Value2 != 0 || b.Text2 != ""
	}
	labelW := labelColumn(labels)
	panels := 1.0
	if two {
		panels = 2
	}
	panelW := (chartWidth - labelW - panels*valueW) / panels
	x2 := labelW + panelW + valueW
	const head = 18.0
	c.Texts = append(c.Texts, textElem{X: labelW, Y: chartTop + 12, Anchor: "start", Class: "axis", Text: name1})
	if two {
		c.Texts = append(c.Texts, textElem{X: x2, Y: chartTop + 12, Anchor: "start", Class: "axis", Text: name2})
	}
	for r, b := range bars {
		y := rowY(head, r)
		c.rowLabel(labelW, y, b.Label)
		c.barRect(labelW, y, scale(finite(b.Value), max1, panelW), paletteColor(0),
			fmt.Sprintf("%s: %s %s", b.Label, u.text(b.Text, b.Value), name1), u.text(b.Text, b.Value))
		if two {
			c.barRect(x2, y, scale(finite(b.Value2), max2, panelW), paletteColor(1),
				fmt.Sprintf("%s: %s %s", b.Label, u.text(b.Text2, b.Value2), name2), u.text(b.Text2, b.Value2))
		}
	}
	c.Height = rowY(head, len(bars)) + chartTop
	c.Note = "Linear scale; each panel is scaled to its own largest bar, and any non-zero value shows at least a sliver."
	return c
}

// barRect adds one bar from x with width w and its value printed after it.
func (c *chart) barRect(x, y, w float64, fill, tip, value string) {
	c.Rects = append(c.Rects, rectElem{X: x, Y: y + (rowH-barH)/2, W: w, H: barH, Fill: fill, Class: "bar", Tip: tip})
	c.Texts = append(c.Texts, textElem{X: x + w + 5, Y: y + rowH/2 + 4, Anchor: "start", Class: "value", Text: value})
}

// waterfallChart draws each size as a bar on the scale of the largest, with
// what it gives back against the first bar (the file) drawn hollow.
func waterfallChart(id, title, desc string, bars []Bar) chart {
	c := chart{ID: id, Title: title, Desc: desc, Width: chartWidth}
	if len(bars) == 0 {
		c.Empty = noData
		return c
	}
	labels := make([]string, len(bars))
	var top float64
	for i, b := range bars {
		labels[i] = b.Label
		top = max(top, finite(b.Value))
	}
	labelW := labelColumn(labels)
	span := chartWidth - labelW - 2*valueW
	first := finite(bars[0].Value)
	for r, b := range bars {
		y := rowY(0, r)
		v := finite(b.Value)
		text := unitBytes.text(b.Text, v)
		w := scale(v, top, span)
		c.rowLabel(labelW, y, b.Label)
		c.Rects = append(c.Rects, rectElem{X: labelW, Y: y + (rowH-barH)/2, W: w, H: barH,
			Fill: paletteColor(r), Class: "bar", Tip: b.Label + ": " + text})
		end := labelW + w
		if r > 0 && first > v {
			saved := scale(first, top, span) - w
			c.Rects = append(c.Rects, rectElem{X: end, Y: y + (rowH-barH)/2, W: saved, H: barH,
				Fill: "#ffffff", Class: "saved", Tip: b.Label + ": gives back " + unitBytes.format(first-v) + " of the file"})
			end += saved
			text += " (−" + unitBytes.format(first-v) + ")"
		}
		c.Texts = append(c.Texts, textElem{X: end + 5, Y: y + rowH/2 + 4, Anchor: "start", Class: "value", Text: text})
	}
	c.Height = rowY(0, len(bars)) + chartTop
	c.Note = "Hollow: the space each step would give back compared with the file as it is."
	return c
}

// stackedChart draws one bar per row made of segments; a Segment label has
// the same colour in every row, shown in the legend.
func stackedChart(id, title, desc string, bars []StackedBar, u unit) chart {
	c := chart{ID: id, Title: title, Desc: desc, Width: chartWidth}
	if len(bars) == 0 {
		c.Empty = noData
		return c
	}
	colour := map[string]int{}
	var order []string
	labels := make([]string, len(bars))
	totals := make([]float64, len(bars))
	var top float64
	for i, b := range bars {
		labels[i] = b.Label
		for _, s := range b.Segments {
			totals[i] += finite(s.Value)
			// Only segments drawn somewhere take a colour and a legend entry.
			if _, ok := colour[s.Label]; !ok && finite(s.Value) > 0 {
				colour[s.Label] = len(order)
				order = append(order, s.Label)
			}
		}
		top = max(top, totals[i])
	}
	labelW := labelColumn(labels)
	span := chartWidth - labelW - valueW
	for r, b := range bars {
		y := rowY(0, r)
		c.rowLabel(labelW, y, b.Label)
		x := labelW
		for _, s := range b.Segments {
			v := finite(s.Value)
			if v == 0 || totals[r] == 0 {
				continue
			}
			w := v / top * span
			c.Rects = append(c.Rects, rectElem{X: x, Y: y + (rowH-barH)/2, W: w, H: barH,
				Fill: paletteColor(colour[s.Label]), Class: "seg",
				Tip: fmt.Sprintf("%s, %s: %s (%.0f%%)", b.Label, s.Label, u.format(v), 100*v/totals[r])})
			x += w
		}
		c.Texts = append(c.Texts, textElem{X: x + 5, Y: y + rowH/2 + 4, Anchor: "start", Class: "value",
			Text: u.text(b.Text, totals[r])})
	}
	items := make([]legendItem, len(order))
	for i, l := range order {
		items[i] = legendItem{Label: l, Fill: paletteColor(i)}
	}
	c.Height = c.legend(rowY(0, len(bars))+6, items) + chartTop
	return c
}

// prefixChart draws each prefix's live and history bytes as one stacked bar
// with its keys and revisions after it.
func prefixChart(id, title, desc string, prefixes []PrefixBar) chart {
	c := chart{ID: id, Title: title, Desc: desc, Width: chartWidth}
	if len(prefixes) == 0 {
		c.Empty = noData
		return c
	}
	labels := make([]string, len(prefixes))
	values := make([]string, len(prefixes))
	var top float64
	valueW := 260.0
	for i, p := range prefixes {
		labels[i] = p.Name
		values[i] = prefixValueText(p)
		top = max(top, float64(p.LiveBytes)+float64(p.HistoryBytes))
		// The largest bar ends where the value column starts: make room
		// for the longest text, whichever row it is on.
		valueW = max(valueW, charW*float64(utf8.RuneCountInString(values[i]))+12)
	}
	labelW := labelColumn(labels)
	span := chartWidth - labelW - valueW
	for r, p := range prefixes {
		y := rowY(0, r)
		c.rowLabel(labelW, y, p.Name)
		live, hist := float64(p.LiveBytes), float64(p.HistoryBytes)
		wl, wh := scale(live, top, span), scale(hist, top, span)
		if wl+wh > span { // both rounded up to a sliver on a full bar
			wh = span - wl
		}
		by := y + (rowH-barH)/2
		c.Rects = append(c.Rects,
			rectElem{X: labelW, Y: by, W: wl, H: barH, Fill: paletteColor(0), Class: "seg",
				Tip: fmt.Sprintf("%s: live %s in %s keys", p.Name, unitBytes.format(live), unitCount.format(float64(p.Keys)))},
			rectElem{X: labelW + wl, Y: by, W: wh, H: barH, Fill: paletteColor(1), Class: "seg",
				Tip: fmt.Sprintf("%s: history %s in %s revisions", p.Name, unitBytes.format(hist), unitCount.format(float64(p.Revisions)))})
		c.Texts = append(c.Texts, textElem{X: labelW + wl + wh + 5, Y: y + rowH/2 + 4, Anchor: "start", Class: "value", Text: values[r]})
	}
	c.Height = c.legend(rowY(0, len(prefixes))+6, []legendItem{
		{Label: "live revisions", Fill: paletteColor(0)},
		{Label: "history (older and deleted revisions)", Fill: paletteColor(1)},
	}) + chartTop
	return c
}

// prefixValueText is what a prefix bar prints after it: bytes, keys,
// revisions and, when known, the share of the file.
func prefixValueText(p PrefixBar) string {
	text := fmt.Sprintf("%s · %s keys · %s revs", unitBytes.format(float64(p.LiveBytes)+float64(p.HistoryBytes)),
		unitCount.format(float64(p.Keys)), unitCount.format(float64(p.Revisions)))
	if f := finite(p.ShareOfFile); f > 0 {
		text += fmt.Sprintf(" · %.1f%% of file", 100*f)
	}
	return text
}

type legendItem struct {
	Label, Fill, Tip string
}

// legend lays out swatches left to right from y, wrapping at the chart's
// width, and returns the y below the legend.
func (c *chart) legend(y float64, items []legendItem) float64 {
	x := 8.0
	for _, it := range items {
		w := 14 + 6 + charW*float64(utf8.RuneCountInString(it.Label)) + 18
		if x > 8 && x+w > c.Width {
			x, y = 8, y+legendRow
		}
		tip := it.Tip
		if tip == "" {
			tip = it.Label
		}
		c.Rects = append(c.Rects, rectElem{X: x, Y: y + 3, W: 14, H: 14, Fill: it.Fill, Class: "swatch", Tip: tip})
		c.Texts = append(c.Texts, textElem{X: x + 20, Y: y + 14, Anchor: "start", Class: "legend", Text: it.Label, Tip: tip})
		x += w
	}
	return y + legendRow
}
