package pages

// A Span is a run of contiguous page ids [Start, Start+Len).
// Free space is kept as spans, not ids, so memory follows the number of
// runs rather than the number of free pages.
type Span struct {
	Start uint64 `json:"start"`
	Len   uint64 `json:"len"`
}

// End is the first page id after the span.
func (s Span) End() uint64 { return s.Start + s.Len }
