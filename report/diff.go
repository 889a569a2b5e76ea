package report

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
)

// Diff compares two reports of the same cluster taken at different times,
// say yesterday's and today's backup.
type Diff struct {
	SchemaVersion int      `json:"schema_version"`
	Old           DiffSide `json:"old"`
	New           DiffSide `json:"new"`
	// Growth is New minus Old for every figure of DiffSide.
	Growth           DiffSide     `json:"growth"`
	Prefixes         []PrefixDiff `json:"prefixes"`
	NewFindings      []Finding    `json:"new_findings"`
	ResolvedFindings []Finding    `json:"resolved_findings"`
}

// DiffSide are the figures compared.
type DiffSide struct {
	Given          string `json:"given,omitempty"`
	Revision       int64  `json:"revision"`
	CompactRev     int64  `json:"compact_revision"`
	FileBytes      int64  `json:"file_bytes"`
	DbSizeBytes    int64  `json:"db_size_bytes"`
	InUseBytes     int64  `json:"in_use_bytes"`
	FreePages      int64  `json:"free_pages"`
	LiveKeys       int64  `json:"live_keys"`
	TotalRevisions int64  `json:"total_revisions"`
	LiveBytes      int64  `json:"live_bytes"`
	HistoryBytes   int64  `json:"history_bytes"`
	Leases         int64  `json:"leases"`
}

// PrefixDiff is one prefix's change; a prefix absent on one side counts
// as zero there.
type PrefixDiff struct {
	Prefix            string `json:"prefix"`
	KeysOld           int64  `json:"keys_old"`
	KeysNew           int64  `json:"keys_new"`
	KeysDelta         int64  `json:"keys_delta"`
	RevisionsDelta    int64  `json:"revisions_delta"`
	LiveBytesDelta    int64  `json:"live_bytes_delta"`
	HistoryBytesDelta int64  `json:"history_bytes_delta"`
}

func side(r *Report) DiffSide {
	s := DiffSide{Given: r.Input.Given, FileBytes: r.File.SizeBytes, DbSizeBytes: r.Pages.HighWaterBytes, InUseBytes: r.Pages.InUseBytes, FreePages: r.Pages.ByType.Free}
	if m := r.MVCC; m != nil {
		s.Revision, s.CompactRev = m.Revision, m.CompactRevision
		s.LiveKeys, s.TotalRevisions = int64(m.LiveKeys), int64(m.TotalRevisions)
		s.LiveBytes, s.HistoryBytes, s.Leases = int64(m.LiveBytes), int64(m.HistoryBytes), int64(m.Leases.Count)
	}
	return s
}

// Compare computes what changed from old to new.
func Compare(old, new *Report) *Diff {
	d := &Diff{SchemaVersion: SchemaVersion, Old: side(old), New: side(new), Prefixes: []PrefixDiff{}}
	o, n := d.Old, d.New
	d.Growth = DiffSide{
		Revision: n.Revision - o.Revision, CompactRev: n.CompactRev - o.CompactRev, FileBytes: n.FileBytes - o.FileBytes,
		DbSizeBytes: n.DbSizeBytes - o.DbSizeBytes, InUseBytes: n.InUseBytes - o.InUseBytes, FreePages: n.FreePages - o.FreePages,
		LiveKeys: n.LiveKeys - o.LiveKeys, TotalRevisions: n.TotalRevisions - o.TotalRevisions,
		LiveBytes: n.LiveBytes - o.LiveBytes, HistoryBytes: n.HistoryBytes - o.HistoryBytes, Leases: n.Leases - o.Leases,
	}
	byPrefix := map[string]*PrefixDiff{}
	get := func(p string) *PrefixDiff {
		if byPrefix[p] == nil {
			byPrefix[p] = &PrefixDiff{Prefix: p}
		}
		return byPrefix[p]
	}
	if old.MVCC != nil {
		for _, p := range old.MVCC.Prefixes {
			x := get(p.Prefix)
			x.KeysOld = int64(p.Keys)
			x.RevisionsDelta -= int64(p.Revisions)
			x.LiveBytesDelta -= int64(p.LiveBytes)
			x.HistoryBytesDelta -= int64(p.HistoryBytes)
		}
	}
	if new.MVCC != nil {
		for _, p := range new.MVCC.Prefixes {
			x := get(p.Prefix)
			x.KeysNew = int64(p.Keys)
			x.RevisionsDelta += int64(p.Revisions)
			x.LiveBytesDelta += int64(p.LiveBytes)
			x.HistoryBytesDelta += int64(p.HistoryBytes)
		}
	}
	for _, x := range byPrefix {
		x.KeysDelta = x.KeysNew - x.KeysOld
		if x.KeysDelta != 0 || x.RevisionsDelta != 0 || x.LiveBytesDelta != 0 || x.HistoryBytesDelta != 0 {
			d.Prefixes = append(d.Prefixes, *x)
		}
	}
	sort.Slice(d.Prefixes, func(i, j int) bool {
		a, b := d.Prefixes[i], d.Prefixes[j]
		ga, gb := abs64(a.LiveBytesDelta)+abs64(a.HistoryBytesDelta), abs64(b.LiveBytesDelta)+abs64(b.HistoryBytesDelta)
		if ga != gb {
			return ga > gb
		}
		return a.Prefix < b.Prefix
	})
	d.NewFindings = findingsNotIn(new.Findings, old.Findings)
	d.ResolvedFindings = findingsNotIn(old.Findings, new.Findings)
	return d
}

func findingsNotIn(a, b []Finding) []Finding {
	seen := map[string]bool{}
	for _, f := range b {
		seen[f.Code] = true
	}
	out := []Finding{}
	for _, f := range a {
		if !seen[f.Code] {
			out = append(out, f)
		}
	}
	return out
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// WriteDiffText writes the comparison for people.
func WriteDiffText(w io.Writer, d *Diff, color bool) error {
	t := &textWriter{w: w, color: color}
	t.printf("dbinspect %s diff: %s -> %s\n", Version, d.Old.Given, d.New.Given)
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
	t.heading("Prefixes that changed (largest change in bytes first)")
	if len(d.Prefixes) == 0 {
		t.printf("  none\n")
	} else {
		pt := newTable("prefix", ">keys", ">change", ">revisions", ">live bytes", ">history bytes")
		for i, p := range d.Prefixes {
			if i == 30 {
				pt.add(fmt.Sprintf("... %d more in the JSON output", len(d.Prefixes)-30))
				break
			}
			pt.add(p.Prefix, count(p.KeysNew), signed(count(p.KeysDelta), p.KeysDelta), signed(count(p.RevisionsDelta), p.RevisionsDelta),
				signed(ibytes(p.LiveBytesDelta), p.LiveBytesDelta), signed(ibytes(p.HistoryBytesDelta), p.HistoryBytesDelta))
		}
		t.table(pt)
	}
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
