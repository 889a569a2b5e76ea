package wal

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	"go.etcd.io/raft/v3/raftpb"
)

// Segment is one member/wal/*.wal file as read.
type Segment struct {
	Name  string `json:"name"`
	Seq   uint64 `json:"seq"`   // from the name
	Index uint64 `json:"index"` // from the name: the raft index the segment starts after
	Size  int64  `json:"size_bytes"`
	// GapBefore: the previous segment's sequence number is not Seq-1.
	GapBefore bool `json:"gap_before,omitempty"`

	Records    int    `json:"records"`
	Entries    int    `json:"entries"`
	EntryBytes int64  `json:"entry_data_bytes"` // sum of the entries' data sizes
	FirstIndex uint64 `json:"first_index,omitempty"`
	LastIndex  uint64 `json:"last_index,omitempty"`
	// End is the offset after the last valid record: where etcd appends,
	// and where its repair would cut the file.
	End int64 `json:"end"`
	// Ending says how the read of this file ended: "eof" (the file ends
	// after a record), "zero_length" (a zero length field: the preallocated
	// tail of the live segment), "problem" (Log.Problem is here) or
	// "not_read" (after a problem, etcd reads no further either).
	Ending string `json:"ending"`
}

// HardState is raft's persisted state.
type HardState struct {
	Term   uint64 `json:"term"`
	Vote   uint64 `json:"vote"`
	Commit uint64 `json:"commit"`
}

// SnapRecord is a snapshot record of the WAL (walpb.Snapshot): raft wrote a
// .snap file at this index and term.
type SnapRecord struct {
	Index     uint64 `json:"index"`
	Term      uint64 `json:"term"`
	HasConf   bool   `json:"has_conf_state"`
	Voters    int    `json:"voters"`
	Learners  int    `json:"learners"`
	Segment   int32  `json:"-"`
	Committed bool   `json:"committed"` // Index <= the last HardState's Commit (etcd's ValidSnapshotEntries)
}

// Metadata is the WAL's etcdserverpb.Metadata: who wrote it.
type Metadata struct {
	NodeID    uint64 `json:"member_id"`
	ClusterID uint64 `json:"cluster_id"`
}

// Problem codes: why a read stopped. etcd stops at the same record.
const (
	ProblemTornTail       = "torn_tail"    // a record with a zeroed 512-byte sector in the last segment: etcd repairs (truncates at Offset)
	ProblemTruncated      = "truncated"    // a frame runs past the end of its file: repaired in the last segment, fatal elsewhere
	ProblemCRCMismatch    = "crc_mismatch" // a record's CRC does not match its data: etcd refuses to start
	ProblemCRCRecord      = "crc_record_mismatch"
	ProblemBadRecord      = "malformed_record" // the bytes are not a walpb.Record: etcd refuses to start
	ProblemBadPayload     = "malformed_payload"
	ProblemUnknownRecord  = "unknown_record_type"
	ProblemMetaConflict   = "metadata_conflict"
	ProblemUnreadableFile = "unreadable_file"
)

// Problem is the first thing that stopped the read.
type Problem struct {
	Code    string `json:"code"`
	Segment string `json:"segment"`
	Offset  int64  `json:"offset"`
	// Last: in the last segment, where etcd's repair can act.
	Last bool   `json:"in_last_segment"`
	Msg  string `json:"message"`
}

// Repairable says whether etcd's restart repairs this (wal.Repair
// truncates the last segment at Offset, keeping a .broken copy) rather
// than refusing to start.
func (p *Problem) Repairable() bool {
	return p != nil && p.Last && (p.Code == ProblemTornTail || p.Code == ProblemTruncated)
}

func (p *Problem) Error() string {
	return fmt.Sprintf("%s at offset %d: %s", p.Segment, p.Offset, p.Msg)
}

// Log is everything read from a WAL directory.
type Log struct {
	Dir      string    `json:"-"`
	Segments []Segment `json:"segments"`
	// Ignored are files etcd skips with a warning; Temps the *.tmp files
	// (a running etcd's next segment) it skips silently.
	Ignored []string `json:"ignored_files,omitempty"`
	Temps   []string `json:"temp_files,omitempty"`

	Metadata *Metadata `json:"metadata,omitempty"`
	// State is the last HardState record; StateSegment the segment holding it.
	State        *HardState   `json:"hard_state,omitempty"`
	StateSegment int32        `json:"-"`
	Snapshots    []SnapRecord `json:"snapshot_records"`
	// Entries are every entry record in file order, overwritten ones
	// included (Restart resolves them as etcd's ReadAll does).
	Entries []Entry `json:"-"`
	Records int     `json:"records"`
	// BytesRead is the frames read: what etcd's decoder goes through.
	BytesRead int64    `json:"bytes_read"`
	Problem   *Problem `json:"problem,omitempty"`
}

// ParseSegmentName parses etcd's %016x-%016x.wal (seq, index) as etcd does.
func ParseSegmentName(name string) (seq, index uint64, ok bool) {
	if !strings.HasSuffix(name, ".wal") {
		return 0, 0, false
	}
	_, err := fmt.Sscanf(name, "%016x-%016x.wal", &seq, &index)
	return seq, index, err == nil
}

// ReadDir reads every segment of the WAL directory dir, in name order, as
// etcd's ValidSnapshotEntries does (all files, CRC chained across them),
// and keeps what ReadAll and the restart need. An error is returned only
// when dir cannot be listed; damage is a Log.Problem with what was read
// before it.
func ReadDir(dir string) (*Log, error) {
	l, err := ReadDirFS(os.DirFS(dir), ".")
	if err != nil {
		return nil, fmt.Errorf("listing the WAL dir %s: %w", dir, pathless(err))
	}
	l.Dir = dir
	return l, nil
}

// ReadDirFS is ReadDir on the directory dir of fsys: the files of an
// archive's member held open without a name, as well as a real dir.
func ReadDirFS(fsys fs.FS, dir string) (*Log, error) {
	return readDirFS(fsys, dir, nil)
}

// readDirFS is ReadDirFS calling onEntry (if not nil) on each valid entry
// record, in file order: i is its position in Log.Entries, data its
// payload when buffered (nil for one over MaxBuffered), valid only
// during the call.
func readDirFS(fsys fs.FS, dir string, onEntry func(i int, e Entry, data []byte)) (*Log, error) {
	des, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	l := &Log{Dir: dir, Snapshots: []SnapRecord{}}
	var names []string
	for _, de := range des {
		n := de.Name()
		if _, _, ok := ParseSegmentName(n); ok {
			names = append(names, n)
		} else if strings.HasSuffix(n, ".tmp") {
			l.Temps = append(l.Temps, n)
		} else {
			l.Ignored = append(l.Ignored, n)
		}
	}
	sort.Strings(names)
	for i, n := range names {
		seq, idx, _ := ParseSegmentName(n)
		s := Segment{Name: n, Seq: seq, Index: idx, Ending: "not_read"}
		if i > 0 && l.Segments[i-1].Seq+1 != seq {
			s.GapBefore = true
		}
		l.Segments = append(l.Segments, s)
	}
	r := &reader{log: l, fsys: fsys, dir: dir, scratch: make([]byte, 32<<10), onEntry: onEntry}
	for i := range l.Segments {
		if !r.readSegment(i) {
			break
		}
	}
	// etcd's ValidSnapshotEntries: snapshot records up to the commit.
	for i := range l.Snapshots {
		l.Snapshots[i].Committed = l.State != nil && l.Snapshots[i].Index <= l.State.Commit
	}
	return l, nil
}

// pathless is err without the fs-relative path an fs.FS puts in it ("open
// .: permission denied"), for a message that names the real dir itself.
func pathless(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

type reader struct {
	log      *Log
	fsys     fs.FS
	dir      string
	running  uint32 // the CRC chain
	buf      []byte
	scratch  []byte
	metadata []byte
	onEntry  func(i int, e Entry, data []byte)
}

func (r *reader) problem(i int, code string, off int64, format string, args ...any) {
	s := &r.log.Segments[i]
	s.Ending = "problem"
	r.log.Problem = &Problem{Code: code, Segment: s.Name, Offset: off, Last: i == len(r.log.Segments)-1, Msg: fmt.Sprintf(format, args...)}
}

// readSegment reads segment i; false: a problem stopped the read.
func (r *reader) readSegment(i int) bool {
	l := r.log
	s := &l.Segments[i]
	f, err := r.fsys.Open(path.Join(r.dir, s.Name))
	if err != nil {
		r.problem(i, ProblemUnreadableFile, 0, "cannot open: %v", err)
		return false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		r.problem(i, ProblemUnreadableFile, 0, "cannot stat: %v", err)
		return false
	}
	return r.readFrom(i, f, st.Size())
}

// readFrom reads segment i's bytes from rd (size bytes).
func (r *reader) readFrom(i int, rd io.Reader, size int64) bool {
	l := r.log
	s := &l.Segments[i]
	last := i == len(l.Segments)-1
	s.Size = size
	sr := &segReader{br: bufio.NewReaderSize(rd, 256<<10), size: s.Size}
	for {
		start := sr.off
		lf, err := sr.readLength()
		if errors.Is(err, io.EOF) {
			s.Ending = "eof"
			return true
		}
		if err != nil {
			r.problem(i, ProblemTruncated, start, "a length field cut by the end of the file (%v)", err)
			return false
		}
		if lf == 0 {
			s.Ending = "zero_length"
			return true
		}
		recBytes, pad := decodeFrameSize(lf)
		if limit := s.Size - start - pad; recBytes > limit {
			r.problem(i, ProblemTruncated, start, "a record of %d bytes does not fit in the %d bytes left in the file", recBytes, s.Size-start-frameHeader)
			return false
		}
		fr := newFrame(sr, recBytes, pad, r.running, r.scratch)
		rec, derr := decodeRecord(fr, r.running, &r.buf)
		ferr := fr.finish()
		switch {
		case isReadErr(derr) || isReadErr(ferr):
			r.problem(i, ProblemTruncated, start, "a record of %d bytes is cut by the end of the file", recBytes)
			return false
		case derr != nil:
			if last && fr.torn {
				r.problem(i, ProblemTornTail, start, "a torn write: the record does not decode and a 512-byte sector of it is zero")
			} else {
				r.problem(i, ProblemBadRecord, start, "the record does not decode: %v", derr)
			}
			return false
		}
		if rec.typ != CrcType && rec.crc != rec.chainCRC {
			if last && fr.torn {
				r.problem(i, ProblemTornTail, start, "a torn write: the CRC does not match and a 512-byte sector of the record is zero")
			} else {
				r.problem(i, ProblemCRCMismatch, start, "CRC mismatch: the record says %08x, its data gives %08x", rec.crc, rec.chainCRC)
			}
			return false
		}
		// The record is valid: etcd's lastValidOff moves past it.
		s.Records++
		l.Records++
		l.BytesRead += sr.off - start
		if rec.typ != CrcType {
			r.running = rec.chainCRC
		}
		if !r.apply(i, start, &rec) {
			return false
		}
		s.End = sr.off
	}
}

func isReadErr(err error) bool {
	return err != nil && (errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, errFrameEnd)) && !errors.Is(err, errMalformed)
}

// apply does what etcd's ReadAll does with a valid record.
func (r *reader) apply(i int, off int64, rec *record) bool {
	l := r.log
	s := &l.Segments[i]
	switch rec.typ {
	case EntryType:
		if !rec.isEntry {
			// No data field: an empty Entry, as gogo would decode it.
			rec.entry = Entry{Kind: KindNoop}
		}
		if rec.entryErr != nil {
			r.problem(i, ProblemBadPayload, off, "an entry record that is not a raftpb.Entry (etcd panics: unmarshal should never fail): %v", rec.entryErr)
			return false
		}
		e := rec.entry
		e.Segment = int32(i)
		l.Entries = append(l.Entries, e)
		if r.onEntry != nil {
			r.onEntry(len(l.Entries)-1, e, rec.payload)
		}
		if s.Entries == 0 {
			s.FirstIndex = e.Index
		}
		s.Entries++
		s.LastIndex = e.Index
		s.EntryBytes += int64(e.Size)
	case StateType:
		var hs raftpb.HardState
		if err := hs.Unmarshal(rec.data); err != nil {
			r.problem(i, ProblemBadPayload, off, "a state record that is not a raftpb.HardState (etcd panics): %v", err)
			return false
		}
		l.State = &HardState{Term: hs.Term, Vote: hs.Vote, Commit: hs.Commit}
		l.StateSegment = int32(i)
	case MetadataType:
		if r.metadata != nil && !bytes.Equal(r.metadata, rec.data) {
			r.problem(i, ProblemMetaConflict, off, "this segment's metadata differs from the first segment's (etcd: wal: conflicting metadata found)")
			return false
		}
		if r.metadata == nil {
			r.metadata = append([]byte{}, rec.data...)
			m, err := decodeMetadata(rec.data)
			if err != nil {
				r.problem(i, ProblemBadPayload, off, "a metadata record that is not an etcdserverpb.Metadata (etcd panics): %v", err)
				return false
			}
			l.Metadata = &m
		}
	case CrcType:
		if r.running != 0 && rec.crc != r.running {
			r.problem(i, ProblemCRCRecord, off, "the CRC record says %08x where the chain so far gives %08x (etcd: wal: crc mismatch): a segment missing or from elsewhere", rec.crc, r.running)
			return false
		}
		r.running = rec.crc
	case SnapshotType:
		sn, err := decodeWALSnapshot(rec.data)
		if err != nil {
			r.problem(i, ProblemBadPayload, off, "a snapshot record that is not a walpb.Snapshot (etcd panics): %v", err)
			return false
		}
		sn.Segment = int32(i)
		l.Snapshots = append(l.Snapshots, sn)
	default:
		r.problem(i, ProblemUnknownRecord, off, "record type %d (etcd: unexpected block type %d)", rec.typ, rec.typ)
		return false
	}
	return true
}

// decodeWALSnapshot decodes walpb.Snapshot{index=1, term=2, conf_state=3}.
func decodeWALSnapshot(b []byte) (SnapRecord, error) {
	var sn SnapRecord
	rd := bytes.NewReader(b)
	for rd.Len() > 0 {
		tag, err := readVarint(rd)
		if err != nil {
			return sn, err
		}
		field, wt := tag>>3, tag&7
		switch {
		case field == 1 && wt == 0:
			if sn.Index, err = readVarint(rd); err != nil {
				return sn, err
			}
		case field == 2 && wt == 0:
			if sn.Term, err = readVarint(rd); err != nil {
				return sn, err
			}
		case field == 3 && wt == 2:
			n, err := readLen(rd, int64(rd.Len()))
			if err != nil {
				return sn, err
			}
			cb := make([]byte, n)
			if _, err := io.ReadFull(rd, cb); err != nil {
				return sn, err
			}
			var cs raftpb.ConfState
			if err := cs.Unmarshal(cb); err != nil {
				return sn, fmt.Errorf("%w: conf state: %v", errMalformed, err)
			}
			sn.HasConf, sn.Voters, sn.Learners = true, len(cs.Voters), len(cs.Learners)
		default:
			if field == 0 {
				return sn, fmt.Errorf("%w: field number 0", errMalformed)
			}
			if err := skipField(rd, wt, func() int64 { return int64(rd.Len()) }); err != nil {
				return sn, err
			}
		}
	}
	return sn, nil
}
