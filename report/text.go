package report

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/dbinspect/dbinspect/internal/termsafe"
	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/pages/freelist"
	"github.com/dbinspect/dbinspect/report/findings"
)

// textWriter carries the first write error, so section code stays linear.
type textWriter struct {
	w     io.Writer
	color bool
	err   error
	// wrap is the brief report's line width; 0 leaves lines whole (the
	// check's own output keeps one problem a line, for grep).
	wrap int
}

// para prints text, wrapped under its first line's indent when t.wrap is set.
func (t *textWriter) para(first, indent, text string) {
	if t.wrap == 0 {
		t.printf("%s%s\n", first, text)
		return
	}
	t.lines(wrapLines(text, t.wrap, first, indent))
}

func (t *textWriter) printf(format string, args ...any) {
	if t.err == nil {
		// Names from the file reach a terminal escaped and bounded.
		_, t.err = fmt.Fprintf(t.w, format, termsafe.Args(args)...)
	}
}

func (t *textWriter) heading(title string) {
	if t.color {
		t.printf("\n\x1b[1m%s\x1b[0m\n", title)
		return
	}
	t.printf("\n%s\n", title)
}

func (t *textWriter) table(tb *table) {
	if t.err == nil {
		t.err = tb.write(t.w, "  ")
	}
}

// kv prints aligned "label  value" lines.
func (t *textWriter) kv(rows [][2]string) {
	w := 0
	for _, r := range rows {
		w = max(w, len(r[0]))
	}
	for _, r := range rows {
		t.printf("  %-*s  %s\n", w, r[0], r[1])
	}
}

func (t *textWriter) severity(s string) termsafe.Raw {
	label := termsafe.Raw(strings.ToUpper(s))
	if !t.color {
		return label
	}
	switch s {
	case "critical", "error":
		return "\x1b[31;1m" + label + "\x1b[0m"
	case "warning":
		return "\x1b[33;1m" + label + "\x1b[0m"
	}
	return "\x1b[36m" + label + "\x1b[0m"
}

// writeText writes the human report: a one-screen summary, then sections.
func writeText(w io.Writer, r *Report, o RenderOptions) error {
	t := &textWriter{w: w, color: o.Color}
	s := o.Sections
	if s.CheckOnly {
		t.check(r)
		return t.err
	}
	t.printf("dbinspect %s: %s%s\n", Version, r.Input.Given, resolvedSuffix(r.Input))
	// A damaged file leads with what 'dbinspect check' says of it: the
	// figures below cover only what could be read.
	if s.Brief {
		t.wrap = briefWidth
	}
	t.problemsSection(r)
	if s.Brief {
		t.brief(r, s)
		return t.err
	}
	t.summary(r, s)
	if s.Pages {
		t.metaSection(r)
		t.pagesSection(r)
		t.bucketsSection(r)
	}
	if s.Fragmentation && r.Fragmentation != nil {
		t.fragSection(r.Fragmentation)
	}
	if s.Keys && r.MVCC != nil {
		t.keysSection(r.MVCC)
		t.prefixSection(r.MVCC)
		t.namespaceSection(r.MVCC)
		t.kubeSection(r.MVCC)
		t.otherBucketsSection(r.MVCC)
	}
	if s.Predict && r.Predict != nil {
		t.predictSection(r)
	}
	if s.Predict && r.Member != nil {
		t.memberSection(r)
	}
	if s.Predict && r.Predict != nil && r.Predict.Ranges != nil {
		t.costsSection(r)
	}
	if s.Findings {
		t.findingsSection(r.Findings)
	}
	t.certaintySection(r)
	return t.err
}

func (t *textWriter) summary(r *Report, s Sections) {
	t.summaryLines(r, s)
	if s.Findings {
		for i, f := range r.Findings {
			if i == 3 {
				t.printf("  ... %d more in Findings below\n", len(r.Findings)-3)
				break
			}
			t.printf("  %s %s: %s\n", t.severity(f.Severity), f.Code, f.Message)
		}
	}
}

func (t *textWriter) metaSection(r *Report) {
	t.heading("Meta pages")
	tb := newTable("page", "valid", "used", ">txid", ">root", ">freelist", ">high water", "note")
	for _, m := range r.Analysis.Meta.Metas {
		fl := "none"
		if m.Meta.FreelistPersisted() {
			fl = fmt.Sprint(m.Meta.Freelist)
		}
		tb.add(fmt.Sprint(m.PageID), yesNo(m.Valid), yesNo(m.Used), fmt.Sprint(m.Meta.TxID), fmt.Sprint(m.Meta.Root), fl, fmt.Sprint(m.Meta.HighWater), m.Reason)
	}
	t.table(tb)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func (t *textWriter) pagesSection(r *Report) {
	a := r.Analysis
	ps := int64(a.File.PageSize)
	t.heading("Pages")
	c := a.Pages.ByType
	// Every row, the missing pages of a truncated copy included, is a share
	// of one total, so the shares add up to it.
	total := c.Sum() + c.Missing
	tb := newTable("type", ">pages", ">bytes", ">share")
	for _, row := range []struct {
		name string
		n    int64
	}{
		{"meta", c.Meta}, {"freelist", c.Freelist}, {"branch", c.Branch}, {"leaf", c.Leaf},
		{"overflow", c.Overflow}, {"free", c.Free}, {"unallocated tail", c.Unallocated},
		{"unreadable", c.Unreadable}, {"missing (truncated)", c.Missing},
	} {
		if row.n == 0 && (row.name == "unreadable" || row.name == "missing (truncated)") {
			continue
		}
		tb.add(row.name, count(row.n), ibytes(row.n*ps), pct(row.n, total))
	}
	tb.add("total", count(total), ibytes(total*ps), pct(total, total))
	t.table(tb)
	if c.Missing > 0 {
		t.printf("  total: the %s pages in the file and the %s its meta expects past its end\n", count(a.Pages.Total), count(c.Missing))
	}
	if !r.Analysis.Complete {
		t.printf("  free: pages no tree reached; with part of the file unread, some may hold data the walk could not reach\n")
	}
	t.printf("  high water %s (etcd's DbSize), free %s, in use %s (etcd's DbSizeInUse)\n",
		ibytes(a.Pages.HighWaterBytes), ibytes(a.Pages.FreeBytes), ibytes(a.Pages.InUseBytes))
	t.printf("  (a running etcd reports a few pages more in use: pages its last commits freed are still pending there)\n")
	if a.Meta.FreelistPersisted {
		t.printf("  freelist persisted at page %d (%s ids listed)\n", a.Meta.Freelist, count(int64(a.Freelist.Listed)))
	} else {
		t.printf("  freelist not persisted (etcd on Linux: NoFreelistSync); bbolt rebuilds it at open by walking %s pages\n", count(a.Pages.Reachable))
	}
}

func (t *textWriter) bucketsSection(r *Report) {
	t.heading("Buckets")
	t.table(bucketsTable(r))
}

// bucketsTable is the per-bucket census, shared by the text and HTML reports.
func bucketsTable(r *Report) *table {
	tb := newTable("bucket", ">keys", ">depth", ">branch", ">leaf", ">overflow", ">used", ">fill")
	for _, b := range r.Analysis.Buckets {
		if b.IsRoot {
			continue
		}
		fill := fmt.Sprintf("%.0f%%", 100*b.FillRatio)
		if b.Inline {
			fill = "inline"
		}
		tb.add(b.Name, count(b.Keys), fmt.Sprint(b.Depth), count(b.BranchPages), count(b.LeafPages), count(b.OverflowPages), ibytes(b.UsedBytes), fill)
	}
	return tb
}

func (t *textWriter) problemsSection(r *Report) {
	if len(r.Problems()) == 0 && r.Analysis.Truncation == nil && r.Input.SnapshotHash != "mismatch" {
		return
	}
	t.check(r)
}

// check is the structural check's own output, also the Problems section.
func (t *textWriter) check(r *Report) {
	a := r.Analysis
	t.heading("Structural check")
	if c := r.Certainty.Changed; c != "" {
		t.printf("  CHANGED WHILE READ: %s\n", c)
	}
	if tr := a.Truncation; tr != nil {
		line := fmt.Sprintf("TRUNCATED: the file has %s bytes of the %s its meta expects; %s bytes are missing", count(tr.ActualBytes), count(tr.ExpectedBytes), count(tr.MissingBytes))
		if len(tr.AffectedBuckets) > 0 {
			line += "; buckets affected: " + strings.Join(tr.AffectedBuckets, ", ")
		}
		t.para("  ", "    ", line)
	}
	if len(a.Problems) == 0 {
		if r.Input.SnapshotHash == "mismatch" {
			// Not "ok": check exits 1 on it.
			t.printf("  pages: %s checked, no structural problems (meta %d used, txid %d)\n", count(a.Pages.Total), a.Meta.Used, a.Meta.TxID)
			t.para("  ", "    ", hashMismatchLine)
			return
		}
		t.printf("  ok: %s pages checked, no problems (meta %d used, txid %d)\n", count(a.Pages.Total), a.Meta.Used, a.Meta.TxID)
		if r.Input.SnapshotHash != "absent" {
			t.printf("  snapshot SHA-256 trailer: %s\n", r.Input.SnapshotHash)
		}
		return
	}
	for i, p := range a.Problems {
		if t.wrap > 0 && i == briefProblems {
			t.printf("  ... %d more: dbinspect check\n", len(a.Problems)-briefProblems)
			break
		}
		t.para("  ", "    ", p.String())
	}
	if n := a.ProblemCounts.Omitted; n > 0 {
		t.printf("  ... and %d more problems not listed\n", n)
	}
	if r.Input.SnapshotHash == "mismatch" {
		t.para("  ", "    ", hashMismatchLine)
	}
}

func (t *textWriter) fragSection(f *freelist.Fragmentation) {
	t.heading("Free space and fragmentation")
	t.printf("  %s free pages in %s spans, largest %s pages; fragmentation index %.2f\n",
		count(int64(f.FreePages)), count(int64(f.Spans)), count(int64(f.LargestSpanPages)), f.Index)
	t.printf("  (%s)\n", f.IndexDefinition)
	if f.Spans > 0 {
		tb := newTable("span length", ">spans", ">pages", ">share of free")
		for _, h := range f.Histogram {
			if h.Spans == 0 {
				continue // a row of zeros says nothing
			}
			label := fmt.Sprint(h.MinPages)
			if h.MaxPages != h.MinPages {
				label = fmt.Sprintf("%d-%d", h.MinPages, h.MaxPages)
			}
			tb.add(label, count(int64(h.Spans)), count(int64(h.Pages)), pct(int64(h.Pages), int64(f.FreePages)))
		}
		t.table(tb)
	}
	rows := fragTable(*f)
	if len(rows) > 1 {
		tb := newTable(rows[0]...)
		for _, r := range rows[1:] {
			tb.add(r...)
		}
		t.printf("\n")
		t.table(tb)
	}
	t.printf("\n  %s\n", fragSummary(*f))
}

func (t *textWriter) keysSection(m *mvcc.Summary) {
	t.heading("Keys and revisions")
	rows := [][2]string{
		{"revision", fmt.Sprintf("%s (etcd's current revision at startup)", count(m.Revision))},
		{"compaction", compactionLine(m)},
		{"revisions", fmt.Sprintf("%s stored in the key bucket (%s tombstones)", count(int64(m.TotalRevisions)), count(int64(m.Tombstones)))},
		{"keys", fmt.Sprintf("%s live, %s deleted, %s with several generations", count(int64(m.LiveKeys)), count(int64(m.DeletedKeys)), count(int64(m.MultiGenerationKeys)))},
		{"revisions per key", fmt.Sprintf("p50 %d, p90 %d, p99 %d, max %d", m.RevisionsPerKey.P50, m.RevisionsPerKey.P90, m.RevisionsPerKey.P99, m.RevisionsPerKey.Max)},
		{"bytes", fmt.Sprintf("%s live values and keys, %s history, largest value %s", ibytes(int64(m.LiveBytes)), ibytes(int64(m.HistoryBytes)), ibytes(int64(m.LargestValueBytes)))},
		{"compaction what-if", fmt.Sprintf("compacting at %s removes %s revisions (%s)", count(m.Compaction.Revision), count(int64(m.Compaction.RemovedRevisions)), ibytes(int64(m.Compaction.RemovedBytes)))},
		{snapshotStatusLabel(m), etcdutlLine(m)},
	}
	t.kv(rows)
	if m.Etcdutl.Why != "" {
		t.printf("  note: %s\n", m.Etcdutl.Why)
	}
	if m.Malformed.Count > 0 {
		t.printf("  %s malformed entries in the key bucket; the first:\n", count(int64(m.Malformed.Count)))
		for _, e := range m.Malformed.First {
			where := ""
			if e.Page != 0 {
				where = fmt.Sprintf(" (leaf page %d)", e.Page)
			}
			t.printf("    #%d %s%s: %s\n", e.Index, e.BucketKey, where, e.Reason)
		}
	}
	for _, n := range m.Notes {
		t.printf("  note: %s\n", n)
	}
	t.topKeys("Top keys by revisions", m.TopKeys.ByRevisions)
	t.topKeys("Top keys by history bytes", m.TopKeys.ByHistoryBytes)
	t.topKeys("Top keys by current value size", m.TopKeys.ByValueBytes)
}

func compactionLine(m *mvcc.Summary) string {
	s := "never compacted"
	if m.CompactRevision > 0 {
		s = fmt.Sprintf("finished at %s", count(m.CompactRevision))
	}
	if m.Meta.UnfinishedCompaction {
		s += fmt.Sprintf("; scheduled at %s but unfinished: etcd re-runs it at startup", count(m.ScheduledCompactRevision))
	}
	return s
}

func etcdutlLine(m *mvcc.Summary) string {
	e := m.Etcdutl
	return fmt.Sprintf("hash %08x, revision %s, total keys %s, total size %s", e.Hash, count(e.Revision), etcdutlTotalKeys(e, m.WrittenBy), count(e.TotalSize))
}

// snapshotStatusLabel names the command whose figures etcdutlLine gives:
// 3.4 has no etcdutl, its etcdctl prints them (clientv3/snapshot's Status).
func snapshotStatusLabel(m *mvcc.Summary) string {
	if m.WrittenBy == "3.4" {
		return "etcdctl snapshot status"
	}
	return "etcdutl status"
}

// etcdutlTotalKeys is the total-key count the etcdutl of the file's
// version prints, naming the other count when it differs: etcdutl 3.6+
// counts live user keys, 3.5 (and 3.4's etcdctl) every pair of every
// bucket. A file without a storage version is from 3.5 or earlier; one
// writtenBy names 3.4 is named after 3.4's etcdctl.
func etcdutlTotalKeys(e mvcc.EtcdutlStatus, writtenBy string) string {
	v36 := fmt.Sprintf("%s live keys", count(int64(e.TotalKeys)))
	v35 := fmt.Sprintf("%s pairs in all buckets", count(int64(e.TotalKeysV35)))
	if e.Version == "" && writtenBy == "3.4" {
		if e.TotalKeys == e.TotalKeysV35 {
			return count(int64(e.TotalKeysV35)) + " (etcdctl 3.4)"
		}
		return fmt.Sprintf("%s (etcdctl 3.4; etcdutl 3.6 counts %s)", count(int64(e.TotalKeysV35)), v36)
	}
	if e.Version == "" {
		if e.TotalKeys == e.TotalKeysV35 {
			return count(int64(e.TotalKeysV35)) + " (etcdutl 3.5)"
		}
		return fmt.Sprintf("%s (etcdutl 3.5; 3.6 counts %s)", count(int64(e.TotalKeysV35)), v36)
	}
	self := "etcdutl " + minorOf(e.Version)
	if e.TotalKeys == e.TotalKeysV35 {
		return fmt.Sprintf("%s (%s)", count(int64(e.TotalKeys)), self)
	}
	return fmt.Sprintf("%s (%s; 3.5 counts %s)", count(int64(e.TotalKeys)), self, v35)
}

func (t *textWriter) topKeys(title string, ks []mvcc.KeyStat) {
	if len(ks) == 0 {
		return
	}
	t.printf("\n  %s\n", title)
	t.table(topKeysTable(ks))
}

// topKeysTable lists keys with their history, shared by text and HTML.
func topKeysTable(ks []mvcc.KeyStat) *table {
	tb := newTable("key", "state", ">revisions", ">version", ">value", ">history")
	for _, k := range ks {
		state := "live"
		if !k.Live {
			state = "deleted"
		}
		tb.add(k.Key, state, count(int64(k.Revisions)), count(k.Version), ibytes(int64(k.ValueBytes)), ibytes(int64(k.HistoryBytes)))
	}
	return tb
}

func (t *textWriter) prefixSection(m *mvcc.Summary) {
	if len(m.Prefixes) == 0 {
		return
	}
	t.heading("Prefixes (which part of the keyspace holds the bytes and the history)")
	ps := append([]mvcc.PrefixStat(nil), m.Prefixes...)
	sort.SliceStable(ps, func(i, j int) bool {
		return ps[i].LiveBytes+ps[i].HistoryBytes > ps[j].LiveBytes+ps[j].HistoryBytes
	})
	tb := newTable("prefix", ">keys", ">live", ">revisions", ">live bytes", ">history bytes", ">share of file", ">of key bucket")
	for i, p := range ps {
		if i == maxTextPrefixes {
			tb.add(fmt.Sprintf("... %d more prefixes in the JSON report", len(ps)-maxTextPrefixes))
			break
		}
		tb.add(p.Prefix, count(int64(p.Keys)), count(int64(p.LiveKeys)), count(int64(p.Revisions)), ibytes(int64(p.LiveBytes)), ibytes(int64(p.HistoryBytes)), share(p.ShareOfFile), share(p.Share))
	}
	t.table(tb)
	t.printf("  %s\n", shareNote)
}

const (
	maxTextPrefixes = 25
	// maxNamespaceRows bounds the namespace table in text and HTML; the
	// JSON report (and the page's JSON viewer) has every row.
	maxNamespaceRows = 20
	// shareNote defines the two share columns of the prefix table.
	shareNote = "share of file: live + history bytes over the db size (etcd's DbSize); of key bucket: over the key bucket's bytes"
)

// share prints a 0..1 share as a percentage; 0 is "-" because
// ShareOfFile is left empty when the db size is unknown.
func share(f float64) string {
	if f <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*f)
}

// namespaceSection breaks the Kubernetes prefixes down by namespace. The
// "more" line goes under the table: as a row it would widen the short
// namespace column.
func (t *textWriter) namespaceSection(m *mvcc.Summary) {
	ps := m.PrefixesByNamespace
	if len(ps) == 0 {
		return
	}
	t.heading("Namespaces (namespaced Kubernetes resources, by namespace)")
	t.table(namespacesTable(ps[:min(len(ps), maxNamespaceRows)]))
	if len(ps) > maxNamespaceRows {
		t.printf("  %s\n", moreNamespaces(len(ps)-maxNamespaceRows))
	}
}

func moreNamespaces(n int) string {
	return fmt.Sprintf("... %d more in the JSON report (mvcc.prefixes_by_namespace)", n)
}

// namespacesTable lists prefixes_by_namespace rows (largest first), shared
// by text and HTML.
func namespacesTable(ps []mvcc.PrefixStat) *table {
	tb := newTable("namespace", "resource", ">keys", ">live", ">revisions", ">live bytes", ">history bytes", ">share of file")
	for _, p := range ps {
		ns := p.Namespace
		if ns == "" {
			ns = p.Prefix // the "(other)" row folding the smallest
		}
		tb.add(ns, p.Resource, count(int64(p.Keys)), count(int64(p.LiveKeys)), count(int64(p.Revisions)), ibytes(int64(p.LiveBytes)), ibytes(int64(p.HistoryBytes)), share(p.ShareOfFile))
	}
	return tb
}

func (t *textWriter) otherBucketsSection(m *mvcc.Summary) {
	t.heading("Leases, auth, members, alarms")
	l := m.Leases
	rows := [][2]string{
		{"leases", fmt.Sprintf("%s (TTL p50 %ds, max %ds), %s keys attached (max %d per lease), %s without keys, %s keys naming a missing lease",
			count(int64(l.Count)), l.TTL.P50, l.TTL.Max, count(int64(l.AttachedKeys)), l.KeysPerLease.Max, count(int64(l.LeasesWithoutKeys)), count(int64(l.KeysWithMissingLease)))},
	}
	auth := "disabled"
	if m.Auth.Enabled {
		auth = "enabled"
	}
	rows = append(rows, [2]string{"auth", fmt.Sprintf("%s, revision %d, %d users, %d roles", auth, m.Auth.Revision, m.Auth.Users, m.Auth.Roles)})
	var members []string
	for _, mb := range m.Members {
		s := mb.Name + " (" + mb.ID + ")"
		if mb.IsLearner {
			s += " learner"
		}
		members = append(members, s)
	}
	rows = append(rows, [2]string{"members", fmt.Sprintf("%d: %s; %d removed", len(m.Members), strings.Join(members, ", "), len(m.RemovedMembers))})
	if m.Cluster.Version != "" {
		rows = append(rows, [2]string{"cluster version", m.Cluster.Version})
	}
	alarms := "none"
	if len(m.Alarms) > 0 {
		var as []string
		for _, a := range m.Alarms {
			as = append(as, a.Type+" on member "+a.MemberID)
		}
		alarms = strings.Join(as, ", ")
	}
	rows = append(rows, [2]string{"alarms", alarms})
	if len(m.UnknownBuckets) > 0 {
		rows = append(rows, [2]string{"unknown buckets", strings.Join(m.UnknownBuckets, ", ") + " (etcd does not create these)"})
	}
	t.kv(rows)
}

func (t *textWriter) predictSection(r *Report) {
	p := r.Predict
	t.heading("Predictions")
	if p.LowerBound {
		t.printf("  LOWER BOUNDS: part of the file or of etcd's buckets could not be read or decoded;\n  startup time and memory count only what was, and etcd needs at least this.\n\n")
	}
	tb := newTable("etcd", ">startup", ">fixed", ">populate", ">freelist", ">index", ">leases", ">RSS", ">RSS + raft log")
	for _, v := range p.ByVersion {
		b := v.StartupBreakdown
		tb.add(v.Version, seconds(v.StartupSeconds), seconds(b.Fixed), seconds(b.Populate), seconds(b.FreelistRebuild), seconds(b.IndexRestore),
			seconds(b.LeaseRecovery+b.LeaseAttach), ibytes(v.Memory.RSSBytes), ibytes(v.Memory.RSSSteadyBytes))
	}
	t.table(tb)
	if p.StartupBreakdown.CompactionRerun > 0 {
		t.printf("  plus %s of compaction re-run in the background after ready\n", seconds(p.StartupBreakdown.CompactionRerun))
	}
	t.printf("\n")
	mem := newTable("etcd", ">mmap", ">file resident", ">treeIndex", ">leases", ">Go heap", ">raft log")
	for _, v := range p.ByVersion {
		m := v.Memory
		mem.add(v.Version, ibytes(m.MmapBytes), ibytes(m.FileResidentBytes), ibytes(m.TreeIndexBytes), ibytes(m.LeaseBytes), ibytes(m.HeapBytes),
			fmt.Sprintf("%s (%s entries)", ibytes(m.RaftLogBytes), count(int64(m.RaftLogEntries))))
	}
	t.table(mem)
	t.lessor(p)
	t.notIncluded(p.MemoryNotIncluded)
	rows := [][2]string{
		{"db size now", ibytes(p.DbSizeBytes)},
	}
	if p.DefragSizeBytes > 0 {
		rows = append(rows, [2]string{"after defrag", fmt.Sprintf("%s (saves %s), file %s on disk, takes about %s", ibytes(p.DefragSizeBytes), ibytes(p.DefragSavingsBytes), ibytes(p.DefragFileBytes), seconds(p.DefragSeconds))})
	}
	if p.CompactDefragSizeBytes > 0 {
		rows = append(rows, [2]string{"compact + defrag", fmt.Sprintf("%s after compacting at revision %s and defragmenting", ibytes(p.CompactDefragSizeBytes), count(p.CompactAt))})
	}
	if x := r.ExactDefrag; x != nil {
		rows = append(rows, [2]string{"exact defrag", fmt.Sprintf("%s (file %s) by a real bbolt defrag of a temp copy in %s", ibytes(x.DbSizeBytes), ibytes(x.FileBytes), seconds(x.DefragSeconds))})
	}
	q := p.Quota
	if q.Disabled {
		rows = append(rows, [2]string{"quota", "disabled"})
	} else {
		used := (&QuotaFigures{DbSizeBytes: q.DbSizeBytes, QuotaBytes: q.QuotaBytes}).text()
		rows = append(rows, [2]string{"quota", fmt.Sprintf("%s, headroom %s (after defrag %s)", used, ibytes(q.HeadroomBytes), ibytes(q.AfterDefragHeadroom))})
	}
	rows = append(rows, [2]string{"restore needs", restoreFigures(p.Restore).text()})
	rows = append(rows, [2]string{"coefficients", p.Calibration})
	t.printf("\n")
	t.kv(rows)
	t.printf("\n  How these are predicted\n")
	for _, m := range p.Models {
		t.printf("  %s: %s\n", m.Name, m.Model)
		for _, a := range m.Assumptions {
			t.printf("    - %s\n", a)
		}
	}
}

func (t *textWriter) findingsSection(fs []findings.Finding) {
	t.heading("Findings")
	if len(fs) == 0 {
		t.printf("  none\n")
		return
	}
	for _, f := range fs {
		t.printf("  %s %s: %s\n", t.severity(f.Severity), f.Code, f.Message)
		if f.Advice != "" {
			t.printf("      what to do: %s\n", f.Advice)
		}
	}
}

func (t *textWriter) certaintySection(r *Report) {
	c := r.Certainty
	if c.Complete {
		return
	}
	t.heading("Certainty")
	if c.Changed != "" {
		t.para("  CHANGED WHILE READ: ", "    ", c.Changed)
	}
	for _, p := range c.Partial {
		t.para("  partial: ", "    ", p)
	}
	if len(c.Certain) > 0 {
		t.para("  certain: ", "    ", strings.Join(c.Certain, ", "))
		t.printf("  (certain sections read everything they depend on; predictions among them are still estimates)\n")
	}
	if c.Changed == "" {
		t.printf("  Figures of the sections not named certain cover the pages that were read.\n")
	}
}
