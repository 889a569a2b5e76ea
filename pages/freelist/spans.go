package freelist

import (
	"sort"

	"github.com/dbinspect/dbinspect/pages"
)

// normalize returns the spans clipped to [lo, hi), sorted by start,
// with empty spans dropped and overlapping or touching spans merged, so the
// result lists the maximal runs. The input is not modified. Spans computed
// from a damaged file can overlap or stray past the high-water mark; every
// model in this package relies on maximal runs.
func normalize(spans []pages.Span, lo, hi uint64) []pages.Span {
	out := make([]pages.Span, 0, len(spans))
	for _, s := range spans {
		start, end := s.Start, s.End()
		if end < start { // wrapped around: hostile length
			end = hi
		}
		start, end = max(start, lo), min(end, hi)
		if start < end {
			out = append(out, pages.Span{Start: start, Len: end - start})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	merged := out[:0]
	for _, s := range out {
		if n := len(merged); n > 0 && s.Start <= merged[n-1].End() {
			if s.End() > merged[n-1].End() {
				merged[n-1].Len = s.End() - merged[n-1].Start
			}
			continue
		}
		merged = append(merged, s)
	}
	return merged
}

// spansFromIDs turns sorted, distinct page ids into maximal runs.
func spansFromIDs(ids []uint64) []pages.Span {
	var out []pages.Span
	for _, id := range ids {
		if n := len(out); n > 0 && out[n-1].End() == id {
			out[n-1].Len++
			continue
		}
		out = append(out, pages.Span{Start: id, Len: 1})
	}
	return out
}

// spanPages is the number of pages the spans cover.
func spanPages(spans []pages.Span) uint64 {
	var n uint64
	for _, s := range spans {
		n += s.Len
	}
	return n
}
