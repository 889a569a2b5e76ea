package pages

import (
	"slices"
)

// finish computes what follows from the walk: free pages and their runs,
// the unallocated tail, missing pages of a truncated file, in-use bytes,
// fill ratios.
func (w *walker) finish() {
	a := w.a
	ps := int64(w.ps)
	var free []Span
	for id := uint64(2); id < w.limit; id++ {
		if w.reached.get(id) {
			continue
		}
		w.counts[KindFree]++
		if n := len(free); n > 0 && free[n-1].End() == id {
			free[n-1].Len++
		} else {
			free = append(free, Span{Start: id, Len: 1})
		}
	}
	a.Free = slices.Clip(free)

	c := &a.Pages.ByType
	c.Meta = w.counts[KindMeta]
	c.Freelist = w.counts[KindFreelist]
	c.Branch = w.counts[KindBranch]
	c.Leaf = w.counts[KindLeaf]
	c.Overflow = w.counts[KindOverflow]
	c.Free = w.counts[KindFree]
	c.Unreadable = w.counts[KindUnreadable]
	c.Unallocated = int64(w.filePages - w.limit)
	if w.hwm > w.filePages {
		c.Missing = int64(min(w.hwm-w.filePages, 1<<62))
	}
	p := &a.Pages
	p.Total = int64(w.filePages)
	p.TailBytes = w.f.size % ps
	p.Reachable = c.Branch + c.Leaf + c.Overflow
	if hb, ok := w.f.highWaterBytes(); ok {
		p.HighWaterBytes = int64(hb)
	}
	freePageN := c.Free
	if a.Freelist.Readable {
		freePageN = a.Freelist.Listed
	}
	p.FreeBytes = freePageN * ps
	p.InUseBytes = p.HighWaterBytes - p.FreeBytes

	for i := range a.Buckets {
		b := &a.Buckets[i]
		if b.AllocBytes > 0 {
			b.FillRatio = float64(b.UsedBytes) / float64(b.AllocBytes)
		}
	}
	w.truncation()
	if w.opts.Progress != nil {
		total := int64(w.limit * w.ps)
		w.opts.Progress(total, total)
	}
}

// truncation reports a file that ends before its high-water mark, with the
// buckets that lost pages.
func (w *walker) truncation() {
	a := w.a
	hb, ok := w.f.highWaterBytes()
	if !ok {
		a.Complete = false
		a.problem(SeverityError, CodeMetaBadPointer, uint64(w.f.used), "", "the high-water mark %d times the page size %d is beyond any file size: the meta page is damaged", w.hwm, w.ps)
		return
	}
	if int64(hb) <= w.f.size {
		return
	}
	t := &Truncation{ExpectedBytes: int64(hb), ActualBytes: w.f.size, MissingBytes: int64(hb) - w.f.size, AffectedBuckets: []string{}}
	for i := range a.Buckets {
		n := w.missing[int32(i)]
		if n == 0 {
			continue
		}
		b := &a.Buckets[i]
		b.MissingPages = n
		name := b.Name
		if b.IsRoot {
			name = "(root)"
		}
		t.AffectedBuckets = append(t.AffectedBuckets, name)
	}
	a.Truncation = t
	a.Complete = false
	a.problem(SeverityError, CodeTruncated, NoPage, "",
		"the file is %d bytes but its high-water mark needs %d: %d bytes are missing (buckets affected: %v); the copy was cut short, copy the file again or use a snapshot",
		w.f.size, hb, t.MissingBytes, t.AffectedBuckets)
}
