package wal

import (
	"fmt"
)

// Loaded is what etcd's wal.ReadAll returns when opened at a snapshot
// (index, term): the entries after it, the last HardState, and an error
// string in etcd's words ("" when none).
type Loaded struct {
	SnapIndex uint64
	SnapTerm  uint64
	// FirstSegment is the segment ReadAll starts from (-1: none).
	FirstSegment int
	Entries      []Entry
	State        HardState
	// Err is the error ReadAll would return; EntriesKept says whether it
	// still returns the entries read (3.6 keeps them on a slice-bounds
	// error, 3.5 does not; ErrSnapshotNotFound keeps them).
	Err         string
	EntriesKept bool
	// Fatal: etcd's bootstrap stops on Err (it only repairs an unexpected EOF).
	Fatal bool
}

// ReadAll emulates etcd's OpenForRead(at)+ReadAll in read mode, from what
// ReadDir read: the segment selection, the overwrite of a later entry with
// the same index, and etcd's errors. version is "3.4" (read as 3.5), "3.5", "3.6" or "3.7".
func (l *Log) ReadAll(index, term uint64, version string) Loaded {
	ld := Loaded{SnapIndex: index, SnapTerm: term, FirstSegment: -1, EntriesKept: true}
	if len(l.Segments) == 0 {
		ld.Err, ld.Fatal = "wal: file not found", true
		return ld
	}
	for i := len(l.Segments) - 1; i >= 0; i-- {
		if index >= l.Segments[i].Index {
			ld.FirstSegment = i
			break
		}
	}
	if ld.FirstSegment < 0 {
		ld.Err, ld.Fatal = fmt.Sprintf("wal: file not found which matches the snapshot index '%d'", index), true
		return ld
	}
	for i := ld.FirstSegment + 1; i < len(l.Segments); i++ {
		if l.Segments[i].GapBefore {
			ld.Err, ld.Fatal = fmt.Sprintf("wal: file sequence numbers (starting from %d) do not increase continuously", l.Segments[ld.FirstSegment].Seq), true
			return ld
		}
	}
	first := int32(ld.FirstSegment)
	n := 0
	for _, e := range l.Entries {
		if e.Segment >= first && e.Index > index {
			n++
		}
	}
	ents := make([]Entry, 0, n) // one allocation: a log can hold millions
	for _, e := range l.Entries {
		if e.Segment < first || e.Index <= index {
			continue
		}
		off := e.Index - index - 1
		if off > uint64(len(ents)) {
			ld.Err = fmt.Sprintf("wal: slice bounds out of range, snapshot[Index: %d, Term: %d], current entry[Index: %d, Term: %d], len(ents): %d", index, term, e.Index, e.Term, len(ents))
			ld.Fatal = true
			if like35(version) {
				ld.EntriesKept = false
				ents = nil
			}
			ld.Entries = ents
			return ld
		}
		ents = append(ents[:off], e)
	}
	ld.Entries = ents
	if l.State != nil && l.StateSegment >= first {
		ld.State = *l.State
	}
	if p := l.Problem; p != nil && !(p.Code == ProblemTornTail || p.Code == ProblemTruncated) {
		if seg := l.segmentIndex(p.Segment); seg >= ld.FirstSegment {
			ld.Err, ld.Fatal, ld.EntriesKept = problemInEtcdWords(p), true, false
			ld.Entries = nil
			return ld
		}
	}
	match := false
	for _, s := range l.Snapshots {
		if s.Segment >= first && s.Index == index {
			if s.Term != term {
				ld.Err, ld.Fatal, ld.EntriesKept = "wal: snapshot mismatch", true, false
				ld.Entries = nil
				return ld
			}
			match = true
		}
	}
	if !match {
		ld.Err, ld.Fatal = "wal: snapshot not found", true
	}
	return ld
}

func (l *Log) segmentIndex(name string) int {
	for i, s := range l.Segments {
		if s.Name == name {
			return i
		}
	}
	return -1
}

// problemInEtcdWords is the error etcd's ReadAll gives for a problem.
func problemInEtcdWords(p *Problem) string {
	switch p.Code {
	case ProblemCRCMismatch:
		return fmt.Sprintf("walpb: crc mismatch: in file '%s' at position: %d", p.Segment, p.Offset)
	case ProblemCRCRecord:
		return "wal: crc mismatch"
	case ProblemMetaConflict:
		return "wal: conflicting metadata found"
	case ProblemUnknownRecord, ProblemBadRecord, ProblemBadPayload, ProblemUnreadableFile:
		return p.Msg
	}
	return "unexpected EOF"
}

// ChooseSnapshot is the .snap etcd loads at restart: the newest one
// snap.Read accepts whose (index, term) is a WAL snapshot record at or
// below the last commit (wal.ValidSnapshotEntries + LoadNewestAvailable).
// nil: none, raft starts from index 0.
func ChooseSnapshot(l *Log, sd *SnapDir) *SnapFile {
	if sd == nil {
		return nil
	}
	for _, s := range sd.Snaps {
		if s.Err != "" {
			continue
		}
		for _, w := range l.Snapshots {
			if w.Committed && w.Index == s.Index && w.Term == s.Term {
				c := s
				return &c
			}
		}
	}
	return nil
}

// Outcome is what etcd's bootstrap will do with the WAL and snap files.
type Outcome struct {
	// Starts: etcd gets past reading the WAL and the snapshot.
	Starts bool `json:"starts"`
	// Repairs: etcd runs wal.Repair first (on an unexpected EOF): it copies
	// the last segment to <name>.broken and truncates it at the problem's
	// offset (when the problem is in the last segment; otherwise the
	// repair changes nothing and etcd then refuses).
	Repairs bool `json:"repairs"`
	// Reason is etcd's fatal message when it refuses.
	Reason   string    `json:"reason,omitempty"`
	Snapshot *SnapFile `json:"-"`
	Loaded   Loaded    `json:"-"`
}

// PredictOutcome says whether etcd (version "3.5", "3.6", "3.7") starts
// on these files, following its bootstrap (etcdserver/bootstrap.go in 3.6,
// NewServer in 3.5). ci is the db's consistent_index (haveCI false: no db
// read), dbs the .snap.db files.
func PredictOutcome(l *Log, sd *SnapDir, version string, ci uint64, haveCI bool) Outcome {
	var out Outcome
	p := l.Problem
	if p != nil && p.Code != ProblemTornTail && p.Code != ProblemTruncated {
		out.Reason = "failed to read WAL, cannot be repaired: " + problemInEtcdWords(p)
		if p.Code == ProblemCRCMismatch || p.Code == ProblemCRCRecord || p.Code == ProblemBadRecord {
			// wal.ValidSnapshotEntries reads every segment first and fails.
			out.Reason = "bootstrap failed: " + problemInEtcdWords(p)
		}
		return out
	}
	out.Snapshot = ChooseSnapshot(l, sd)
	var at, term uint64
	if out.Snapshot != nil {
		at, term = out.Snapshot.Index, out.Snapshot.Term
	}
	if haveCI && out.Snapshot != nil && at > ci {
		found := false
		for _, d := range sd.DBs {
			if d.Index == at {
				found = true
			}
		}
		if !found {
			out.Reason = fmt.Sprintf("failed to recover v3 backend from snapshot: the snapshot is at index %d, the db's consistent index at %d, and there is no %016x.snap.db to replace the db", at, ci, at)
			return out
		}
	}
	out.Loaded = l.ReadAll(at, term, version)
	if p != nil {
		// Write-mode ReadAll ends on io.ErrUnexpectedEOF: etcd repairs once.
		out.Repairs = true
		if !p.Last {
			out.Reason = "failed to read WAL, cannot be repaired: unexpected EOF (in " + p.Segment + ", not the last segment, which is all wal.Repair looks at)"
			return out
		}
	}
	if out.Loaded.Fatal {
		out.Reason = "failed to read WAL, cannot be repaired: " + out.Loaded.Err
		return out
	}
	if n := len(out.Loaded.Entries); out.Loaded.State.Commit > at && (n == 0 || out.Loaded.State.Commit > out.Loaded.Entries[n-1].Index) {
		last := at
		if n > 0 {
			last = out.Loaded.Entries[n-1].Index
		}
		out.Reason = fmt.Sprintf("raft panics: state.commit %d is out of range [%d, %d] (committed entries are missing from the WAL)", out.Loaded.State.Commit, at, last)
		return out
	}
	out.Starts = true
	return out
}
