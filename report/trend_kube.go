package report

import (
	"fmt"
	"strings"

	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/report/html"
	"github.com/dbinspect/dbinspect/report/trend"
)

// trendSeqMax is how many files' figures a cell lists in full; longer
// series show the first two and the last three.
const trendSeqMax = 8

// trendSeq is one figure per file, oldest first, joined by arrows.
func trendSeq(vs []int64, f func(int64) string) string {
	var parts []string
	for i, v := range vs {
		if len(vs) > trendSeqMax && i >= 2 && i < len(vs)-3 {
			if i == 2 {
				parts = append(parts, "…")
			}
			continue
		}
		parts = append(parts, f(v))
	}
	return strings.Join(parts, " -> ")
}

// trendKubeKinds is the table of kinds over the series: objects and value
// bytes of each file, and the change from the first to the last.
func trendKubeKinds(k *trend.KubeTrend, max int) *table {
	tb := newTable("kind", ">objects per file", ">change", ">value bytes per file", ">change")
	for i, x := range k.Kinds {
		if i == max {
			tb.add(fmt.Sprintf("... %d more in the JSON output", len(k.Kinds)-max))
			break
		}
		tb.add(kindLabel(mvcc.KubeKind{APIVersion: x.APIVersion, Kind: x.Kind, Hidden: x.Hidden}), trendSeq(x.Objects, count), signed(count(x.ObjectsDelta), x.ObjectsDelta),
			trendSeq(x.ValueBytes, ibytes), signed(ibytes(x.ValueBytesDelta), x.ValueBytesDelta))
	}
	return tb
}

// trendKubeEncryption is the table of each resource's encryption state
// per file: encrypted and plain objects, and the objects under each key.
func trendKubeEncryption(k *trend.KubeTrend, max int) *table {
	tb := newTable("resource", ">objects per file", ">encrypted per file", ">plain per file", "by key, per file")
	for i, r := range k.Resources {
		if i == max {
			tb.add(fmt.Sprintf("... %d more in the JSON output", len(k.Resources)-max))
			break
		}
		var keys []string
		for _, y := range r.Keys {
			keys = append(keys, y.Label()+" "+trendSeq(y.Objects, count))
		}
		tb.add(r.Resource, trendSeq(r.Objects, count), trendSeq(r.Encrypted, count), trendSeq(r.Plain, count), strings.Join(keys, "; "))
	}
	return tb
}

// kubeTrendText is the text's Kubernetes part, when any file has objects.
func kubeTrendText(tw *textWriter, k *trend.KubeTrend) {
	if k == nil {
		return
	}
	tw.heading("Kubernetes objects by kind, per file (live; largest in the last file first)")
	tw.table(trendKubeKinds(k, 20))
	tw.heading("Kubernetes encryption at rest by resource, per file")
	tw.table(trendKubeEncryption(k, 20))
}

// kubeTrendHTML adds the Kubernetes tables and a line chart of the value
// bytes of the largest kinds.
func kubeTrendHTML(v *html.Trend, t *trend.Trend) {
	k := t.Kube
	if k == nil {
		return
	}
	series := make([]html.Series, 0, 6)
	for i, x := range k.Kinds {
		if i == 6 {
			break
		}
		s := html.Series{Name: kindLabel(mvcc.KubeKind{APIVersion: x.APIVersion, Kind: x.Kind, Hidden: x.Hidden})}
		for _, b := range x.ValueBytes {
			s.Values = append(s.Values, float64(b))
		}
		series = append(series, s)
	}
	at := v.Lines[0].Times
	v.Lines = append(v.Lines, html.LineChart{ID: "chart-trend-kinds", Title: "Kubernetes kinds over time",
		Desc: "Live value bytes of the largest Kubernetes kinds in the last file (encrypted objects, whose kind is hidden, count as one).", Times: at, Series: series, Bytes: true})
	kt := htmlTableOf("Kubernetes objects by kind, per file", trendKubeKinds(k, len(k.Kinds)))
	kt.ID = "table-trend-kinds"
	et := htmlTableOf("Kubernetes encryption at rest by resource, per file", trendKubeEncryption(k, len(k.Resources)))
	et.ID = "table-trend-encryption"
	v.Tables = append(v.Tables, kt, et)
}
