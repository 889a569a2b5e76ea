package pages

import (
	"encoding/binary"
	"fmt"
	"slices"
)

// freelistCountOverflow is bbolt's convention for lists of 0xFFFF ids or
// more: the header count is 0xFFFF and the first u64 holds the real count.
const freelistCountOverflow = 0xFFFF

// decodeFreelist returns the page ids listed on a freelist node (the page
// header and its overflow pages), in the order written. It checks the page
// type and that the count fits in the node.
func decodeFreelist(node []byte) ([]uint64, error) {
	if len(node) < PageHeaderSize {
		return nil, fmt.Errorf("freelist node is %d bytes, shorter than a page header", len(node))
	}
	h := parseHeader(node)
	if h.Flags != FlagFreelist {
		return nil, fmt.Errorf("page type is %s, not freelist", h.Type())
	}
	body := node[PageHeaderSize:]
	n := uint64(h.Count)
	if h.Count == freelistCountOverflow {
		if len(body) < 8 {
			return nil, fmt.Errorf("count 0xFFFF but no room for the real count")
		}
		n = binary.LittleEndian.Uint64(body)
		body = body[8:]
	}
	if n > uint64(len(body))/8 {
		return nil, fmt.Errorf("lists %d ids but the node has room for %d", n, len(body)/8)
	}
	ids := make([]uint64, n)
	for i := range ids {
		ids[i] = binary.LittleEndian.Uint64(body[8*i:])
	}
	return ids, nil
}

// FreelistReport compares the persisted freelist with the free set computed
// by reachability.
type FreelistReport struct {
	Persisted bool   `json:"persisted"` // the meta points to a freelist page
	PageID    uint64 `json:"page_id,omitempty"`
	Pages     int64  `json:"pages,omitempty"` // 1 + overflow of the freelist node
	Readable  bool   `json:"readable"`
	Listed    int64  `json:"listed"` // ids on the page (bbolt's FreePageN when persisted)
	// ListedButReachable are listed free but in use: bbolt would hand them
	// out again and overwrite live data.
	ListedButReachable int64 `json:"listed_but_reachable"`
	// Leaked are neither reachable nor listed: lost until a rebuild.
	Leaked int64 `json:"leaked"`
	// OutOfRange and Duplicates are listed ids outside [2, high-water) and
	// ids listed more than once.
	OutOfRange int64 `json:"out_of_range"`
	Duplicates int64 `json:"duplicates"`
}

// readFreelist reads and checks the persisted freelist node; it marks its
// pages in w.reached. It returns the listed ids (sorted) or nil.
func (w *walker) readFreelist() []uint64 {
	m := w.f.Meta()
	fr := &w.a.Freelist
	fr.Persisted = m.FreelistPersisted()
	if !fr.Persisted {
		return nil
	}
	id := m.Freelist
	fr.PageID = id
	bad := func(format string, args ...any) []uint64 {
		w.a.problem(SeverityError, CodeFreelistBad, id, "", "freelist page: "+format, args...)
		w.a.Complete = false
		return nil
	}
	if id < 2 || id >= w.hwm {
		return bad("id %d is outside [2, %d)", id, w.hwm)
	}
	if id >= w.filePages {
		return bad("past the end of the file")
	}
	hb, err := w.rd.read(id, 1, id+1)
	if err != nil {
		return bad("%v", err)
	}
	h := parseHeader(hb)
	if h.Flags != FlagFreelist {
		w.mark(id, 1, KindUnreadable, -1)
		return bad("page type is %s, not freelist", h.Type())
	}
	n := uint64(h.Overflow) + 1
	if uint64(h.Overflow) >= w.hwm-id {
		w.mark(id, 1, KindUnreadable, -1)
		return bad("overflow %d runs past the high-water mark %d", h.Overflow, w.hwm)
	}
	if id+n > w.filePages {
		w.mark(id, w.filePages-id, KindUnreadable, -1)
		return bad("the freelist runs past the end of the file")
	}
	if n*uint64(w.ps) > maxNodeBytes {
		w.mark(id, n, KindUnreadable, -1)
		return bad("%d pages is too large to read", n)
	}
	buf, err := w.rd.read(id, n, id+n)
	if err != nil {
		return bad("%v", err)
	}
	ids, err := decodeFreelist(buf)
	if err != nil {
		w.mark(id, n, KindUnreadable, -1)
		return bad("%v", err)
	}
	w.mark(id, n, KindFreelist, -1)
	fr.Pages = int64(n)
	fr.Readable = true
	fr.Listed = int64(len(ids))
	slices.Sort(ids) // bbolt sorts on load too
	return ids
}

// compareFreelist checks the listed ids against reachability, after the walk.
func (w *walker) compareFreelist(ids []uint64) {
	fr := &w.a.Freelist
	var listed bitmap
	if fr.Readable {
		listed = newBitmap(w.limit)
	}
	var reachSamples []uint64
	for i, id := range ids {
		switch {
		case id < 2 || id >= w.hwm:
			fr.OutOfRange++
			if fr.OutOfRange == 1 {
				w.a.problem(SeverityError, CodeFreelistRange, fr.PageID, "", "the freelist lists page %d, outside [2, %d)", id, w.hwm)
			}
			continue
		case i > 0 && ids[i-1] == id:
			fr.Duplicates++
			if fr.Duplicates == 1 {
				w.a.problem(SeverityError, CodeFreelistDuplicate, fr.PageID, "", "the freelist lists page %d more than once", id)
			}
			continue
		case id >= w.limit:
			continue // past the end of a truncated file
		}
		listed.set(id)
		if w.reached.get(id) {
			fr.ListedButReachable++
			if len(reachSamples) < 10 {
				reachSamples = append(reachSamples, id)
			}
		}
	}
	if fr.ListedButReachable > 0 {
		w.a.problem(SeverityError, CodeFreelistReachable, reachSamples[0], "",
			"%d pages are listed free but in use (first: %v); bbolt would reuse them and overwrite live data: copy the data out with a tool that walks the tree, or rebuild the freelist (bbolt surgery freelist rebuild) on a copy",
			fr.ListedButReachable, reachSamples)
	}
	if !fr.Readable {
		return
	}
	var first uint64 = NoPage
	for id := uint64(2); id < w.limit; id++ {
		if !w.reached.get(id) && !listed.get(id) {
			fr.Leaked++
			if first == NoPage {
				first = id
			}
		}
	}
	if fr.Leaked > 0 {
		w.a.problem(SeverityWarning, CodeFreelistLeaked, first, "",
			"%d pages are neither in use nor listed free (first: %d); they stay unused until the freelist is rebuilt (a defrag does it)", fr.Leaked, first)
	}
}
