package html

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"fmt"
	"html/template"
	"image"
	"image/color"
	"image/png"
	"math"
	"slices"
	"strconv"
)

// PageMap is every page of the file in order, as runs of pages of one
// class. Pages not covered by any run are drawn as "not classified".
type PageMap struct {
	PageSize uint32
	// Pages is the number of pages the file holds (its size over the page
	// size), including the unallocated tail past the high-water mark.
	Pages   uint64
	Classes []PageClass
	// Runs need not be sorted; overlaps are resolved in favour of the run
	// that starts first, and anything past Pages is ignored.
	Runs []PageRun
}

// PageClass is one colour of the map: a bucket's branch or leaf pages, its
// overflow, meta, freelist, free, or the unallocated tail. Color is
// "#rrggbb"; when empty, "free" classes are red, the names "meta",
// "freelist" and "unallocated" get dark grey, grey and light grey, and the
// others take the palette in order. Free marks the free pages, which the
// downsampled map keeps visible.
type PageClass struct {
	Name  string
	Color string
	Free  bool
}

// PageRun is Len pages from page id Start, all of class Classes[Class].
type PageRun struct {
	Start, Len uint64
	Class      uint8
}

const (
	// pageMapMaxW is the widest the PNG gets, so it shows 1:1 on the page.
	pageMapMaxW = 880
	// pageMapBudget is the most pixels (cells) the map spends on pages;
	// beyond it each pixel covers several pages.
	pageMapBudget = pageMapMaxW * 360
	// pageMapMaxCell is the largest square drawn for one page of a small file.
	pageMapMaxCell = 12
	// pageMapMaxPages bounds what a caller can ask for (a 1 EiB file of 4 KiB
	// pages), so the arithmetic below cannot overflow.
	pageMapMaxPages = 1 << 48
	pageMapAxisW    = 80.0
)

var (
	pageMapFree        = color.NRGBA{0xe0, 0x10, 0x2a, 0xff}
	pageMapUnclassifed = color.NRGBA{0xff, 0xff, 0xff, 0xff}
	pageMapNamed       = map[string]string{"meta": "#212529", "freelist": "#6c757d", "unallocated": "#dee2e6"}
	// Page classes avoid red, which is kept for free pages.
	pageMapPalette = []string{
		"#4c78a8", "#54a24b", "#b279a2", "#72b7b2", "#f58518", "#9d755d",
		"#eeca3b", "#1f77b4", "#2ca02c", "#9467bd", "#17becf", "#bcbd22",
		"#8c564b", "#aec7e8", "#98df8a", "#c5b0d5",
	}
)

// pageMapGeometry is how pages become pixels.
type pageMapGeometry struct {
	perCell    uint64 // pages per cell
	cells      uint64 // cells drawn
	cell       int    // side of a cell in pixels
	cols, rows int    // cells per row, rows
}

func newPageMapGeometry(pages uint64) pageMapGeometry {
	g := pageMapGeometry{perCell: pages / pageMapBudget}
	if pages%pageMapBudget != 0 {
		g.perCell++
	}
	g.perCell = max(g.perCell, 1)
	g.cells = pages / g.perCell
	if pages%g.perCell != 0 {
		g.cells++
	}
	g.cell = 1
	if g.perCell == 1 {
		g.cell = int(min(pageMapMaxCell, max(1, math.Floor(math.Sqrt(float64(pageMapBudget)/float64(g.cells))))))
	}
	g.cols = pageMapMaxW / g.cell
	if g.cells < uint64(g.cols) {
		g.cols = int(g.cells)
	}
	g.rows = int((g.cells + uint64(g.cols) - 1) / uint64(g.cols))
	return g
}

// pageMapColors resolves each class's colour and says which are free.
func pageMapColors(classes []PageClass) ([]color.NRGBA, error) {
	out := make([]color.NRGBA, len(classes))
	next := 0
	for i, c := range classes {
		hex := c.Color
		switch {
		case hex != "":
		case c.Free:
			out[i] = pageMapFree
			continue
		case pageMapNamed[c.Name] != "":
			hex = pageMapNamed[c.Name]
		default:
			hex = pageMapPalette[next%len(pageMapPalette)]
			next++
		}
		col, err := parseHexColor(hex)
		if err != nil {
			return nil, fmt.Errorf("class %q: %w", c.Name, err)
		}
		out[i] = col
	}
	return out, nil
}

func parseHexColor(s string) (color.NRGBA, error) {
	if len(s) != 7 || s[0] != '#' {
		return color.NRGBA{}, fmt.Errorf("colour %q is not #rrggbb", s)
	}
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		return color.NRGBA{}, fmt.Errorf("colour %q is not #rrggbb", s)
	}
	return color.NRGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 0xff}, nil
}

func hexColor(c color.NRGBA) string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

// pageMapSweep calls emit for every cell in order with its page count per
// class (index len(classes) is "not classified"), in time linear in cells
// plus runs.
func pageMapSweep(d PageMap, g pageMapGeometry, emit func(cell uint64, counts []uint64, pages uint64)) {
	runs := slices.Clone(d.Runs)
	slices.SortStableFunc(runs, func(a, b PageRun) int { return cmp.Compare(a.Start, b.Start) })
	unclassified := len(d.Classes)
	counts := make([]uint64, unclassified+1)
	var cur uint64
	flush := func() {
		pages := min(g.perCell, d.Pages-cur*g.perCell)
		var known uint64
		for _, n := range counts[:unclassified] {
			known += n
		}
		counts[unclassified] = pages - known
		emit(cur, counts, pages)
		clear(counts)
		cur++
	}
	var done uint64 // pages before this are drawn: later overlapping runs lose
	for _, r := range runs {
		start, end := max(r.Start, done), d.Pages
		if r.Len < d.Pages-min(r.Start, d.Pages) {
			end = r.Start + r.Len
		}
		class := int(r.Class)
		if class >= unclassified {
			class = unclassified
		}
		for p := start; p < end; {
			cell := p / g.perCell
			for cur < cell {
				flush()
			}
			n := min(end, (cell+1)*g.perCell) - p
			if class < unclassified {
				counts[class] += n
			}
			p += n
		}
		done = max(done, end)
	}
	for cur < g.cells {
		flush()
	}
}

// pageMapPNG draws the map and returns the PNG and the pages per class
// (the last entry is "not classified").
func pageMapPNG(d PageMap, g pageMapGeometry, colors []color.NRGBA) ([]byte, []uint64, error) {
	img := image.NewNRGBA(image.Rect(0, 0, g.cols*g.cell, g.rows*g.cell))
	totals := make([]uint64, len(d.Classes)+1)
	all := append(slices.Clone(colors), pageMapUnclassifed)
	pageMapSweep(d, g, func(cell uint64, counts []uint64, pages uint64) {
		var free uint64
		major, majorN := -1, uint64(0)
		for i, n := range counts {
			totals[i] += n
			if i < len(d.Classes) && d.Classes[i].Free {
				free += n
			} else if n > majorN {
				major, majorN = i, n
			}
		}
		c := pageMapFree
		if major >= 0 {
			c = blend(all[major], pageMapFree, float64(free)/float64(pages))
		}
		x0, y0 := int(cell%uint64(g.cols))*g.cell, int(cell/uint64(g.cols))*g.cell
		for y := y0; y < y0+g.cell; y++ {
			for x := x0; x < x0+g.cell; x++ {
				img.SetNRGBA(x, y, c)
			}
		}
	})
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, nil, err
	}
	return buf.Bytes(), totals, nil
}

// blend mixes a towards b by t in [0, 1].
func blend(a, b color.NRGBA, t float64) color.NRGBA {
	mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(x)*(1-t) + float64(y)*t)) }
	return color.NRGBA{mix(a.R, b.R), mix(a.G, b.G), mix(a.B, b.B), 0xff}
}

// pageMapChart lays the PNG out in an SVG with byte offsets down the left
// and a legend of every class present, with its pages.
func pageMapChart(d PageMap) (chart, error) {
	c := chart{ID: "chart-page-map", Title: "Page map",
		Desc:  "Every page of the file in order, left to right and top to bottom, coloured by what holds it. Free pages are red: scattered red is fragmentation.",
		Width: chartWidth}
	if d.Pages == 0 {
		c.Empty = noData
		return c, nil
	}
	if d.Pages > pageMapMaxPages {
		return c, fmt.Errorf("%d pages is more than any file holds", d.Pages)
	}
	if len(d.Classes) > math.MaxUint8+1 {
		return c, fmt.Errorf("%d page classes; at most 256 fit a PageRun", len(d.Classes))
	}
	colors, err := pageMapColors(d.Classes)
	if err != nil {
		return c, err
	}
	g := newPageMapGeometry(d.Pages)
	pngBytes, totals, err := pageMapPNG(d, g, colors)
	if err != nil {
		return c, err
	}
	w, h := float64(g.cols*g.cell), float64(g.rows*g.cell)
	c.Image = &imageElem{X: pageMapAxisW, Y: chartTop, W: w, H: h,
		Href: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(pngBytes)),
		Tip:  fmt.Sprintf("%s pages of %s", unitCount.format(float64(d.Pages)), unitBytes.format(float64(d.PageSize)))}
	c.Rects = append(c.Rects, rectElem{X: pageMapAxisW - 0.5, Y: chartTop - 0.5, W: w + 1, H: h + 1, Class: "frame"})
	rowBytes := float64(g.perCell) * float64(g.cols) * float64(d.PageSize)
	step := max(1, int(math.Ceil(48/float64(g.cell))))
	for r := 0; r < g.rows; r += step {
		y := chartTop + float64(r*g.cell)
		c.Lines = append(c.Lines, lineElem{X1: pageMapAxisW - 5, Y1: y, X2: pageMapAxisW - 1, Y2: y, Class: "tick"})
		c.Texts = append(c.Texts, textElem{X: pageMapAxisW - 8, Y: y + 9, Anchor: "end", Class: "axis",
			Text: unitBytes.format(float64(r) * rowBytes)})
	}
	var items []legendItem
	for i, n := range totals {
		if n == 0 {
			continue
		}
		name, fill := "not classified", hexColor(pageMapUnclassifed)
		if i < len(d.Classes) {
			name, fill = d.Classes[i].Name, hexColor(colors[i])
		}
		label := fmt.Sprintf("%s: %s", name, unitCount.format(float64(n)))
		items = append(items, legendItem{Label: label, Fill: fill,
			Tip: fmt.Sprintf("%s: %s pages, %s (%.1f%% of the file)", name, unitCount.format(float64(n)),
				unitBytes.format(float64(n)*float64(d.PageSize)), 100*float64(n)/float64(d.Pages))})
	}
	c.Height = c.legend(chartTop+h+10, items) + chartTop
	if g.perCell == 1 {
		square := fmt.Sprintf("Each %d×%d square", g.cell, g.cell)
		if g.cell == 1 {
			square = "Each pixel"
		}
		c.Note = fmt.Sprintf("%s is one page of %s; a row is %s pages (%s). Legend: pages per class.",
			square, unitBytes.format(float64(d.PageSize)), unitCount.format(float64(g.cols)), unitBytes.format(rowBytes))
	} else {
		c.Note = fmt.Sprintf("Each pixel covers %s pages (%s): it shows the most common class among them, mixed towards red by the share of free pages. A row is %s. Legend: pages per class.",
			unitCount.format(float64(g.perCell)), unitBytes.format(float64(g.perCell)*float64(d.PageSize)), unitBytes.format(rowBytes))
	}
	return c, nil
}
