package report

// MemberDiffSide are the member figures compared by diff.
type MemberDiffSide struct {
	Segments         int64   `json:"segments"`
	WALBytes         int64   `json:"wal_bytes"`
	Entries          int64   `json:"entries"`
	EntryDataBytes   int64   `json:"entry_data_bytes"`
	LastIndex        int64   `json:"last_index"`
	SnapshotIndex    int64   `json:"snapshot_index"`
	LoadedEntries    int64   `json:"loaded_entries"`
	RaftLogPeakBytes int64   `json:"raftlog_peak_bytes"`
	RestartSeconds   float64 `json:"restart_seconds"`
	RestartRSSBytes  int64   `json:"restart_rss_bytes"`
}

// MemberDiff is the WAL's growth between two data dirs.
type MemberDiff struct {
	Old    MemberDiffSide `json:"old"`
	New    MemberDiffSide `json:"new"`
	Growth MemberDiffSide `json:"growth"`
}

func memberSide(m *MemberReport) MemberDiffSide {
	s := MemberDiffSide{
		Segments: int64(len(m.WAL.Segments)), WALBytes: walBytes(m.WAL),
		Entries: int64(m.Entries.Entries), EntryDataBytes: m.Entries.DataBytes, LastIndex: int64(m.Entries.LastIndex),
	}
	if rp := m.Replay; rp != nil {
		s.SnapshotIndex, s.LoadedEntries = int64(rp.SnapIndex), int64(rp.Loaded.Entries)
	}
	if len(m.Restart) > 0 {
		r := m.Restart[0]
		s.RaftLogPeakBytes, s.RestartSeconds, s.RestartRSSBytes = r.RaftLogPeakBytes, r.StartupSeconds, r.RSSBytes
	}
	return s
}

// compareMembers is nil unless both sides are data dirs.
func compareMembers(old, new *Report) *MemberDiff {
	if old.Member == nil || new.Member == nil {
		return nil
	}
	o, n := memberSide(old.Member), memberSide(new.Member)
	return &MemberDiff{Old: o, New: n, Growth: MemberDiffSide{
		Segments: n.Segments - o.Segments, WALBytes: n.WALBytes - o.WALBytes, Entries: n.Entries - o.Entries,
		EntryDataBytes: n.EntryDataBytes - o.EntryDataBytes, LastIndex: n.LastIndex - o.LastIndex,
		SnapshotIndex: n.SnapshotIndex - o.SnapshotIndex, LoadedEntries: n.LoadedEntries - o.LoadedEntries,
		RaftLogPeakBytes: n.RaftLogPeakBytes - o.RaftLogPeakBytes, RestartSeconds: n.RestartSeconds - o.RestartSeconds,
		RestartRSSBytes: n.RestartRSSBytes - o.RestartRSSBytes,
	}}
}

func (t *textWriter) memberDiff(d *MemberDiff) {
	if d == nil {
		return
	}
	t.heading("Member WAL growth")
	tb := newTable("figure", ">old", ">new", ">change")
	o, n, g := d.Old, d.New, d.Growth
	num := func(label string, a, b, c int64) { tb.add(label, count(a), count(b), signed(count(c), c)) }
	size := func(label string, a, b, c int64) { tb.add(label, ibytes(a), ibytes(b), signed(ibytes(c), c)) }
	num("WAL segments", o.Segments, n.Segments, g.Segments)
	size("WAL on disk", o.WALBytes, n.WALBytes, g.WALBytes)
	num("entries", o.Entries, n.Entries, g.Entries)
	size("entry data", o.EntryDataBytes, n.EntryDataBytes, g.EntryDataBytes)
	num("last raft index", o.LastIndex, n.LastIndex, g.LastIndex)
	num("snapshot index", o.SnapshotIndex, n.SnapshotIndex, g.SnapshotIndex)
	num("entries loaded at restart", o.LoadedEntries, n.LoadedEntries, g.LoadedEntries)
	size("raft log loaded", o.RaftLogPeakBytes, n.RaftLogPeakBytes, g.RaftLogPeakBytes)
	tb.add("member restart", seconds(o.RestartSeconds), seconds(n.RestartSeconds), signed(seconds(g.RestartSeconds), int64(g.RestartSeconds*1e6)))
	size("member restart RSS", o.RestartRSSBytes, n.RestartRSSBytes, g.RestartRSSBytes)
	t.table(tb)
}
