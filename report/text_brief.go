package report

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/report/findings"
)

// The brief report is the text report's first screen: how big, why, what
// etcd will do with it, what to do. It fits briefWidth columns (lines are
// wrapped, long names shortened) and about a screen of lines; every other
// section is behind -v, every figure in the JSON.
const (
	briefWidth    = 100
	briefPrefixes = 8
	briefFindings = 8
	briefProblems = 10
	// briefNameWidth bounds a prefix in the brief table; -v and the JSON
	// have it whole.
	briefNameWidth   = 40
	hashMismatchLine = "snapshot SHA-256 trailer: MISMATCH: the file is not the snapshot etcd wrote " +
		"(etcdutl snapshot restore refuses it; copy it again)"
)

func (t *textWriter) brief(r *Report, s Sections) {
	t.summaryLines(r, s)
	if m := r.MVCC; m != nil && len(m.Prefixes) > 0 {
		t.briefPrefixes(m)
	}
	if s.Findings {
		t.briefFindings(r.Findings)
	}
	if p := r.Predict; p != nil && s.Predict {
		t.briefPredictions(r)
	}
	t.certaintySection(r)
	more := "pages, buckets, fragmentation, top keys, namespaces, Kubernetes objects, how each figure is predicted"
	if r.Member != nil {
		more = "the member's WAL and snap files and its restart, " + more
	}
	t.printf("\n")
	t.lines(wrapLines("The full report ("+more+"): dbinspect report -v; every figure: -o json; one page with charts: -o html.", briefWidth, "", ""))
}

// summaryLines prints the summary's lines, wrapped to briefWidth under
// their label.
func (t *textWriter) summaryLines(r *Report, s Sections) {
	lines := summarize(r, s).Lines()
	w := 0
	for _, l := range lines {
		w = max(w, len(l.Label))
	}
	t.heading("Summary")
	for _, l := range lines {
		indent := strings.Repeat(" ", 2+w+2)
		t.lines(wrapLines(l.Text, briefWidth, fmt.Sprintf("  %-*s  ", w, l.Label), indent))
	}
}

func (t *textWriter) briefPrefixes(m *mvcc.Summary) {
	ps := append([]mvcc.PrefixStat(nil), m.Prefixes...)
	sort.SliceStable(ps, func(i, j int) bool {
		return ps[i].LiveBytes+ps[i].HistoryBytes > ps[j].LiveBytes+ps[j].HistoryBytes
	})
	t.heading("Top prefixes (live: keys; history: bytes of older revisions; of db: share of etcd's DbSize)")
	tb := newTable("prefix", ">live", ">revisions", ">live bytes", ">history", ">of db")
	for _, p := range ps[:min(len(ps), briefPrefixes)] {
		tb.add(shorten(p.Prefix, briefNameWidth), count(int64(p.LiveKeys)), count(int64(p.Revisions)),
			ibytes(int64(p.LiveBytes)), ibytes(int64(p.HistoryBytes)), share(p.ShareOfFile))
	}
	t.table(tb)
	if n := len(ps) - briefPrefixes; n > 0 {
		t.printf("  ... %s more (-v, or -o json)\n", count(int64(n)))
	}
}

func (t *textWriter) briefFindings(fs []findings.Finding) {
	t.heading("Findings")
	if len(fs) == 0 {
		t.printf("  none\n")
		return
	}
	for i, f := range fs {
		if i == briefFindings {
			t.printf("  ... %d more (-v, or -o json)\n", len(fs)-briefFindings)
			break
		}
		label := strings.ToUpper(f.Severity)
		lines := wrapLines(f.Message, briefWidth, "  "+label+" "+f.Code+": ", "    ")
		// The label is coloured after wrapping: escapes take no columns.
		t.printf("  %s%s\n", t.severity(f.Severity), strings.TrimPrefix(lines[0], "  "+label))
		t.lines(lines[1:])
		if f.Advice != "" {
			t.lines(wrapLines(f.Advice, briefWidth, "    what to do: ", "      "))
		}
	}
}

// lines prints each line as it is (names in it escaped).
func (t *textWriter) lines(ls []string) {
	for _, l := range ls {
		t.printf("%s\n", l)
	}
}

// briefPredictions is every prediction of the report in one table, one row
// per etcd version; the models and their breakdowns are behind -v.
func (t *textWriter) briefPredictions(r *Report) {
	p := r.Predict
	title := "Predictions (each version's etcd started on this db; how: -v)"
	if p.LowerBound {
		title = "Predictions (LOWER BOUNDS: part of the file could not be read)"
	}
	t.heading(title)
	tb := newTable("etcd", ">startup", ">RSS", ">RSS with raft log", ">raft log", ">mmap")
	for _, v := range p.ByVersion {
		m := v.Memory
		tb.add(v.Version, seconds(v.StartupSeconds), ibytes(m.RSSBytes), ibytes(m.RSSSteadyBytes),
			fmt.Sprintf("%s (%s entries)", ibytes(m.RaftLogBytes), count(int64(m.RaftLogEntries))), ibytes(m.MmapBytes))
	}
	t.table(tb)
}

// wrapLines breaks text at spaces so no line passes width columns: the
// first line starts with first, the others with indent. A word longer than
// a line stays whole.
func wrapLines(text string, width int, first, indent string) []string {
	var out []string
	line, n := first, utf8.RuneCountInString(first)
	fresh := true
	// Only spaces break: a control character in a name from the file
	// stays in it, for the terminal escaping to show.
	for _, w := range strings.Split(text, " ") {
		if w == "" {
			continue
		}
		wn := utf8.RuneCountInString(w)
		if !fresh && n+1+wn > width {
			out = append(out, line)
			line, n, fresh = indent, utf8.RuneCountInString(indent), true
		}
		if !fresh {
			line += " "
			n++
		}
		line += w
		n += wn
		fresh = false
	}
	return append(out, line)
}

// shorten keeps the start and end of a name longer than n runes.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	keep := n - 3
	return string(r[:keep/2]) + "..." + string(r[len(r)-(keep-keep/2):])
}
