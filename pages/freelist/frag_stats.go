package freelist

import (
	"math/bits"
	"sort"

	"github.com/dbinspect/dbinspect/pages"
)

type spanSummary struct {
	pages, largest, singlePages uint64
	histogram                   []SpanBucket
}

// spanStats builds the power-of-two histogram (1, 2-3, 4-7, ...) up to the
// largest span, empty bars included so the shape reads at a glance.
func spanStats(free []pages.Span) spanSummary {
	var st spanSummary
	for _, s := range free {
		st.pages += s.Len
		st.largest = max(st.largest, s.Len)
		if s.Len == 1 {
			st.singlePages++
		}
	}
	if len(free) == 0 {
		return st
	}
	top := bits.Len64(st.largest) // bucket b holds lengths [2^b, 2^(b+1))
	st.histogram = make([]SpanBucket, top)
	for b := range st.histogram {
		st.histogram[b].MinPages = 1 << b
		st.histogram[b].MaxPages = 1<<(b+1) - 1
	}
	for _, s := range free {
		b := bits.Len64(s.Len) - 1
		st.histogram[b].Spans++
		st.histogram[b].Pages += s.Len
	}
	return st
}

// runFits computes, per needed size, the runs the free space serves and
// the pages it cannot use.
func runFits(free []pages.Span, pages uint64, needs []runNeed) []RunFit {
	out := make([]RunFit, 0, len(needs))
	for _, nd := range needs {
		rf := RunFit{RunPages: nd.pages, Nodes: nd.nodes}
		var short uint64
		for _, s := range free {
			rf.Fits += s.Len / nd.pages
			if s.Len < nd.pages {
				short += s.Len
			}
		}
		if pages > 0 {
			rf.ShortSpanShare = float64(short) / float64(pages)
			rf.UnusableShare = float64(pages-rf.Fits*nd.pages) / float64(pages)
		}
		out = append(out, rf)
	}
	return out
}

// needIndex is the fragmentation index (see IndexDefinition).
func needIndex(runs []RunFit) float64 {
	var weight, sum float64
	for _, r := range runs {
		w := float64(r.RunPages) * float64(r.Nodes)
		weight += w
		sum += w * r.UnusableShare
	}
	if weight == 0 {
		return 0
	}
	return sum / weight
}

// arrayRunCosts works out the linear scan in closed form: filling the free
// space with runs of n leaves every span at its remainder L mod n, and each
// allocation scans the remainders before its span plus the n ids it takes.
func arrayRunCosts(free []pages.Span, pages uint64, needs []runNeed) []ArrayRunCost {
	out := make([]ArrayRunCost, 0, len(needs))
	for _, nd := range needs {
		n := nd.pages
		c := ArrayRunCost{RunPages: n, IDsScannedFirst: pages}
		var before, total, fits uint64
		first := true
		for _, s := range free {
			q := s.Len / n
			if q > 0 && first {
				c.IDsScannedFirst = before + n
				first = false
			}
			// q allocations from this span, each after the remainders so far.
			total += q * (before + n)
			fits += q
			before += s.Len % n
		}
		if fits > 0 {
			c.IDsScannedAvg = float64(total) / float64(fits)
		}
		c.IDsScannedWhenFull = before
		out = append(out, c)
	}
	return out
}

// hashmapRunCosts: exact match is one map lookup; otherwise the random-order
// range over freemaps visits (D+1)/(G+1) entries on average; when nothing
// fits it visits every size left, the distinct nonzero remainders L mod n.
func hashmapRunCosts(free []pages.Span, sizes []uint64, needs []runNeed) []HashmapRunCost {
	out := make([]HashmapRunCost, 0, len(needs))
	h := newHashmap(free, 0)
	for _, nd := range needs {
		n := nd.pages
		c := HashmapRunCost{RunPages: n}
		i := sort.Search(len(sizes), func(i int) bool { return sizes[i] >= n })
		d := len(sizes)
		switch {
		case i < d && sizes[i] == n:
			c.ExactMatch = true
			c.SizesVisitedFirst = 1
		case i < d:
			g := d - i
			c.SizesVisitedFirst = float64(d+1) / float64(g+1)
		default:
			c.SizesVisitedFirst = float64(d)
		}
		c.MapWritesFirst = hashmapWritesFirst(h, n)
		rest := map[uint64]struct{}{}
		for _, s := range free {
			if r := s.Len % n; r > 0 {
				rest[r] = struct{}{}
			}
		}
		c.SizesVisitedWhenFull = len(rest)
		out = append(out, c)
	}
	return out
}

// hashmapWritesFirst is the expected map writes of the next allocation of
// n pages from h's spans: taking an exact-size span if there is one,
// else a uniformly chosen larger size, as hashmapModel does.
func hashmapWritesFirst(h *hashmapModel, n uint64) float64 {
	if set, ok := h.bySize[n]; ok && len(set.starts) > 0 {
		return h.allocWrites(n, n)
	}
	larger := h.sizes[h.eligible(n):]
	if len(larger) == 0 {
		return 0
	}
	var sum float64
	for _, size := range larger {
		sum += h.allocWrites(size, n)
	}
	return sum / float64(len(larger))
}
