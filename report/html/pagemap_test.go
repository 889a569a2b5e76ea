package html

import (
	"bytes"
	"encoding/binary"
	"image/color"
	"image/png"
	"math"
	"slices"
	"testing"
)

// sweepTotals runs the sweep and returns pages per class (last:
// unclassified), checking the cells come once each, in order.
func pageMapSweepTotals(t testing.TB, d PageMap) []uint64 {
	g := newPageMapGeometry(d.Pages)
	totals := make([]uint64, len(d.Classes)+1)
	var next uint64
	pageMapSweep(d, g, func(cell uint64, counts []uint64, pages uint64) {
		if cell != next {
			t.Fatalf("cell %d emitted, want %d", cell, next)
		}
		next++
		var sum uint64
		for i, n := range counts {
			totals[i] += n
			sum += n
		}
		if sum != pages || pages == 0 || pages > g.perCell {
			t.Fatalf("cell %d: counts add to %d of %d pages (%d per cell)", cell, sum, pages, g.perCell)
		}
	})
	if next != g.cells {
		t.Fatalf("%d cells emitted, want %d", next, g.cells)
	}
	return totals
}

func TestPageMapSweep(t *testing.T) {
	three := []PageClass{{Name: "a"}, {Name: "free", Free: true}, {Name: "b"}}
	tests := []struct {
		name  string
		pages uint64
		runs  []PageRun
		want  []uint64 // a, free, b, unclassified
	}{
		{"in order", 10, []PageRun{{0, 2, 0}, {2, 3, 1}, {5, 5, 2}}, []uint64{2, 3, 5, 0}},
		{"unsorted, overlapping: first start wins", 10, []PageRun{{5, 5, 2}, {0, 6, 0}}, []uint64{6, 0, 4, 0}},
		{"gaps are unclassified", 10, []PageRun{{2, 3, 0}}, []uint64{3, 0, 0, 7}},
		{"past the end and huge lengths are clipped", 10, []PageRun{{8, math.MaxUint64, 2}, {20, 5, 0}, {math.MaxUint64, math.MaxUint64, 1}}, []uint64{0, 0, 2, 8}},
		{"unknown class is unclassified", 4, []PageRun{{0, 4, 9}}, []uint64{0, 0, 0, 4}},
		{"zero-length runs", 4, []PageRun{{1, 0, 0}, {0, 4, 2}}, []uint64{0, 0, 4, 0}},
		{"downsampled", pageMapBudget*4 + 3, []PageRun{{0, pageMapBudget, 0}, {pageMapBudget, pageMapBudget, 1}, {2 * pageMapBudget, math.MaxUint64, 2}},
			[]uint64{pageMapBudget, pageMapBudget, 2*pageMapBudget + 3, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := pageMapSweepTotals(t, PageMap{PageSize: 4096, Pages: tt.pages, Classes: three, Runs: tt.runs})
			if !slices.Equal(got, tt.want) {
				t.Errorf("pages per class = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPageMapGeometry(t *testing.T) {
	tests := []struct {
		pages            uint64
		perCell          uint64
		cell, cols, rows int
	}{
		{1, 1, pageMapMaxCell, 1, 1},
		{100, 1, pageMapMaxCell, 73, 2},                     // 880/12 = 73 per row
		{16384, 1, 4, 220, 75},                              // sqrt(316800/16384) = 4.4
		{pageMapBudget, 1, 1, pageMapMaxW, 360},             // one pixel a page, full
		{pageMapBudget + 1, 2, 1, pageMapMaxW, 181},         // two pages a pixel
		{8 << 30 / 4096, 7, 1, pageMapMaxW, 341},            // 8 GiB of 4 KiB pages
		{pageMapMaxPages, 888_494_245, 1, pageMapMaxW, 360}, // the largest accepted
		{pageMapBudget * 1000, 1000, 1, pageMapMaxW, 360},   // exact multiple
		{pageMapBudget*1000 + 1, 1001, 1, pageMapMaxW, 360}, // just over: 316,484 cells
	}
	for _, tt := range tests {
		g := newPageMapGeometry(tt.pages)
		if g.perCell != tt.perCell || g.cell != tt.cell || g.cols != tt.cols || g.rows != tt.rows {
			t.Errorf("%d pages: per cell %d, cell %d, %dx%d; want %d, %d, %dx%d",
				tt.pages, g.perCell, g.cell, g.cols, g.rows, tt.perCell, tt.cell, tt.cols, tt.rows)
		}
		if uint64(g.cols*g.rows) < g.cells || g.cols*g.cell > pageMapMaxW || g.cols*g.rows*g.cell*g.cell > pageMapBudget+pageMapMaxW*pageMapMaxCell {
			t.Errorf("%d pages: %d cells do not fit %dx%d cells of %d px within the budget", tt.pages, g.cells, g.cols, g.rows, g.cell)
		}
	}
}

// TestPageMapPNGColours decodes the PNG and checks the pixels: one class
// colour per page at full resolution, and the blend towards red for cells
// that cover free and used pages.
func TestPageMapPNGColours(t *testing.T) {
	classes := []PageClass{{Name: "key leaf", Color: "#102030"}, {Name: "free", Free: true}, {Name: "meta"}}
	meta, _ := parseHexColor(pageMapNamed["meta"])
	used := color.NRGBA{0x10, 0x20, 0x30, 0xff}
	tests := []struct {
		name  string
		pages uint64
		runs  []PageRun
		// pixel (x, y) of the image → colour
		want map[[2]int]color.NRGBA
	}{
		{"one page a square", 4, []PageRun{{0, 1, 2}, {1, 1, 0}, {2, 1, 1}},
			map[[2]int]color.NRGBA{{0, 0}: meta, {pageMapMaxCell, 0}: used, {2 * pageMapMaxCell, 0}: pageMapFree,
				{3*pageMapMaxCell + 1, pageMapMaxCell - 1}: pageMapUnclassifed}},
		{"half free cell blends halfway", pageMapBudget * 4, []PageRun{{0, 2, 0}, {2, 2, 1}, {4, 4, 1}, {8, 3, 0}, {11, 1, 1}},
			map[[2]int]color.NRGBA{{0, 0}: blend(used, pageMapFree, 0.5), {1, 0}: pageMapFree, {2, 0}: blend(used, pageMapFree, 0.25),
				{3, 0}: pageMapUnclassifed}},
		{"majority wins among used classes", pageMapBudget * 4, []PageRun{{0, 3, 2}, {3, 1, 0}},
			map[[2]int]color.NRGBA{{0, 0}: meta}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := PageMap{PageSize: 4096, Pages: tt.pages, Classes: classes, Runs: tt.runs}
			colors, err := pageMapColors(classes)
			if err != nil {
				t.Fatal(err)
			}
			data, _, err := pageMapPNG(d, newPageMapGeometry(d.Pages), colors)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			for xy, want := range tt.want {
				if got := color.NRGBAModel.Convert(img.At(xy[0], xy[1])).(color.NRGBA); got != want {
					t.Errorf("pixel %v = %v, want %v", xy, got, want)
				}
			}
		})
	}
}

func TestPageMapColours(t *testing.T) {
	got, err := pageMapColors([]PageClass{{Name: "x"}, {Name: "free", Free: true}, {Name: "unallocated"}, {Name: "y"}, {Name: "z", Color: "#ABCDEF"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{pageMapPalette[0], hexColor(pageMapFree), pageMapNamed["unallocated"], pageMapPalette[1], "#abcdef"}
	for i := range want {
		if hexColor(got[i]) != want[i] {
			t.Errorf("class %d colour %s, want %s", i, hexColor(got[i]), want[i])
		}
	}
	for _, bad := range []string{"red", "#12345", "#1234567", "#gg0000", "#-12345"} {
		if _, err := parseHexColor(bad); err == nil {
			t.Errorf("colour %q accepted", bad)
		}
	}
}

// FuzzPageMapSweep feeds arbitrary runs: every page is counted exactly once,
// whatever the runs claim.
func FuzzPageMapSweep(f *testing.F) {
	f.Add(uint64(10), []byte{0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 1})
	f.Add(uint64(pageMapBudget*3+7), bytes.Repeat([]byte{0xff}, 34))
	f.Fuzz(func(t *testing.T, pages uint64, raw []byte) {
		pages %= pageMapMaxPages + 1
		classes := []PageClass{{Name: "a"}, {Name: "free", Free: true}}
		var runs []PageRun
		for ; len(raw) >= 17; raw = raw[17:] {
			runs = append(runs, PageRun{Start: binary.LittleEndian.Uint64(raw), Len: binary.LittleEndian.Uint64(raw[8:]), Class: raw[16]})
		}
		d := PageMap{PageSize: 4096, Pages: pages, Classes: classes, Runs: runs}
		if pages == 0 {
			return
		}
		var sum uint64
		for _, n := range pageMapSweepTotals(t, d) {
			sum += n
		}
		if sum != pages {
			t.Fatalf("%d pages counted, file has %d", sum, pages)
		}
	})
}

// BenchmarkPageMapFragmented8GiB draws an 8 GiB file of 4 KiB pages with a
// free page after every three used ones: a million runs.
func BenchmarkPageMapFragmented8GiB(b *testing.B) {
	const pages = 8 << 30 / 4096
	d := PageMap{PageSize: 4096, Pages: pages, Classes: []PageClass{{Name: "key leaf"}, {Name: "free", Free: true}}}
	for p := uint64(0); p < pages; p += 4 {
		d.Runs = append(d.Runs, PageRun{Start: p, Len: 3, Class: 0}, PageRun{Start: p + 3, Len: 1, Class: 1})
	}
	b.ResetTimer()
	for b.Loop() {
		c, err := pageMapChart(d)
		if err != nil || c.Image == nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(c.Image.Href)), "uri-bytes")
	}
}
