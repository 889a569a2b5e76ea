package report

import (
	"fmt"
	"strings"

	"github.com/dbinspect/dbinspect/internal/english"
	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/report/findings"
	"github.com/dbinspect/dbinspect/report/predict"
)

// Summary is the report's one-screen summary: the view model the text,
// HTML and JSON reports all draw. Every figure is defined here once, from
// the sections, and Lines words it once; the renderers only lay it out.
type Summary struct {
	FileBytes    int64  `json:"file_bytes"`
	PageSize     int    `json:"page_size"`
	TxID         uint64 `json:"txid"`
	SnapshotHash string `json:"snapshot_hash"`

	Keys *KeyFigures `json:"keys,omitempty"`

	// DbSizeBytes is etcd's DbSize: the high-water mark, free pages
	// included; InUseBytes what its pages hold.
	DbSizeBytes int64 `json:"db_size_bytes"`
	InUseBytes  int64 `json:"in_use_bytes"`

	Defrag  *DefragFigures  `json:"defrag,omitempty"`
	Startup *StartupFigures `json:"startup,omitempty"`
	// MemberRestart is a data dir's own restart (member.go), beside Startup.
	MemberRestart *MemberRestartFigures `json:"member_restart,omitempty"`
	Quota         *QuotaFigures         `json:"quota,omitempty"`
	Restore       *RestoreFigures       `json:"restore,omitempty"`
	Findings      *FindingCounts        `json:"findings,omitempty"`
	Complete      bool                  `json:"-"` // certainty.complete
}

// KeyFigures are the summary's figures of etcd's buckets.
type KeyFigures struct {
	// WrittenBy is the etcd minor that wrote the file, inferred from its
	// meta bucket: "3.6", "3.5", "3.4" (no term, cluster version 3.4.x),
	// "3.4 or earlier" or "" (no meta bucket).
	WrittenBy       string `json:"written_by"`
	StorageVersion  string `json:"storage_version"`
	ClusterVersion  string `json:"cluster_version"`
	Revision        int64  `json:"revision"`
	CompactRevision int64  `json:"compact_revision"`
	// UnfinishedCompaction is the revision of a compaction etcd scheduled
	// and did not finish, or 0.
	UnfinishedCompaction int64 `json:"unfinished_compaction"`
	LiveKeys             int64 `json:"live_keys"`
	DeletedKeys          int64 `json:"deleted_keys"`
	Revisions            int64 `json:"revisions"`
}

// DefragFigures are what a defrag would give: the db after it, and what it
// saves of etcd's DbSize.
type DefragFigures struct {
	AfterBytes int64 `json:"after_bytes"`
	SavesBytes int64 `json:"saves_bytes"`
	// AfterCompactionBytes is the db after a compaction at CompactAt and a
	// defrag (0: not predicted).
	AfterCompactionBytes int64 `json:"after_compaction_bytes"`
	CompactAt            int64 `json:"compact_at"`
}

// StartupFigures are the first predicted etcd version's startup and memory.
type StartupFigures struct {
	EtcdVersion    string  `json:"etcd_version"`
	Seconds        float64 `json:"seconds"`
	RSSBytes       int64   `json:"rss_bytes"`
	RSSSteadyBytes int64   `json:"rss_steady_bytes"` // with the raft log
	LowerBound     bool    `json:"lower_bound"`
	// VersionAssumed: the file's etcd version is unknown, and the figures
	// assume EtcdVersion (predict.Prediction.VersionAssumed).
	VersionAssumed bool `json:"version_assumed,omitempty"`
}

// QuotaFigures compare the db with etcd's quota (absent when disabled).
type QuotaFigures struct {
	DbSizeBytes int64 `json:"db_size_bytes"`
	QuotaBytes  int64 `json:"quota_bytes"`
	// NoSpaceAlarm is set when the db holds a NOSPACE alarm: the member
	// ran with a quota no larger than its db size at the alarm, whatever
	// QuotaBytes assumes.
	NoSpaceAlarm bool `json:"nospace_alarm"`
}

// RestoreFigures are what restoring the db into a member needs.
type RestoreFigures struct {
	DiskBytes   int64 `json:"disk_bytes"`
	MemoryBytes int64 `json:"memory_bytes"`
	// DiskBytes in parts (predict.restore): why a small db needs tens of
	// MiB of disk.
	DbFileBytes     int64 `json:"db_file_bytes"`
	WALBytes        int64 `json:"wal_bytes"`
	DefragCopyBytes int64 `json:"defrag_copy_bytes"`
}

// FindingCounts count the findings by severity.
type FindingCounts struct {
	Critical int `json:"critical"`
	Warning  int `json:"warning"`
	Info     int `json:"info"`
}

// summarize is the report's Summary for the sections it shows.
func summarize(r *Report, s Sections) Summary {
	a := r.Analysis
	sum := Summary{
		FileBytes: a.File.SizeBytes, PageSize: a.File.PageSize, TxID: a.Meta.TxID,
		SnapshotHash: r.Input.SnapshotHash,
		DbSizeBytes:  a.Pages.HighWaterBytes, InUseBytes: a.Pages.InUseBytes,
		Complete: r.Certainty.Complete,
	}
	if m := r.MVCC; m != nil {
		k := &KeyFigures{WrittenBy: writtenByMinor(m), StorageVersion: m.StorageVersion, ClusterVersion: m.Cluster.Version,
			Revision: m.Revision, CompactRevision: m.CompactRevision,
			LiveKeys: int64(m.LiveKeys), DeletedKeys: int64(m.DeletedKeys), Revisions: int64(m.TotalRevisions)}
		if m.Meta.UnfinishedCompaction {
			k.UnfinishedCompaction = m.ScheduledCompactRevision
		}
		sum.Keys = k
	}
	if p := r.Predict; p != nil {
		if p.DefragSizeBytes > 0 {
			sum.Defrag = &DefragFigures{AfterBytes: p.DefragSizeBytes, SavesBytes: p.DefragSavingsBytes}
			if p.CompactDefragSizeBytes > 0 {
				sum.Defrag.AfterCompactionBytes, sum.Defrag.CompactAt = p.CompactDefragSizeBytes, p.CompactAt
			}
		}
		if s.Predict {
			sum.Startup = &StartupFigures{EtcdVersion: p.Version, Seconds: p.StartupSeconds, RSSBytes: p.RSSBytes,
				RSSSteadyBytes: p.RSSSteadyBytes, LowerBound: p.LowerBound, VersionAssumed: p.VersionAssumed}
			if !p.Quota.Disabled {
				sum.Quota = &QuotaFigures{DbSizeBytes: p.Quota.DbSizeBytes, QuotaBytes: p.Quota.QuotaBytes, NoSpaceAlarm: hasNoSpaceAlarm(r.MVCC)}
			}
			sum.Restore = restoreFigures(p.Restore)
		}
	}
	if s.Predict {
		sum.MemberRestart = memberRestartFigures(r)
	}
	if s.Findings {
		sum.Findings = countFindings(r.Findings)
	}
	return sum
}

func countFindings(fs []findings.Finding) *FindingCounts {
	c := &FindingCounts{}
	for _, f := range fs {
		switch f.Severity {
		case findings.SeverityCritical:
			c.Critical++
		case findings.SeverityWarning:
			c.Warning++
		case findings.SeverityInfo:
			c.Info++
		}
	}
	return c
}

// SummaryLine is one labelled line of the summary.
type SummaryLine struct{ Label, Text string }

// Lines words the summary: the text report prints them as they are, the
// HTML report as its summary table.
func (s Summary) Lines() []SummaryLine {
	var lines []SummaryLine
	add := func(label, format string, args ...any) {
		lines = append(lines, SummaryLine{label, fmt.Sprintf(format, args...)})
	}
	file := fmt.Sprintf("%s (%s bytes), page size %s, bbolt txid %d", ibytes(s.FileBytes), count(s.FileBytes), ibytes(int64(s.PageSize)), s.TxID)
	if s.SnapshotHash != "absent" {
		file += ", snapshot SHA-256 " + s.SnapshotHash
	}
	add("file", "%s", file)
	if k := s.Keys; k != nil {
		written := writtenByText(k)
		if k.ClusterVersion != "" {
			written += ", cluster version " + k.ClusterVersion
		}
		add("written by", "%s", written)
		rev := count(k.Revision)
		if k.CompactRevision > 0 {
			rev += fmt.Sprintf(" (compacted at %s)", count(k.CompactRevision))
		}
		if k.UnfinishedCompaction > 0 {
			rev += fmt.Sprintf(", compaction at %s unfinished", count(k.UnfinishedCompaction))
		}
		add("revision", "%s", rev)
		add("keys", "%s live, %s deleted; %s stored", count(k.LiveKeys), count(k.DeletedKeys), english.Plural(int(k.Revisions), "revision"))
	}
	add("size", "db %s (etcd's DbSize; the file is %s), in use %s (%s)", ibytes(s.DbSizeBytes), ibytes(s.FileBytes), ibytes(s.InUseBytes), pct(s.InUseBytes, s.DbSizeBytes))
	if d := s.Defrag; d != nil {
		add("defrag", "%s", d.text())
	}
	if st := s.Startup; st != nil {
		startup := fmt.Sprintf("%s predicted, RSS %s, then %s with the raft log", seconds(st.Seconds), ibytes(st.RSSBytes), ibytes(st.RSSSteadyBytes))
		if st.LowerBound {
			startup = "at least " + startup + " (LOWER BOUNDS: see Certainty)"
		}
		label := "etcd " + st.EtcdVersion + " startup"
		if st.VersionAssumed {
			// Not the file's version: say so, and which the figures assume.
			label = "etcd startup"
			startup += "; the file's etcd version is unknown (its meta bucket could not be read): the figures assume etcd " + st.EtcdVersion
		}
		add(label, "%s", startup)
	}
	if mr := s.MemberRestart; mr != nil {
		add("member "+mr.EtcdVersion+" restart", "%s", mr.text())
	}
	if q := s.Quota; q != nil {
		add("quota", "%s", q.text())
	}
	if rs := s.Restore; rs != nil {
		add("restore needs", "%s", rs.text())
	}
	if f := s.Findings; f != nil {
		add("findings", "%s", f.text())
	}
	add("certainty", "%s", certaintyText(s.Complete))
	return lines
}

// text is the one wording of the defrag figures.
func (d *DefragFigures) text() string {
	s := fmt.Sprintf("after defrag %s (saves %s)", ibytes(d.AfterBytes), ibytes(d.SavesBytes))
	if d.AfterCompactionBytes > 0 {
		s += fmt.Sprintf(", after compaction and defrag %s", ibytes(d.AfterCompactionBytes))
	}
	return s
}

// text is the one wording of the restore sizing: its parts are named,
// since the preallocated WAL segment dwarfs a small db.
func (r *RestoreFigures) text() string {
	return fmt.Sprintf("%s of disk (db file %s, WAL %s: etcd preallocates its first 64 MB segment whole, defrag copy %s), %s of memory",
		ibytes(r.DiskBytes), ibytes(r.DbFileBytes), ibytes(r.WALBytes), ibytes(r.DefragCopyBytes), ibytes(r.MemoryBytes))
}

func restoreFigures(p predict.RestoreSizing) *RestoreFigures {
	return &RestoreFigures{DiskBytes: p.DiskBytes, MemoryBytes: p.MemoryBytes,
		DbFileBytes: p.DbFileBytes, WALBytes: p.WALBytes, DefragCopyBytes: p.DefragCopyBytes}
}

// text is the one wording of the quota line. With a NOSPACE alarm the
// assumed quota is not the one the member ran with: etcd raises the alarm
// when a write would take the db past its quota, so that quota was at most
// the db size then (plus the refused write).
func (q *QuotaFigures) text() string {
	s := fmt.Sprintf("%s of %s (%s)", ibytes(q.DbSizeBytes), ibytes(q.QuotaBytes), pct(q.DbSizeBytes, q.QuotaBytes))
	if q.NoSpaceAlarm {
		s += fmt.Sprintf("; but the NOSPACE alarm is set, so the member ran with a quota of at most its db size at the alarm "+
			"(%s unless defragmented since), not %s: compact and defragment or raise --quota-backend-bytes, then 'etcdctl alarm disarm'",
			ibytes(q.DbSizeBytes), ibytes(q.QuotaBytes))
	}
	return s
}

func hasNoSpaceAlarm(m *mvcc.Summary) bool {
	if m == nil {
		return false
	}
	for _, a := range m.Alarms {
		if a.Type == "NOSPACE" {
			return true
		}
	}
	return false
}

func (c *FindingCounts) text() string {
	var parts []string
	for _, n := range []struct {
		n         int
		one, many string // critical and info take no s
	}{{c.Critical, "critical", "critical"}, {c.Warning, "warning", "warnings"}, {c.Info, "info", "info"}} {
		if n.n > 0 {
			parts = append(parts, english.Count(int64(n.n), n.one, n.many))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func certaintyText(complete bool) string {
	if complete {
		return "complete: every page was read and decoded"
	}
	return "PARTIAL: see Certainty at the end"
}

// writtenByMinor infers the etcd minor that wrote the file from its meta
// bucket (and, without term, the cluster bucket: mvcc's WrittenBy).
func writtenByMinor(m *mvcc.Summary) string {
	switch {
	case m.WrittenBy == "3.4":
		return "3.4"
	case m.StorageVersion != "":
		return minorOf(m.StorageVersion)
	case m.Meta.HasTerm:
		return "3.5"
	case m.Meta.Present:
		return "3.4 or earlier"
	}
	return ""
}

// writtenByText names the etcd that wrote the file in a few words; the
// JSON report carries the full inference (mvcc.meta.etcd_versions).
func writtenByText(k *KeyFigures) string {
	switch {
	case k.StorageVersion != "":
		return fmt.Sprintf("etcd %s (storage version %s)", k.WrittenBy, k.StorageVersion)
	case k.WrittenBy == "3.5":
		return "etcd 3.5 (term in meta, no storage version)"
	case k.WrittenBy == "3.4":
		return "etcd 3.4 (no term in meta)" // the cluster version follows
	case k.WrittenBy != "":
		return "etcd 3.4 or earlier (no term in meta)"
	}
	return "unknown (no meta bucket)"
}

func minorOf(v string) string {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) >= 2 {
		return parts[0] + "." + parts[1]
	}
	return v
}
