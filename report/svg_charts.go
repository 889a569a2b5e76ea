package report

import (
	"fmt"
	"unicode/utf8"
)

const svgNoData = "Nothing to draw: this file has no data for this chart."

// svgLabelColumn is wide enough for the longest (shortened) label.
func svgLabelColumn(labels []string) float64 {
	n := 0
	for _, l := range labels {
		n = max(n, utf8.RuneCountInString(svgShorten(l)))
	}
	return min(svgLabelW, max(60, svgCharW*float64(n)+16))
}

// svgRowY is the top of row r under a header of height head.
func svgRowY(head float64, r int) float64 { return svgTop + head + float64(r)*svgRowH }

// svgRowLabel adds a row's label, right-aligned against the bars.
func (c *svgChart) svgRowLabel(labelW, y float64, label string) {
	c.Texts = append(c.Texts, svgText{X: labelW - 8, Y: y + svgRowH/2 + 4, Anchor: "end",
		Class: "label", Text: svgShorten(label), Tip: label})
}

// histogramChart draws one row per bucket, with the second series (when any
// bar has one) in its own panel on the right, each panel on its own scale.
func histogramChart(id, title, desc string, bars []bar, name1, name2 string, u svgUnit) svgChart {
	c := svgChart{ID: id, Title: title, Desc: desc, Width: svgWidth}
	if len(bars) == 0 {
		c.Empty = svgNoData
		return c
	}
	two := false
	labels := make([]string, len(bars))
	var max1, max2 float64
	for i, b := range bars {
		labels[i] = b.Label
		max1 = max(max1, svgFinite(b.Value))
		max2 = max(max2, svgFinite(b.Value2))
		two = two || b.Value2 != 0 || b.Text2 != ""
	}
	labelW := svgLabelColumn(labels)
	panels := 1.0
	if two {
		panels = 2
	}
	panelW := (svgWidth - labelW - panels*svgValueW) / panels
	x2 := labelW + panelW + svgValueW
	const head = 18.0
	c.Texts = append(c.Texts, svgText{X: labelW, Y: svgTop + 12, Anchor: "start", Class: "axis", Text: name1})
	if two {
		c.Texts = append(c.Texts, svgText{X: x2, Y: svgTop + 12, Anchor: "start", Class: "axis", Text: name2})
	}
	for r, b := range bars {
		y := svgRowY(head, r)
		c.svgRowLabel(labelW, y, b.Label)
		c.svgBar(labelW, y, svgScale(svgFinite(b.Value), max1, panelW), svgPaletteColor(0),
			fmt.Sprintf("%s: %s %s", b.Label, u.text(b.Text, b.Value), name1), u.text(b.Text, b.Value))
		if two {
			c.svgBar(x2, y, svgScale(svgFinite(b.Value2), max2, panelW), svgPaletteColor(1),
				fmt.Sprintf("%s: %s %s", b.Label, u.text(b.Text2, b.Value2), name2), u.text(b.Text2, b.Value2))
		}
	}
	c.Height = svgRowY(head, len(bars)) + svgTop
	c.Note = "Linear scale; each panel is scaled to its own largest bar, and any non-zero value shows at least a sliver."
	return c
}

// svgBar adds one bar from x with width w and its value printed after it.
func (c *svgChart) svgBar(x, y, w float64, fill, tip, value string) {
	c.Rects = append(c.Rects, svgRect{X: x, Y: y + (svgRowH-svgBarH)/2, W: w, H: svgBarH, Fill: fill, Class: "bar", Tip: tip})
	c.Texts = append(c.Texts, svgText{X: x + w + 5, Y: y + svgRowH/2 + 4, Anchor: "start", Class: "value", Text: value})
}

// waterfallChart draws each size as a bar on the scale of the largest, with
// what it gives back against the first bar (the file) drawn hollow.
func waterfallChart(id, title, desc string, bars []bar) svgChart {
	c := svgChart{ID: id, Title: title, Desc: desc, Width: svgWidth}
	if len(bars) == 0 {
		c.Empty = svgNoData
		return c
	}
	labels := make([]string, len(bars))
	var top float64
	for i, b := range bars {
		labels[i] = b.Label
		top = max(top, svgFinite(b.Value))
	}
	labelW := svgLabelColumn(labels)
	span := svgWidth - labelW - 2*svgValueW
	first := svgFinite(bars[0].Value)
	for r, b := range bars {
		y := svgRowY(0, r)
		v := svgFinite(b.Value)
		text := svgUnitBytes.text(b.Text, v)
		w := svgScale(v, top, span)
		c.svgRowLabel(labelW, y, b.Label)
		c.Rects = append(c.Rects, svgRect{X: labelW, Y: y + (svgRowH-svgBarH)/2, W: w, H: svgBarH,
			Fill: svgPaletteColor(r), Class: "bar", Tip: b.Label + ": " + text})
		end := labelW + w
		if r > 0 && first > v {
			saved := svgScale(first, top, span) - w
			c.Rects = append(c.Rects, svgRect{X: end, Y: y + (svgRowH-svgBarH)/2, W: saved, H: svgBarH,
				Fill: "#ffffff", Class: "saved", Tip: b.Label + ": gives back " + svgUnitBytes.format(first-v) + " of the file"})
			end += saved
			text += " (−" + svgUnitBytes.format(first-v) + ")"
		}
		c.Texts = append(c.Texts, svgText{X: end + 5, Y: y + svgRowH/2 + 4, Anchor: "start", Class: "value", Text: text})
	}
	c.Height = svgRowY(0, len(bars)) + svgTop
	c.Note = "Hollow: the space each step would give back compared with the file as it is."
	return c
}

// stackedChart draws one bar per row made of segments; a segment label has
// the same colour in every row, shown in the legend.
func stackedChart(id, title, desc string, bars []stackedBar, u svgUnit) svgChart {
	c := svgChart{ID: id, Title: title, Desc: desc, Width: svgWidth}
	if len(bars) == 0 {
		c.Empty = svgNoData
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
			totals[i] += svgFinite(s.Value)
			// Only segments drawn somewhere take a colour and a legend entry.
			if _, ok := colour[s.Label]; !ok && svgFinite(s.Value) > 0 {
				colour[s.Label] = len(order)
				order = append(order, s.Label)
			}
		}
		top = max(top, totals[i])
	}
	labelW := svgLabelColumn(labels)
	span := svgWidth - labelW - svgValueW
	for r, b := range bars {
		y := svgRowY(0, r)
		c.svgRowLabel(labelW, y, b.Label)
		x := labelW
		for _, s := range b.Segments {
			v := svgFinite(s.Value)
			if v == 0 || totals[r] == 0 {
				continue
			}
			w := v / top * span
			c.Rects = append(c.Rects, svgRect{X: x, Y: y + (svgRowH-svgBarH)/2, W: w, H: svgBarH,
				Fill: svgPaletteColor(colour[s.Label]), Class: "seg",
				Tip: fmt.Sprintf("%s, %s: %s (%.0f%%)", b.Label, s.Label, u.format(v), 100*v/totals[r])})
			x += w
		}
		c.Texts = append(c.Texts, svgText{X: x + 5, Y: y + svgRowH/2 + 4, Anchor: "start", Class: "value",
			Text: u.text(b.Text, totals[r])})
	}
	items := make([]svgLegendItem, len(order))
	for i, l := range order {
		items[i] = svgLegendItem{Label: l, Fill: svgPaletteColor(i)}
	}
	c.Height = c.svgLegend(svgRowY(0, len(bars))+6, items) + svgTop
	return c
}

// prefixChart draws each prefix's live and history bytes as one stacked bar
// with its keys and revisions after it.
func prefixChart(id, title, desc string, prefixes []prefixBar) svgChart {
	c := svgChart{ID: id, Title: title, Desc: desc, Width: svgWidth}
	if len(prefixes) == 0 {
		c.Empty = svgNoData
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
		valueW = max(valueW, svgCharW*float64(utf8.RuneCountInString(values[i]))+12)
	}
	labelW := svgLabelColumn(labels)
	span := svgWidth - labelW - valueW
	for r, p := range prefixes {
		y := svgRowY(0, r)
		c.svgRowLabel(labelW, y, p.Name)
		live, hist := float64(p.LiveBytes), float64(p.HistoryBytes)
		wl, wh := svgScale(live, top, span), svgScale(hist, top, span)
		if wl+wh > span { // both rounded up to a sliver on a full bar
			wh = span - wl
		}
		by := y + (svgRowH-svgBarH)/2
		c.Rects = append(c.Rects,
			svgRect{X: labelW, Y: by, W: wl, H: svgBarH, Fill: svgPaletteColor(0), Class: "seg",
				Tip: fmt.Sprintf("%s: live %s in %s keys", p.Name, svgUnitBytes.format(live), svgUnitCount.format(float64(p.Keys)))},
			svgRect{X: labelW + wl, Y: by, W: wh, H: svgBarH, Fill: svgPaletteColor(1), Class: "seg",
				Tip: fmt.Sprintf("%s: history %s in %s revisions", p.Name, svgUnitBytes.format(hist), svgUnitCount.format(float64(p.Revisions)))})
		c.Texts = append(c.Texts, svgText{X: labelW + wl + wh + 5, Y: y + svgRowH/2 + 4, Anchor: "start", Class: "value", Text: values[r]})
	}
	c.Height = c.svgLegend(svgRowY(0, len(prefixes))+6, []svgLegendItem{
		{Label: "live revisions", Fill: svgPaletteColor(0)},
		{Label: "history (older and deleted revisions)", Fill: svgPaletteColor(1)},
	}) + svgTop
	return c
}

// prefixValueText is what a prefix bar prints after it: bytes, keys,
// revisions and, when known, the share of the file.
func prefixValueText(p prefixBar) string {
	text := fmt.Sprintf("%s · %s keys · %s revs", svgUnitBytes.format(float64(p.LiveBytes)+float64(p.HistoryBytes)),
		svgUnitCount.format(float64(p.Keys)), svgUnitCount.format(float64(p.Revisions)))
	if f := svgFinite(p.ShareOfFile); f > 0 {
		text += fmt.Sprintf(" · %.1f%% of file", 100*f)
	}
	return text
}

type svgLegendItem struct {
	Label, Fill, Tip string
}

// svgLegend lays out swatches left to right from y, wrapping at the chart's
// width, and returns the y below the legend.
func (c *svgChart) svgLegend(y float64, items []svgLegendItem) float64 {
	x := 8.0
	for _, it := range items {
		w := 14 + 6 + svgCharW*float64(utf8.RuneCountInString(it.Label)) + 18
		if x > 8 && x+w > c.Width {
			x, y = 8, y+svgLegendRow
		}
		tip := it.Tip
		if tip == "" {
			tip = it.Label
		}
		c.Rects = append(c.Rects, svgRect{X: x, Y: y + 3, W: 14, H: 14, Fill: it.Fill, Class: "swatch", Tip: tip})
		c.Texts = append(c.Texts, svgText{X: x + 20, Y: y + 14, Anchor: "start", Class: "legend", Text: it.Label, Tip: tip})
		x += w
	}
	return y + svgLegendRow
}
