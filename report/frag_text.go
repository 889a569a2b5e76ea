package report

import (
	"fmt"
	"strconv"

	"github.com/dbinspect/dbinspect/pages/freelist"
	"github.com/dustin/go-humanize"
)

// fragSummary is the one-sentence interpretation of the fragmentation the
// text report prints (words, so not in the JSON, which has the figures it
// is made of).
func fragSummary(f freelist.Fragmentation) string {
	if f.FreePages == 0 {
		return "The file has no free pages: every new page grows it."
	}
	var lead string
	if r, ok := f.WorstMultiPageRun(); ok {
		lead = fmt.Sprintf("%s of the %s free pages are in spans shorter than %d pages, so values over about %s (runs of %d pages) cannot reuse them",
			fragPct(r.ShortSpanShare), fragCount(f.FreePages), r.RunPages, humanize.IBytes(uint64(f.PageSize)*(r.RunPages-1)), r.RunPages)
	} else {
		lead = fmt.Sprintf("%s of the %s free pages are in single-page spans (largest span %s pages), and this db's node sizes can use %s of them",
			fragPct(f.SinglePageShare), fragCount(f.FreePages), fragCount(f.LargestSpanPages), fragPct(1-f.Index))
	}
	a, h := f.Array.Replay, f.Hashmap
	if a.GrowthPages == h.GrowthPagesMin && a.GrowthPages == h.GrowthPagesMax {
		return fmt.Sprintf("%s; writing %s more of this db's mix grows the file by %s under either freelist and leaves a largest free span of %s pages with array, %s with hashmap.",
			lead, humanize.IBytes(uint64(a.WriteBytes)), humanize.IBytes(uint64(a.GrowthBytes)),
			fragCount(a.EndLargest), fragIntRange(int(h.EndLargestMin), int(h.EndLargestMax)))
	}
	return fmt.Sprintf("%s; writing %s more of this db's mix grows the file by %s with the array freelist and by %s with hashmap.",
		lead, humanize.IBytes(uint64(a.WriteBytes)), humanize.IBytes(uint64(a.GrowthBytes)), fragHashmapGrowth(f))
}

func fragHashmapGrowth(f freelist.Fragmentation) string {
	h := f.Hashmap
	lo := humanize.IBytes(h.GrowthPagesMin * uint64(f.PageSize))
	if h.GrowthPagesMin == h.GrowthPagesMax {
		return lo
	}
	return fmt.Sprintf("%s to %s over %d seeds", lo, humanize.IBytes(h.GrowthPagesMax*uint64(f.PageSize)), len(h.Replays))
}

// fragTable is the array-versus-hashmap comparison as rows of cells, the
// first row being the header, for the text and HTML renderers.
func fragTable(f freelist.Fragmentation) [][]string {
	rows := [][]string{{"", "array", "hashmap"}}
	add := func(label, a, h string) { rows = append(rows, []string{label, a, h}) }
	add("placement", "lowest run that fits", "exact size, else any larger span, split")
	for i, r := range f.Runs {
		ac, hc := f.Array.Runs[i], f.Hashmap.Runs[i]
		add(fmt.Sprintf("%d-page runs before growth", r.RunPages), fragCount(r.Fits), fragCount(r.Fits))
		add(fmt.Sprintf("work per %d-page run", r.RunPages),
			fmt.Sprintf("%s ids scanned (avg %s filling)", fragCount(ac.IDsScannedFirst), fragCount(uint64(ac.IDsScannedAvg+0.5))),
			fmt.Sprintf("%s sizes visited, %s map writes", strconv.FormatFloat(hc.SizesVisitedFirst, 'f', 1, 64), strconv.FormatFloat(hc.MapWritesFirst, 'f', 1, 64)))
	}
	add("freelist memory", humanize.IBytes(uint64(f.Array.MemoryBytes)), humanize.IBytes(uint64(f.Hashmap.MemoryBytes)))
	a, h := f.Array.Replay, f.Hashmap
	add(fmt.Sprintf("growth after writing %s", humanize.IBytes(uint64(a.WriteBytes))),
		humanize.IBytes(uint64(a.GrowthBytes)), fragHashmapGrowth(f))
	add("free spans after replay", strconv.Itoa(a.EndSpans), fragIntRange(h.EndSpansMin, h.EndSpansMax))
	add("largest span after replay", fragCount(a.EndLargest), fragIntRange(int(h.EndLargestMin), int(h.EndLargestMax)))
	add("fragmentation index after replay", fmt.Sprintf("%.2f", a.EndIndex), fragFloatRange(h.EndIndexMin, h.EndIndexMax))
	return rows
}

func fragPct(x float64) string { return fmt.Sprintf("%.0f%%", 100*x) }

func fragCount(n uint64) string { return humanize.Comma(int64(n)) }

func fragIntRange(lo, hi int) string {
	if lo == hi {
		return humanize.Comma(int64(lo))
	}
	return humanize.Comma(int64(lo)) + "–" + humanize.Comma(int64(hi))
}

func fragFloatRange(lo, hi float64) string {
	if fmt.Sprintf("%.2f", lo) == fmt.Sprintf("%.2f", hi) {
		return fmt.Sprintf("%.2f", lo)
	}
	return fmt.Sprintf("%.2f–%.2f", lo, hi)
}
