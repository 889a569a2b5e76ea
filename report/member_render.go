package report

import (
	"fmt"
	"strconv"

	"github.com/dbinspect/dbinspect/internal/english"
	"github.com/dbinspect/dbinspect/report/html"
	"github.com/dbinspect/dbinspect/wal"
)

// memberRows are the member section's labelled figures, for text and HTML.
func memberRows(m *MemberReport) [][2]string {
	l := m.WAL
	var frames int64
	for _, s := range l.Segments {
		frames += s.End
	}
	walLine := fmt.Sprintf("%s, %s on disk, %s of records", english.Plural(len(l.Segments), "segment"), ibytes(walBytes(l)), ibytes(frames))
	if l.Metadata != nil {
		walLine += fmt.Sprintf("; written by member %s of cluster %s", strconv.FormatUint(l.Metadata.NodeID, 16), strconv.FormatUint(l.Metadata.ClusterID, 16))
	}
	e := m.Entries
	rows := [][2]string{
		{"WAL", walLine},
		{"entries", fmt.Sprintf("%s (index %s..%s, term %d..%d), %s of data, largest %s", count(int64(e.Entries)), count(int64(e.FirstIndex)), count(int64(e.LastIndex)), e.FirstTerm, e.LastTerm, ibytes(e.DataBytes), ibytes(e.Largest))},
		{"entry sizes", fmt.Sprintf("%s under 1 KiB, %s under 64 KiB, %s under 1 MiB, %s of 1 MiB or more", count(int64(e.Sizes[0])), count(int64(e.Sizes[1])), count(int64(e.Sizes[2])), count(int64(e.Sizes[3])))},
	}
	if hs := l.State; hs != nil {
		rows = append(rows, [2]string{"hard state", fmt.Sprintf("term %d, vote %s, commit %s", hs.Term, strconv.FormatUint(hs.Vote, 16), count(int64(hs.Commit)))})
	}
	snaps := fmt.Sprintf("%s in the WAL, %s", english.Plural(len(l.Snapshots), "snapshot record"), english.Plural(len(m.Snap.Snaps), ".snap file"))
	if n := len(m.Snap.DBs); n > 0 {
		snaps += ", " + english.Plural(n, ".snap.db file")
	}
	rows = append(rows, [2]string{"snapshots", snaps})
	if s := m.Outcome.Snapshot; s != nil {
		rows = append(rows, [2]string{"etcd loads", fmt.Sprintf("%s: index %s, term %d, %s of v2 store data", s.Name, count(int64(s.Index)), s.Term, ibytes(s.DataBytes))})
	} else {
		rows = append(rows, [2]string{"etcd loads", "no snapshot: raft replays the WAL from its start"})
	}
	if p := l.Problem; p != nil {
		rows = append(rows, [2]string{"WAL problem", fmt.Sprintf("%s in %s at offset %d: %s", p.Code, p.Segment, p.Offset, p.Msg)})
	}
	o := m.Outcome
	switch {
	case o.Starts && o.Repairs:
		rows = append(rows, [2]string{"at restart", fmt.Sprintf("etcd repairs the last segment (truncates it at offset %d), then starts", l.Problem.Offset)})
	case o.Starts:
		rows = append(rows, [2]string{"at restart", "etcd reads the WAL and starts"})
	default:
		rows = append(rows, [2]string{"at restart", "etcd REFUSES to start: " + o.Reason})
	}
	if rp := m.Replay; rp != nil && o.Starts {
		ci := "no db read"
		if rp.HaveCI {
			ci = "the db's consistent index " + count(int64(rp.ConsistentIndex))
		}
		rows = append(rows,
			[2]string{"raft loads", spanLine(rp.Loaded) + " into memory at once"},
			[2]string{"applied again", fmt.Sprintf("%s (%s mvcc ops) above %s; %s skipped; %s uncommitted", spanLine(rp.Applied), count(rp.Applied.Ops), ci, count(int64(rp.Skipped.Entries)), count(int64(rp.Uncommitted.Entries)))},
			[2]string{"WAL decoded", fmt.Sprintf("%s (every segment once, then again from the snapshot's: %s)", ibytes(rp.DecodedBytes), english.Plural(rp.SegmentsRead, "segment"))},
			[2]string{"raft log after start", fmt.Sprintf("%s (etcd %s, --snapshot-count %s, %s catch-up entries)", spanLine(rp.InMemoryAfterStart), rp.Version, count(int64(rp.SnapshotCount)), count(wal.CatchUpEntries))},
		)
	}
	return rows
}

func spanLine(s wal.Span) string {
	if s.Entries == 0 {
		return "0 entries"
	}
	return fmt.Sprintf("%s (index %s..%s, %s)", english.Count(int64(s.Entries), "entry", "entries"), count(int64(s.First)), count(int64(s.Last)), ibytes(s.Bytes))
}

func memberSegmentsTable(l *wal.Log) *table {
	tb := newTable("segment", ">size", ">records", ">entries", ">first index", ">last index", ">end", "ending")
	for _, s := range l.Segments {
		tb.add(s.Name, ibytes(s.Size), count(int64(s.Records)), count(int64(s.Entries)), count(int64(s.FirstIndex)), count(int64(s.LastIndex)), count(s.End), s.Ending)
	}
	return tb
}

func memberKindsTable(e MemberEntries) *table {
	tb := newTable("request", ">entries", ">mvcc ops", ">data", ">largest")
	for _, k := range e.ByKind {
		tb.add(k.Kind, count(int64(k.Entries)), count(k.Ops), ibytes(k.Bytes), ibytes(k.Largest))
	}
	return tb
}

func memberRestartTable(m *MemberReport) *table {
	tb := newTable("etcd", ">db-only start", ">+ longer election", ">+ WAL decode", ">+ replay", ">- during election", ">member restart", ">db-only RSS", ">raft log loaded", ">member RSS", ">raft log after start")
	for _, r := range m.Restart {
		tb.add(r.Version, seconds(r.DBStartupSeconds), seconds(r.Election.ExtraSeconds), seconds(r.WALDecodeSeconds), seconds(r.ReplaySeconds), seconds(r.ElectionOverlapSeconds), seconds(r.StartupSeconds),
			ibytes(r.DBRSSBytes), ibytes(r.RaftLogPeakBytes), ibytes(r.RSSBytes), ibytes(r.InMemoryAfterStart.MemoryBytes()))
	}
	return tb
}

func (t *textWriter) memberSection(r *Report) {
	m := r.Member
	t.heading("Member (the data dir's WAL and snap files, and its restart)")
	t.kv(memberRows(m))
	t.printf("\n")
	t.table(memberSegmentsTable(m.WAL))
	t.printf("\n")
	t.table(memberKindsTable(m.Entries))
	t.printf("\n")
	t.table(memberRestartTable(m))
	t.printf("\n  %s: %s\n", m.Model.Name, m.Model.Model)
	for _, a := range m.Model.Assumptions {
		t.printf("    - %s\n", a)
	}
}

// memberHTMLTables carry the member section into the HTML page.
func memberHTMLTables(r *Report) []html.Table {
	m := r.Member
	if m == nil {
		return nil
	}
	rows := memberRows(m)
	kv := html.Table{Caption: "Member: the data dir's WAL and snap files, and its restart", Header: []string{"", ""}}
	for _, row := range rows {
		kv.Rows = append(kv.Rows, []string{row[0], row[1]})
	}
	return []html.Table{
		kv,
		htmlTableOf("Member restart: predicted time and memory, beside the db-only prediction", memberRestartTable(m)),
		htmlTableOf("Member WAL segments", memberSegmentsTable(m.WAL)),
		htmlTableOf("Member WAL entries by request", memberKindsTable(m.Entries)),
	}
}
