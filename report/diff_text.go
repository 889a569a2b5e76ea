package report

import (
	"encoding/json"
	"fmt"
	"io"
)

// WriteDiffText writes the comparison for people.
func WriteDiffText(w io.Writer, d *Diff, color bool) error {
	t := &textWriter{w: w, color: color}
	t.printf("dbinspect %s diff: %s -> %s\n", Version, d.Old.Given, d.New.Given)
	t.identityText(d)
	t.heading("Growth")
	tb := newTable("figure", ">old", ">new", ">change")
	o, n, g := d.Old, d.New, d.Growth
	num := func(label string, a, b, c int64) { tb.add(label, count(a), count(b), signed(count(c), c)) }
	size := func(label string, a, b, c int64) { tb.add(label, ibytes(a), ibytes(b), signed(ibytes(c), c)) }
	num("revision", o.Revision, n.Revision, g.Revision)
	num("compact revision", o.CompactRev, n.CompactRev, g.CompactRev)
	size("file", o.FileBytes, n.FileBytes, g.FileBytes)
	size("db size (high water)", o.DbSizeBytes, n.DbSizeBytes, g.DbSizeBytes)
	size("in use", o.InUseBytes, n.InUseBytes, g.InUseBytes)
	num("free pages", o.FreePages, n.FreePages, g.FreePages)
	num("live keys", o.LiveKeys, n.LiveKeys, g.LiveKeys)
	num("revisions stored", o.TotalRevisions, n.TotalRevisions, g.TotalRevisions)
	size("live bytes", o.LiveBytes, n.LiveBytes, g.LiveBytes)
	size("history bytes", o.HistoryBytes, n.HistoryBytes, g.HistoryBytes)
	num("leases", o.Leases, n.Leases, g.Leases)
	t.table(tb)
	for _, sd := range []DiffSide{o, n} {
		if c := sd.Certainty; c != nil && !c.Complete {
			t.printf("  PARTIAL %s: %s\n", sd.Given, diffCertaintyLine(c))
		}
	}
	t.memberDiff(d.Member)
	t.heading("Prefixes that changed (largest change in bytes first)")
	if len(d.Prefixes) == 0 {
		t.printf("  none\n")
	} else {
		pt := newTable("prefix", ">live keys", ">added", ">removed", ">revisions", ">live bytes", ">change", ">history bytes", ">change")
		for i, p := range d.Prefixes {
			if i == 30 {
				pt.add(fmt.Sprintf("... %d more in the JSON output", len(d.Prefixes)-30))
				break
			}
			pt.add(p.Prefix, count(p.LiveKeysNew), plus(p.KeysAdded), minus(p.KeysRemoved), signed(count(p.RevisionsDelta), p.RevisionsDelta),
				ibytes(p.LiveBytesOld)+" -> "+ibytes(p.LiveBytesNew), signed(ibytes(p.LiveBytesDelta), p.LiveBytesDelta),
				ibytes(p.HistoryBytesOld)+" -> "+ibytes(p.HistoryBytesNew), signed(ibytes(p.HistoryBytesDelta), p.HistoryBytesDelta))
		}
		t.table(pt)
		t.printf("  live keys are NEW's; added: live in NEW, not in OLD; removed: the reverse\n")
	}
	t.kindDiffSection(d.Kinds)
	t.heading("Findings")
	if len(d.NewFindings) == 0 && len(d.ResolvedFindings) == 0 {
		t.printf("  no change\n")
	}
	for _, f := range d.NewFindings {
		t.printf("  new      %s %s: %s\n", t.severity(f.Severity), f.Code, f.Message)
	}
	for _, f := range d.ResolvedFindings {
		t.printf("  resolved %s %s\n", t.severity(f.Severity), f.Code)
	}
	return t.err
}

// plus and minus show keys added and removed; none is "0".
func plus(n int64) string {
	if n == 0 {
		return "0"
	}
	return "+" + count(n)
}

func minus(n int64) string {
	if n == 0 {
		return "0"
	}
	return "-" + count(n)
}

func signed(s string, v int64) string {
	if v > 0 {
		return "+" + s
	}
	return s
}

// WriteDiffJSON writes the comparison as JSON.
func WriteDiffJSON(w io.Writer, d *Diff) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(d)
}

// diffCertaintyLine says in one line why a side's figures are partial.
func diffCertaintyLine(c *Certainty) string {
	if c.Changed != "" {
		return "the file changed while it was read: " + c.Changed
	}
	if len(c.Partial) == 0 {
		return "not every page was read and decoded"
	}
	more := ""
	if len(c.Partial) > 1 {
		more = fmt.Sprintf(" (and %d more; see the report of that file)", len(c.Partial)-1)
	}
	return c.Partial[0] + more
}
