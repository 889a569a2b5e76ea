package report

import (
	"strings"

	"github.com/dbinspect/dbinspect/report/html"
	"github.com/dbinspect/dbinspect/report/predict"
)

// notIncludedTitle heads the list of memory the file cannot tell, in text
// and HTML alike.
const notIncludedTitle = "Memory not included: what a live member holds that no db file can tell; measure it on the member"

// notIncludedRows is that list as rows (part, why, metrics, command): the
// one view of predict.MemoryNotIncluded the text and HTML draw (the JSON
// has the same fields in predict.memory_not_included).
func notIncludedRows(ns []predict.NotIncluded) [][4]string {
	rows := make([][4]string, 0, len(ns))
	for _, n := range ns {
		rows = append(rows, [4]string{n.Part, n.Why, strings.Join(n.Metrics, ", "), n.Command})
	}
	return rows
}

func (t *textWriter) notIncluded(ns []predict.NotIncluded) {
	if len(ns) == 0 {
		return
	}
	t.printf("\n  %s\n", notIncludedTitle)
	for _, r := range notIncludedRows(ns) {
		t.printf("  - %s: %s\n      metrics: %s\n      read:    %s\n", r[0], r[1], r[2], r[3])
	}
}

func notIncludedHTMLTable(ns []predict.NotIncluded) html.Table {
	tb := html.Table{Caption: notIncludedTitle, Header: []string{"part", "why it is not in the file", "metrics", "read them"}}
	for _, r := range notIncludedRows(ns) {
		tb.Rows = append(tb.Rows, r[:])
	}
	return tb
}
