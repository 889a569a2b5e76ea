package report

import (
	"bufio"
	"fmt"
	"io"
	"sort"

	"github.com/dbinspect/dbinspect/internal/termsafe"
)

// pageListColumns head the page list, one row per branch or leaf node
// (its overflow pages with it) and one per run of other pages of one kind
// and bucket, so every page id of the file is in exactly one row.
const pageListColumns = "page\tpages\ttype\tbucket\tdepth\telements\theader_bytes\telement_bytes\tkey_bytes\tvalue_bytes\tfree_bytes"

// WritePageList writes the page list as tab-separated text, in page id
// order: what `bbolt pages` lists, with each node's bytes split into
// header, element table, keys, values and free space. It needs a report
// built with Options.PageList.
func WritePageList(w io.Writer, r *Report) error {
	if r.Analysis == nil || r.Analysis.PageMap == nil || r.PageList == nil {
		return fmt.Errorf("the page list was not collected (build the report with Options.PageList)")
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	fmt.Fprintln(bw, pageListColumns)
	nodes := r.PageList
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].ID < nodes[j].ID })
	pm := r.Analysis.PageMap
	bucket := func(i int32) string {
		if i < 0 || int(i) >= len(r.Analysis.Buckets) {
			return "-"
		}
		if b := r.Analysis.Buckets[i]; !b.IsRoot {
			return termsafe.Name(b.Name) // a tab or newline in it would make a false row
		}
		return "(root)"
	}
	n := uint64(len(pm.Kinds))
	for id, next := uint64(0), 0; id < n; {
		// A node the walk read: one row with its detail.
		if next < len(nodes) && nodes[next].ID == id {
			p := nodes[next]
			next++
			span := 1 + uint64(p.Overflow)
			// Depth counts levels from 1 at the bucket's root, as the
			// bucket table's depth (bbolt's Stats.Depth) does.
			fmt.Fprintf(bw, "%d\t%d\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", id, span, p.Kind, bucket(int32(p.Bucket)), p.Depth+1,
				p.Count, p.HeaderBytes, p.ElementBytes, p.KeyBytes, p.ValueBytes, p.FreeBytes)
			id += span
			continue
		}
		// Any other run: pages of one kind and owner up to the next node.
		end := id + 1
		for end < n && pm.Kinds[end] == pm.Kinds[id] && pm.Buckets[end] == pm.Buckets[id] &&
			(next >= len(nodes) || end < nodes[next].ID) {
			end++
		}
		fmt.Fprintf(bw, "%d\t%d\t%s\t%s\t-\t-\t-\t-\t-\t-\t-\n", id, end-id, pm.Kinds[id], bucket(pm.Buckets[id]))
		id = end
	}
	if pm.Pages > n { // the map stops at the high-water mark; the tail is one run
		fmt.Fprintf(bw, "%d\t%d\t%s\t-\t-\t-\t-\t-\t-\t-\t-\n", n, pm.Pages-n, pm.Kind(n))
	}
	return bw.Flush()
}
