package report

import (
	"bytes"
	"fmt"
	"io"
	"time"

	"github.com/dbinspect/dbinspect/report/html"
	"github.com/dbinspect/dbinspect/report/trend"
)

// WriteTrendHTML writes the trend as one self-contained page: the summary,
// findings, line charts of the sizes and of the top-growing prefixes over
// time, the tables of the text output, and the JSON document.
func WriteTrendHTML(w io.Writer, t *trend.Trend) error {
	dir, name := trendNames(t)
	v := html.Trend{Title: "dbinspect trend"}
	if dir != "" {
		v.Title += ": " + dir
	}
	var times []time.Time
	size, inUse, history := html.Series{Name: "db size"}, html.Series{Name: "in use"}, html.Series{Name: "history bytes"}
	for _, m := range t.Members {
		times = append(times, m.Time)
		size.Values = append(size.Values, float64(m.DbSizeBytes))
		inUse.Values = append(inUse.Values, float64(m.InUseBytes))
		history.Values = append(history.Values, float64(m.HistoryBytes))
	}
	o := t.Overall
	if len(t.Members) > 0 {
		v.Subtitle = fmt.Sprintf("%d files from %s to %s (%.1f days), cluster %s", len(t.Members),
			trendDay(t.Members[0].Time), trendDay(t.Members[len(t.Members)-1].Time), o.Days, t.Cluster)
	}
	v.Summary = append(v.Summary,
		html.KV{Label: "revisions", Value: fmt.Sprintf("%s (%s a day)", signed(count(o.RevisionDelta), o.RevisionDelta), perDayText(o.RevisionsPerDay, count))},
		html.KV{Label: "db size", Value: fmt.Sprintf("%s (%s)", signed(ibytes(o.DbSizeDelta), o.DbSizeDelta), perDayText(trendPerDay(o.DbSizeDelta, o.Days), ibytes)+" a day")},
		html.KV{Label: "in use", Value: signed(ibytes(o.InUseDelta), o.InUseDelta)},
		html.KV{Label: "live keys", Value: signed(count(o.LiveKeysDelta), o.LiveKeysDelta)},
		html.KV{Label: "compactions, defrags", Value: fmt.Sprintf("%d, %d", o.Compactions, o.Defrags)},
	)
	if t.Options.QuotaDisabled {
		v.Summary = append(v.Summary, html.KV{Label: "quota", Value: trendQuotaDisabled})
	}
	for _, p := range t.Project {
		label := "quota " + ibytes(p.TargetBytes)
		if p.Target != "quota" {
			label = ibytes(p.TargetBytes)
		}
		text := "reached"
		switch {
		case p.Reached:
		case p.At == nil:
			text = "not reached (" + p.Note + ")"
		case p.Fit.Points < 3:
			text = "around " + trendDate(p.At) + " (" + p.Note + ")"
		default:
			text = fmt.Sprintf("around %s, between %s and %s (fit over %d files: %s a day ± %s, R² %.2f; the range is the slope ± 2 standard errors)",
				trendDate(p.At), trendDate(p.Earliest), trendDate(p.Latest), p.Fit.Points, ibytesf(p.Fit.Slope), ibytesf(p.Fit.SlopeSE), p.Fit.R2)
		}
		v.Summary = append(v.Summary, html.KV{Label: label, Value: text})
	}
	for _, f := range t.Findings {
		v.Findings = append(v.Findings, html.Finding{Severity: f.Severity, Code: f.Code, Message: f.Message, Advice: f.Advice})
	}
	var prefixes []html.Series
	for i, p := range t.Prefixes.ByBytes {
		if i == 6 {
			break
		}
		s := html.Series{Name: p.Prefix}
		for _, b := range p.Bytes {
			s.Values = append(s.Values, float64(b))
		}
		prefixes = append(prefixes, s)
	}
	v.Lines = []html.LineChart{
		{ID: "chart-trend-size", Title: "Size over time",
			Desc:  "etcd's db size (what the quota counts), the bytes in use (without free pages), and the history bytes (older and deleted revisions), per file.",
			Times: times, Series: []html.Series{size, inUse, history}, Bytes: true},
		{ID: "chart-trend-prefixes", Title: "Top growing prefixes over time",
			Desc: "Key-bucket bytes (live and history) of the prefixes that grew most from the first file to the last.", Times: times, Series: prefixes, Bytes: true},
	}
	series := html.Table{ID: "table-series", Caption: "Series, in revision order",
		Header:  []string{"file", "time", "revision", "rev/day", "compacted at", "db size", "in use", "live keys", "history", "events"},
		Numeric: []bool{false, false, true, true, true, true, true, true, true, false}}
	for i, m := range t.Members {
		rate, ev := "", ""
		if i > 0 {
			s := t.Steps[i-1]
			rate = perDayText(s.RevisionsPerDay, count)
			ev = trendStepEvents(s)
		}
		series.Rows = append(series.Rows, []string{name(m.Given), trendDay(m.Time) + " (" + m.TimeSource + ")", count(m.Revision), rate,
			count(m.CompactRevision), ibytes(m.DbSizeBytes), ibytes(m.InUseBytes), count(m.LiveKeys), ibytes(m.HistoryBytes), ev})
	}
	v.Tables = append(v.Tables, series, trendPrefixHTMLTable("table-trend-bytes", "Top growing prefixes by bytes", t.Prefixes.ByBytes),
		trendPrefixHTMLTable("table-trend-keys", "Top growing prefixes by live keys", t.Prefixes.ByKeys))
	kubeTrendHTML(&v, t)
	if len(t.Failed)+len(t.Excluded) > 0 {
		nt := html.Table{ID: "table-not-trended", Caption: "Not trended", Header: []string{"file", "why"}}
		for _, f := range append(append([]trend.Failure{}, t.Failed...), t.Excluded...) {
			nt.Rows = append(nt.Rows, []string{f.Given, f.Reason})
		}
		v.Tables = append(v.Tables, nt)
	}
	var js bytes.Buffer
	if err := WriteTrendJSON(&js, t); err != nil {
		return err
	}
	v.JSON = js.Bytes()
	return html.WriteTrend(w, v)
}

func trendPerDay(delta int64, days float64) *float64 {
	if !(days > 0) {
		return nil
	}
	v := float64(delta) / days
	return &v
}

func trendStepEvents(s trend.Step) string {
	out := ""
	for _, e := range []struct {
		on   bool
		name string
	}{{s.Compacted, "compacted"}, {s.Defragmented, "defragmented"}, {s.RevisionBack, "revision went back"}} {
		if e.on {
			if out != "" {
				out += ", "
			}
			out += e.name
		}
	}
	return out
}

func trendPrefixHTMLTable(id, caption string, ps []trend.PrefixTrend) html.Table {
	tb := html.Table{ID: id, Caption: caption, Header: []string{"prefix", "bytes", "change", "a day", "live keys", "change", "a day"},
		Numeric: []bool{false, true, true, true, true, true, true}}
	for _, p := range ps {
		tb.Rows = append(tb.Rows, []string{p.Prefix, ibytes(p.BytesFirst) + " → " + ibytes(p.BytesLast), signed(ibytes(p.BytesDelta), p.BytesDelta),
			perDayText(p.BytesPerDay, ibytes), count(p.KeysFirst) + " → " + count(p.KeysLast), signed(count(p.KeysDelta), p.KeysDelta), perDayText(p.KeysPerDay, count)})
	}
	return tb
}
