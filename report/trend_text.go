package report

import (
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/dbinspect/dbinspect/internal/english"
	"github.com/dbinspect/dbinspect/internal/termsafe"
	"github.com/dbinspect/dbinspect/report/findings"
	"github.com/dbinspect/dbinspect/report/trend"
)

// TrendDocument is the JSON document of 'dbinspect trend' (docs/json-schema.md).
type TrendDocument struct {
	SchemaVersion int      `json:"schema_version"`
	Tool          ToolInfo `json:"tool"`
	*trend.Trend
}

// WriteTrendJSON writes the trend as JSON.
func WriteTrendJSON(w io.Writer, t *trend.Trend) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(TrendDocument{SchemaVersion: SchemaVersion, Tool: ToolInfo{Name: "dbinspect", Version: Version}, Trend: t})
}

// TrendFindings are the trend's findings as report findings (for --fail-on).
func TrendFindings(t *trend.Trend) []findings.Finding {
	out := []findings.Finding{}
	for _, f := range t.Findings {
		out = append(out, findings.Finding{Severity: f.Severity, Code: f.Code, Message: f.Message, Evidence: f.Evidence, Advice: f.Advice})
	}
	return out
}

func trendDay(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") }

func trendDate(t *time.Time) string {
	if t == nil {
		return "never at that slope"
	}
	return t.UTC().Format("2006-01-02")
}

func perDayText(v *float64, f func(int64) string) string {
	if v == nil {
		return "-"
	}
	s := f(int64(*v))
	if *v > 0 {
		s = "+" + s
	}
	return s
}

// WriteTrendText writes the trend for people: one table of the series, the
// events, the top-growing prefixes, the projection and the findings.
func WriteTrendText(w io.Writer, t *trend.Trend, color bool) error {
	tw := &textWriter{w: w, color: color}
	o := t.Overall
	dir, name := trendNames(t)
	tw.printf("dbinspect %s trend: %s trended", Version, english.Plural(len(t.Members), "file"))
	if dir != "" {
		tw.printf(" in %s", termsafe.Name(dir))
	}
	if len(t.Members) > 0 {
		tw.printf(", %s to %s (%.1f days)", trendDay(t.Members[0].Time), trendDay(t.Members[len(t.Members)-1].Time), o.Days)
	}
	if t.Cluster != "" {
		tw.printf(", cluster %s", t.Cluster)
	}
	tw.printf("\n")

	tw.heading("Series (in revision order; each row's changes are from the row above)")
	tb := newTable("file", "time", ">revision", ">rev/day", ">compacted at", ">db size", ">in use", ">live keys", ">history", "events")
	for i, m := range t.Members {
		rate, ev := "", ""
		if i > 0 {
			s := t.Steps[i-1]
			rate = perDayText(s.RevisionsPerDay, count)
			var evs []string
			if s.Compacted {
				evs = append(evs, "compacted")
			}
			if s.Defragmented {
				evs = append(evs, "defragmented")
			}
			if s.RevisionBack {
				evs = append(evs, "revision went back")
			}
			ev = strings.Join(evs, ", ")
		}
		if m.Partial != "" {
			ev = strings.TrimPrefix(ev+", partial", ", ")
		}
		tb.add(termsafe.Name(name(m.Given)), trendDay(m.Time)+" ("+m.TimeSource+")", count(m.Revision), rate, count(m.CompactRevision),
			ibytes(m.DbSizeBytes), ibytes(m.InUseBytes), count(m.LiveKeys), ibytes(m.HistoryBytes), ev)
	}
	tw.table(tb)
	if len(t.Members) > 1 {
		tw.printf("  overall: %s revisions (%s a day), db size %s, in use %s, live keys %s, history %s; %s, %s\n",
			signed(count(o.RevisionDelta), o.RevisionDelta), perDayText(o.RevisionsPerDay, count),
			signed(ibytes(o.DbSizeDelta), o.DbSizeDelta), signed(ibytes(o.InUseDelta), o.InUseDelta),
			signed(count(o.LiveKeysDelta), o.LiveKeysDelta), signed(ibytes(o.HistoryDelta), o.HistoryDelta), english.Plural(o.Compactions, "compaction"), english.Plural(o.Defrags, "defrag"))
	}
	for _, m := range t.Members {
		if m.Partial != "" {
			tw.printf("  PARTIAL %s: %s\n", termsafe.Name(name(m.Given)), m.Partial)
		}
	}

	if len(t.Events) > 0 {
		tw.heading("Events between files")
		for _, e := range t.Events {
			detail := e.Detail
			if e.Kind == trend.EventRevisionBack {
				detail = strings.NewReplacer(e.From, name(e.From), e.To, name(e.To)).Replace(detail)
			}
			tw.printf("  %-18s %s -> %s: %s\n", e.Kind, termsafe.Name(name(e.From)), termsafe.Name(name(e.To)), termsafe.Name(detail))
		}
	}

	trendPrefixTable(tw, "Top growing prefixes by bytes (live + history, first file to last)", t.Prefixes.ByBytes)
	trendPrefixTable(tw, "Top growing prefixes by live keys", t.Prefixes.ByKeys)
	kubeTrendText(tw, t.Kube)

	tw.heading("Projection (db size, the size etcd checks against the quota)")
	if t.Options.QuotaDisabled {
		tw.printf("  %s\n", trendQuotaDisabled)
	}
	if len(t.Project) == 0 {
		tw.printf("  none\n")
	}
	for i, p := range t.Project {
		if i == 0 {
			f := p.Fit
			tw.printf("  fit: least squares over %s from %s: %s a day (standard error %s), R² %.2f\n",
				english.Plural(f.Points, "file"), trendDay(f.From), signed(ibytesf(f.Slope), int64(f.Slope)), ibytesf(f.SlopeSE), f.R2)
		}
		name := "quota " + ibytes(p.TargetBytes)
		if p.Target != "quota" {
			name = ibytes(p.TargetBytes) + " (etcd's advised maximum)"
		}
		switch {
		case p.Reached:
			tw.printf("  %s: reached\n", name)
		case p.At == nil:
			tw.printf("  %s: not reached (%s)\n", name, p.Note)
		case p.Fit.Points < 3:
			tw.printf("  %s: around %s (%s)\n", name, trendDate(p.At), p.Note)
		default:
			tw.printf("  %s: around %s, between %s and %s (%s)\n", name, trendDate(p.At), trendDate(p.Earliest), trendDate(p.Latest), p.Note)
		}
	}
	for _, n := range t.Notes {
		tw.printf("  note: %s\n", termsafe.Name(n))
	}

	tw.heading("Findings")
	if len(t.Findings) == 0 {
		tw.printf("  none\n")
	}
	for _, f := range t.Findings {
		tw.printf("  %s %s: %s\n", tw.severity(f.Severity), f.Code, termsafe.Name(f.Message))
		tw.printf("      what to do: %s\n", f.Advice)
	}
	if len(t.Failed) > 0 || len(t.Excluded) > 0 {
		tw.heading("Not trended")
		for _, f := range t.Failed {
			tw.printf("  %s: %s\n", termsafe.Name(f.Given), termsafe.Name(f.Reason))
		}
		for _, f := range t.Excluded {
			tw.printf("  %s: %s\n", termsafe.Name(f.Given), termsafe.Name(f.Reason))
		}
	}
	return tw.err
}

// trendNames shortens the files' names to their base names when every
// trended file is in one directory, which it returns.
func trendNames(t *trend.Trend) (string, func(string) string) {
	dir := ""
	for i, m := range t.Members {
		d := filepath.Dir(m.Given)
		if i > 0 && d != dir {
			return "", func(s string) string { return s }
		}
		dir = d
	}
	if dir == "" || dir == "." {
		return "", func(s string) string { return s }
	}
	return dir, func(s string) string {
		if filepath.Dir(s) == dir {
			return filepath.Base(s)
		}
		return s
	}
}

func ibytesf(v float64) string { return ibytes(int64(v)) }

func trendPrefixTable(tw *textWriter, title string, ps []trend.PrefixTrend) {
	tw.heading(title)
	if len(ps) == 0 {
		tw.printf("  none grew\n")
		return
	}
	tb := newTable("prefix", ">bytes", ">change", ">a day", ">live keys", ">change", ">a day")
	for _, p := range ps {
		tb.add(termsafe.Name(p.Prefix), ibytes(p.BytesFirst)+" -> "+ibytes(p.BytesLast), signed(ibytes(p.BytesDelta), p.BytesDelta), perDayText(p.BytesPerDay, ibytes),
			count(p.KeysFirst)+" -> "+count(p.KeysLast), signed(count(p.KeysDelta), p.KeysDelta), perDayText(p.KeysPerDay, count))
	}
	tw.table(tb)
}

// trendQuotaDisabled says what a negative --quota-backend-bytes does.
const trendQuotaDisabled = "quota disabled (a negative --quota-backend-bytes, as etcd takes it): projected to 8 GiB only"
