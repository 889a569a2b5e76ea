package freelist

import (
	"fmt"
	"strconv"

	"github.com/dustin/go-humanize"
)

// Summary is the one-sentence interpretation the text report prints
// (words, so not in the JSON, which has the figures it is made of).
func (f Fragmentation) Summary() string {
	if f.FreePages == 0 {
		return "The file has no free pages: every new page grows it."
	}
	var lead string
	if r, ok := f.worstMultiPageRun(); ok {
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
		lead, humanize.IBytes(uint64(a.WriteBytes)), humanize.IBytes(uint64(a.GrowthBytes)), f.hashmapGrowth())
}

// worstMultiPageRun is the multi-page size, among those making up at least
// 5% of this db's page demand, whose runs lose the most free space to short
// spans, if it loses a noticeable share.
func (f Fragmentation) worstMultiPageRun() (RunFit, bool) {
	var demand float64
	for _, r := range f.Runs {
		demand += float64(r.RunPages) * float64(r.Nodes)
	}
	var worst RunFit
	for _, r := range f.Runs {
		if r.RunPages > 1 && float64(r.RunPages)*float64(r.Nodes) >= 0.05*demand && r.ShortSpanShare > worst.ShortSpanShare {
			worst = r
		}
	}
	return worst, worst.ShortSpanShare >= 0.1
}

func (f Fragmentation) hashmapGrowth() string {
	h := f.Hashmap
	lo := humanize.IBytes(h.GrowthPagesMin * uint64(f.PageSize))
	if h.GrowthPagesMin == h.GrowthPagesMax {
		return lo
	}
	return fmt.Sprintf("%s to %s over %d seeds", lo, humanize.IBytes(h.GrowthPagesMax*uint64(f.PageSize)), len(h.Replays))
}

// Table returns the array-versus-hashmap comparison as rows of cells, the
// first row being the header, for the text renderer.
func (f Fragmentation) Table() [][]string {
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
		humanize.IBytes(uint64(a.GrowthBytes)), f.hashmapGrowth())
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
