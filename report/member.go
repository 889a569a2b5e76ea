package report

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/dbinspect/dbinspect/report/calibrate"
	"github.com/dbinspect/dbinspect/report/findings"
	"github.com/dbinspect/dbinspect/report/predict"
	"github.com/dbinspect/dbinspect/wal"
)

// MemberReport is the "member" section, present when the input is a data
// dir (or an archive of one): its WAL and snap files, what etcd will do
// with them at restart, and the restart's time and memory beside the
// db-only prediction.
type MemberReport struct {
	WAL  *wal.Log     `json:"wal"`
	Snap *wal.SnapDir `json:"snap"`
	// Entries summarises every entry record in the WAL (overwritten ones
	// included; Replay counts what etcd loads).
	Entries MemberEntries `json:"entries"`
	// Outcome is what etcd's bootstrap does: start, repair then start, or
	// refuse (with etcd's reason).
	Outcome wal.Outcome `json:"outcome"`
	// Replay is the restart counted for the first predicted version.
	Replay *wal.Replay `json:"replay,omitempty"`
	// Restart is the prediction per etcd version.
	Restart []MemberRestart `json:"restart"`
	Model   predict.Model   `json:"model"`
}

// MemberEntries summarises the WAL's entries.
type MemberEntries struct {
	Entries    int             `json:"entries"`
	DataBytes  int64           `json:"data_bytes"`
	FirstIndex uint64          `json:"first_index"`
	LastIndex  uint64          `json:"last_index"`
	FirstTerm  uint64          `json:"first_term"`
	LastTerm   uint64          `json:"last_term"`
	Largest    int64           `json:"largest_bytes"`
	ByKind     []wal.KindCount `json:"by_kind"`
	// Sizes counts entries by data size: <1 KiB, <64 KiB, <1 MiB, >=1 MiB.
	Sizes [4]int `json:"by_size"`
}

// MemberRestart is one version's restart prediction.
type MemberRestart struct {
	Version string `json:"version"`
	// DBStartupSeconds and DBRSSBytes are the db-only prediction (a data
	// dir restored from this db: no WAL to replay).
	DBStartupSeconds float64 `json:"db_startup_seconds"`
	DBRSSBytes       int64   `json:"db_rss_bytes"`
	// WALDecodeSeconds reads and decodes the WAL (twice from the
	// snapshot's segment on); ReplaySeconds applies the entries above the
	// consistent index again.
	WALDecodeSeconds float64 `json:"wal_decode_seconds"`
	ReplaySeconds    float64 `json:"replay_seconds"`
	// ElectionOverlapSeconds is the part of the apply loop's work (every
	// committed entry's request unmarshalled, those above the consistent
	// index applied again) done while the member waits for its election:
	// raft hands the committed entries to the apply loop as soon as it
	// starts, and the member is ready only once both are done, so that
	// part does not add to the restart.
	ElectionOverlapSeconds float64 `json:"election_overlap_seconds"`
	// Election is how the member's first election is timed: a single
	// member that recovers no members (3.5 without a .snap file) gets no
	// fast-forwarded election ticks and waits Election.ExtraSeconds more
	// than the db-only start's fixed part; the apply loop runs through
	// that longer wait too.
	Election       predict.RestartElection `json:"election"`
	StartupSeconds float64                 `json:"startup_seconds"`
	// RaftLogPeakBytes is MemoryStorage right after the WAL is read: every
	// loaded entry (struct + data) and the snapshot's data.
	RaftLogPeakBytes int64 `json:"raftlog_peak_bytes"`
	// RSSBytes is the db-only RSS plus the raft log at its peak times the
	// heap growth of decoding it.
	RSSBytes int64 `json:"rss_bytes"`
	// InMemoryAfterStart is what MemoryStorage keeps once etcd compacts.
	InMemoryAfterStart wal.Span `json:"in_memory_after_start"`
}

// MemberDirOf is the member dir of a data-dir or member-dir input whose
// db is Path (<member>/snap/db); "" otherwise.
func MemberDirOf(in Input) string {
	if in.MemberDir != "" {
		return in.MemberDir
	}
	switch in.Kind {
	case "data-dir", "member-dir":
		return filepath.Dir(filepath.Dir(in.Path))
	}
	return ""
}

// member reads the member dir's WAL and snap files and predicts the
// restart. It runs after the db predictions it builds on.
func (r *Report) member(in Input, o Options) {
	readWAL, readSnap := wal.ReadDir, wal.ReadSnapDir
	stat := os.Stat
	dir := MemberDirOf(in)
	if in.MemberFS != nil {
		dir = "."
		readWAL = func(d string) (*wal.Log, error) { return wal.ReadDirFS(in.MemberFS, d) }
		readSnap = func(d string) (*wal.SnapDir, error) { return wal.ReadSnapDirFS(in.MemberFS, d) }
		stat = func(d string) (fs.FileInfo, error) { return fs.Stat(in.MemberFS, d) }
	}
	if dir == "" {
		return
	}
	walDir := filepath.Join(dir, "wal")
	if st, err := stat(walDir); err != nil && errors.Is(err, fs.ErrNotExist) || err == nil && !st.IsDir() {
		return // a db copied alone, or a WAL kept elsewhere (--wal-dir): db-only, as before
	}
	l, err := readWAL(walDir)
	if err != nil {
		r.Certainty.partial("member: the WAL dir could not be read: %v", err)
		return
	}
	sd, err := readSnap(filepath.Join(dir, "snap"))
	if err != nil {
		r.Certainty.partial("member: the snap dir could not be read: %v", err)
		sd = &wal.SnapDir{Snaps: []wal.SnapFile{}}
	}
	var ci uint64
	haveCI := r.MVCC != nil
	if haveCI {
		ci = r.MVCC.ConsistentIndex
	}
	m := &MemberReport{WAL: l, Snap: sd, Entries: memberEntries(l)}
	// The WAL coefficients come from the same calibration as the db's
	// predictions; one that cannot be read leaves the built-in ones (the
	// predictions say why).
	cal, err := calibrate.Load(o.Calibration)
	if err != nil {
		cal = calibrate.Default
	}
	versions := []string{"3.6"}
	if r.Predict != nil && len(r.Predict.ByVersion) > 0 {
		versions = versions[:0]
		for _, v := range r.Predict.ByVersion {
			versions = append(versions, v.Version)
		}
	}
	for i, v := range versions {
		out := wal.PredictOutcome(l, sd, v, ci, haveCI)
		rp := wal.ComputeReplay(l, out, v, ci, haveCI, 0)
		if i == 0 {
			m.Outcome = out
			rp := rp
			m.Replay = &rp
		}
		mr := MemberRestart{Version: v, InMemoryAfterStart: rp.InMemoryAfterStart}
		if r.Predict != nil {
			for _, pv := range r.Predict.ByVersion {
				if pv.Version == v {
					mr.DBStartupSeconds, mr.DBRSSBytes = pv.StartupSeconds, pv.Memory.RSSBytes
				}
			}
		}
		snapMembers := 0
		if out.Snapshot != nil {
			snapMembers = out.Snapshot.Voters + out.Snapshot.Learners
		}
		dbMembers := 0
		if haveCI {
			dbMembers = len(r.MVCC.Members)
		}
		mr.Election = predict.PredictRestartElection(v, snapMembers, out.Snapshot != nil, dbMembers, haveCI)
		predictMemberRestart(&mr, rp, cal)
		m.Restart = append(m.Restart, mr)
		out.Loaded.Entries = nil // only the first version's is kept
	}
	m.Model = memberModel(cal)
	if l.Problem != nil && !l.Problem.Repairable() {
		r.Certainty.partial("member: the WAL read stopped at %s offset %d (%s); entry figures cover what was read before it", l.Problem.Segment, l.Problem.Offset, l.Problem.Code)
	}
	r.Member = m
}

// predictMemberRestart adds the WAL's read, decode and replay to the
// db-only prediction.
func predictMemberRestart(mr *MemberRestart, rp wal.Replay, cal calibrate.Calibration) {
	committedOps := rp.Skipped.Ops + rp.Applied.Ops + rp.Uncommitted.Ops
	unmarshal := float64(committedOps) * cal.EntryUnmarshalSecondsPerOp
	mr.WALDecodeSeconds = float64(rp.DecodedBytes)*cal.WALDecodeSecondsPerByte + unmarshal
	replay := rp.Applied
	replay.Entries += rp.Uncommitted.Entries
	replay.Ops += rp.Uncommitted.Ops
	replay.Bytes += rp.Uncommitted.Bytes
	mr.ReplaySeconds = float64(replay.Entries)*cal.ApplySecondsPerEntry + float64(replay.Ops)*cal.ApplySecondsPerOp + float64(replay.Bytes)*cal.ApplySecondsPerByte
	// The db-only start's fixed part is a single member's wait for its
	// election timeout (fast-forwarded to its last tick: 0.1-1 s); a member
	// that recovers no members waits Election.ExtraSeconds longer. The
	// apply loop runs through the wait, and ready waits for the later of
	// the two: db-only - fixed + decode + max(wait, apply loop).
	wait := cal.FixedStartSeconds + mr.Election.ExtraSeconds
	mr.ElectionOverlapSeconds = min(wait, unmarshal+mr.ReplaySeconds)
	mr.StartupSeconds = mr.DBStartupSeconds + mr.Election.ExtraSeconds + mr.WALDecodeSeconds + mr.ReplaySeconds - mr.ElectionOverlapSeconds
	mr.RaftLogPeakBytes = rp.Loaded.MemoryBytes() + rp.SnapDataBytes
	mr.RSSBytes = mr.DBRSSBytes + int64(cal.RaftLogHeapFactor*float64(mr.RaftLogPeakBytes))
}

func memberModel(cal calibrate.Calibration) predict.Model {
	return predict.Model{
		Name:  "member restart",
		Model: "db-only startup + election extra + WAL bytes decoded x per byte + apply loop - min(election wait, apply loop), where apply loop = loaded mvcc ops x per op (every entry's request is unmarshalled) + entries applied again x (per entry + per op + per byte), the election wait is the db-only start's fixed part plus the election extra, and the election extra is (election ticks - 1) x tick when the member recovers no members (etcd 3.5 without a .snap file: no fast-forwarded ticks), else 0; RSS = db-only RSS + heap factor x (raft log loaded + snapshot data)",
		Inputs: map[string]int64{
			"decode_ps_per_byte":      int64(cal.WALDecodeSecondsPerByte * 1e12),
			"unmarshal_ns_per_op":     int64(cal.EntryUnmarshalSecondsPerOp * 1e9),
			"apply_ns_per_entry":      int64(cal.ApplySecondsPerEntry * 1e9),
			"apply_ns_per_op":         int64(cal.ApplySecondsPerOp * 1e9),
			"apply_ns_per_byte":       int64(cal.ApplySecondsPerByte * 1e9),
			"raftlog_heap_factor_x10": int64(cal.RaftLogHeapFactor * 10),
		},
		Assumptions: []string{
			"etcd decodes every segment once (ValidSnapshotEntries) and again from the snapshot's segment (ReadAll); the page cache is warm; the heap is not: ReadAll's kept entries and their garbage are pages the fresh process faults in, a cost per byte decoded",
			"every entry after the snapshot is held in raft's MemoryStorage before raft starts; GC at GOGC=100 lets the heap grow to twice that live raft log",
			"every committed entry's request is unmarshalled by the apply loop; those above the db's consistent index are applied again (one mvcc op per put or delete, a txn's success branch), the others skipped",
			"a single member commits its uncommitted tail right after its election, so those entries are applied too",
			"raft hands the committed entries to the apply loop as soon as it starts, while the single member waits for its election timeout (etcd fast-forwards it to the last tick: 0.1-1 s, the fixed part of the db-only start); the member is ready once it is leader and the apply loop has reached its own publish request, so the apply loop adds only what exceeds that wait",
			fmt.Sprintf("etcd's default raft clock (--heartbeat-interval 100 ms, --election-timeout 1000 ms: %d election ticks of %.1f s); adjustTicks fast-forwards %d of them only when the member recovers exactly one member: etcd 3.5 (and 3.4) count the members of the v2 store, rebuilt from the newest .snap file alone, so a member that never wrote a snapshot (fewer than --snapshot-count entries since it was created: 100,000 in 3.5) recovers none and waits its whole randomized timeout, %.1f s more (unless the apply loop applies the WAL's first conf change before adjustTicks counts: a race adjustTicks won in 19 of 20 real 3.5.35 restarts, report/testdata/member_restart_check.md set 9); 3.6+ count the db's members bucket", predict.DefaultElectionTicks, predict.DefaultTickSeconds, predict.DefaultElectionTicks-1, float64(predict.DefaultElectionTicks-1)*predict.DefaultTickSeconds),
			"coefficients from " + cal.Source + "; 'dbinspect calibrate' measures decode per byte (etcd's two reads of a WAL emulated: frame buffers, record copies, CRC-32C, raftpb.Entry unmarshal, each read into a heap given back to the OS first, so its pages are faulted in as in etcd's freshly started process), unmarshal per op (gogo code on authpb.Role standing in for etcdserverpb, which has 3 more allocations per op), and the apply and heap figures below; the built-in ones are those fitted to real etcd 3.6.16 restarts on a 2-core machine (report/testdata/member_restart_check.md)",
			applyAssumption(cal),
		},
	}
}

// applyAssumption says which of the apply and raft log coefficients the
// calibration measured.
func applyAssumption(cal calibrate.Calibration) string {
	apply := "apply per entry, per op and per byte measured by calibrate (etcd's apply of replayed txns rebuilt: raft's 1 MiB batches, per put the treeIndex Get and Put, lease lookup, KeyValue marshal, bbolt put and buffers, per txn the trace, response, events and write-back, a bbolt commit every 10,000 puts)"
	if !cal.ApplyMeasured {
		apply = "apply per entry is a reference value, not measured (the built-in calibration, or one saved before calibrate measured it: run 'dbinspect calibrate' again)"
	}
	heap := "the raft log's heap factor measured by calibrate (peak RSS growth over the live log while a WAL is read twice into raft's MemoryStorage)"
	if !cal.RaftLogHeapMeasured {
		heap = "the raft log's heap factor is a reference value (built-in, or not measured by this calibration)"
	}
	return apply + "; " + heap
}

func memberEntries(l *wal.Log) MemberEntries {
	me := MemberEntries{ByKind: []wal.KindCount{}}
	var by [wal.NumKinds]wal.KindCount
	for i, e := range l.Entries {
		if i == 0 {
			me.FirstIndex, me.FirstTerm = e.Index, e.Term
		}
		me.LastIndex, me.LastTerm = e.Index, e.Term
		me.Entries++
		me.DataBytes += int64(e.Size)
		me.Largest = max(me.Largest, int64(e.Size))
		switch {
		case e.Size < 1<<10:
			me.Sizes[0]++
		case e.Size < 64<<10:
			me.Sizes[1]++
		case e.Size < 1<<20:
			me.Sizes[2]++
		default:
			me.Sizes[3]++
		}
		if e.Kind < wal.NumKinds {
			k := &by[e.Kind]
			k.Entries++
			k.Bytes += int64(e.Size)
			k.Ops += int64(e.Ops)
			k.Largest = max(k.Largest, int64(e.Size))
		}
	}
	for k := range by {
		if by[k].Entries > 0 {
			c := by[k]
			c.Kind = wal.Kind(k).String()
			me.ByKind = append(me.ByKind, c)
		}
	}
	return me
}

// memberFindings are the rules on the member's files.
func (r *Report) memberFindings() []findings.Finding {
	m := r.Member
	if m == nil {
		return nil
	}
	var out []findings.Finding
	l := m.WAL
	p := l.Problem
	switch {
	case p != nil && p.Repairable():
		out = append(out, finding(findings.SeverityWarning, "wal_torn_tail",
			fmt.Sprintf("the last WAL segment %s ends in a torn or cut record at offset %d: etcd will repair it at restart, truncating the segment there (a copy is kept as %s.broken)", p.Segment, p.Offset, p.Segment),
			map[string]any{"segment": p.Segment, "offset": p.Offset, "problem": p.Code},
			"nothing to do if the member crashed or lost power: the torn record was never acknowledged; keep the .broken copy until the member is healthy"))
	case p != nil:
		out = append(out, finding(findings.SeverityCritical, "wal_corrupt",
			fmt.Sprintf("WAL segment %s is damaged at offset %d (%s): etcd will refuse to start (%s)", p.Segment, p.Offset, p.Code, m.Outcome.Reason),
			map[string]any{"segment": p.Segment, "offset": p.Offset, "problem": p.Code, "in_last_segment": p.Last},
			"replace this member: remove it from the cluster (etcdctl member remove), wipe its data dir and add it back so it catches up from the leader; keep a copy of the damaged dir for analysis"))
	}
	if !m.Outcome.Starts && (p == nil || p.Repairable()) {
		out = append(out, finding(findings.SeverityCritical, "member_will_not_start",
			"etcd will refuse to start on this data dir: "+m.Outcome.Reason,
			map[string]any{"reason": m.Outcome.Reason},
			"check that member/wal, member/snap and member/snap/db were copied together from one member at one time; otherwise replace the member from the cluster (member remove, wipe, member add)"))
	}
	if r.MVCC != nil && l.Metadata != nil && len(r.MVCC.Members) > 0 {
		id := strconv.FormatUint(l.Metadata.NodeID, 16)
		found := false
		var ids []string
		for _, mem := range r.MVCC.Members {
			ids = append(ids, mem.ID)
			if strings.EqualFold(mem.ID, id) {
				found = true
			}
		}
		if !found {
			out = append(out, finding(findings.SeverityCritical, "wal_from_other_member",
				fmt.Sprintf("the WAL was written by member %s (cluster %x), which the db's members bucket does not list (%s): the WAL and the db come from different members or clusters", id, l.Metadata.ClusterID, strings.Join(ids, ", ")),
				map[string]any{"wal_member_id": id, "wal_cluster_id": strconv.FormatUint(l.Metadata.ClusterID, 16), "db_members": ids},
				"do not start etcd on this mix: copy member/wal, member/snap and member/snap/db of one member together"))
		}
	}
	if rp := m.Replay; rp != nil && rp.HaveCI && m.Outcome.Starts {
		if last := rp.Loaded.Last; last > 0 && rp.ConsistentIndex > last {
			out = append(out, finding(findings.SeverityWarning, "db_ahead_of_wal",
				fmt.Sprintf("the db has applied up to raft index %s but the WAL ends at %s: the db is newer than the WAL (files copied at different times, or WAL segments missing)", count(int64(rp.ConsistentIndex)), count(int64(last))),
				map[string]any{"consistent_index": rp.ConsistentIndex, "wal_last_index": last},
				"copy the data dir again with etcd stopped, or take the member's state from an etcdctl snapshot instead"))
		}
		if rp.Applied.Entries > 0 && rp.Applied.Bytes > 64<<20 {
			out = append(out, finding(findings.SeverityInfo, "wal_replay",
				fmt.Sprintf("at restart etcd will apply %s WAL entries (%s) again that the db does not hold yet", count(int64(rp.Applied.Entries)), ibytes(rp.Applied.Bytes)),
				map[string]any{"entries": rp.Applied.Entries, "data_bytes": rp.Applied.Bytes, "consistent_index": rp.ConsistentIndex},
				"expected after a crash; a clean stop commits the db first and shortens the restart"))
		}
	}
	if n := m.Entries.Sizes[3]; n > 0 {
		out = append(out, finding(findings.SeverityWarning, "large_raft_entries",
			fmt.Sprintf("%s WAL entries are 1 MiB or larger (largest %s): each is held whole in raft's memory and sent to every follower", count(int64(n)), ibytes(m.Entries.Largest)),
			map[string]any{"entries": n, "largest_bytes": m.Entries.Largest},
			"split large values or transactions; etcd's --max-request-bytes (1.5 MiB by default) was raised to let these in"))
	}
	if n := len(l.Segments); n > 6 {
		out = append(out, finding(findings.SeverityWarning, "wal_not_purged",
			fmt.Sprintf("%d WAL segments (%s): etcd keeps --max-wals=5 by default and purges only segments older than its last snapshot", n, ibytes(walBytes(l))),
			map[string]any{"segments": n, "bytes": walBytes(l)},
			"check --max-wals and that snapshots happen (--snapshot-count); segments newer than the last snapshot cannot be purged"))
	}
	for _, mr := range m.Restart[:min(1, len(m.Restart))] {
		if mr.DBRSSBytes > 0 && mr.RSSBytes > mr.DBRSSBytes*3/2 && mr.RaftLogPeakBytes > 64<<20 {
			out = append(out, finding(findings.SeverityWarning, "restart_memory_above_db",
				fmt.Sprintf("restarting this member needs about %s of memory (etcd %s), not the %s the db alone suggests: %s of raft log is loaded from the WAL", ibytes(mr.RSSBytes), mr.Version, ibytes(mr.DBRSSBytes), ibytes(mr.RaftLogPeakBytes)),
				map[string]any{"rss_bytes": mr.RSSBytes, "db_rss_bytes": mr.DBRSSBytes, "raftlog_peak_bytes": mr.RaftLogPeakBytes},
				"give the member that much memory for the restart (or a lower --snapshot-count, so less WAL follows the last snapshot); an OOM-killed restart starts over"))
		}
	}
	return out
}

func walBytes(l *wal.Log) int64 {
	var n int64
	for _, s := range l.Segments {
		n += s.Size
	}
	return n
}

// withMemberFindings adds the member rules to the db's, most severe first.
func (r *Report) withMemberFindings(fs []findings.Finding) []findings.Finding {
	mf := r.memberFindings()
	if len(mf) == 0 {
		return fs
	}
	all := append(append([]findings.Finding{}, fs...), mf...)
	sortFindings(all)
	return all
}

func sortFindings(fs []findings.Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		return findings.SeverityRank(fs[i].Severity) > findings.SeverityRank(fs[j].Severity)
	})
}

// MemberRestartFigures are the summary's figures of a data dir's own
// restart, for the first predicted etcd version.
type MemberRestartFigures struct {
	EtcdVersion string  `json:"etcd_version"`
	Seconds     float64 `json:"seconds"`
	RSSBytes    int64   `json:"rss_bytes"`
	// ReplayedEntries are applied again; RaftLogBytes are loaded into
	// raft's memory from the WAL.
	ReplayedEntries int   `json:"replayed_entries"`
	RaftLogBytes    int64 `json:"raftlog_bytes"`
	Starts          bool  `json:"starts"`
	Repairs         bool  `json:"repairs"`
	// Refusal is etcd's reason when it refuses to start.
	Refusal string `json:"refusal,omitempty"`
}

func memberRestartFigures(r *Report) *MemberRestartFigures {
	m := r.Member
	if m == nil || len(m.Restart) == 0 {
		return nil
	}
	mr := m.Restart[0]
	f := &MemberRestartFigures{EtcdVersion: mr.Version, Seconds: mr.StartupSeconds, RSSBytes: mr.RSSBytes,
		RaftLogBytes: mr.RaftLogPeakBytes, Starts: m.Outcome.Starts, Repairs: m.Outcome.Repairs, Refusal: m.Outcome.Reason}
	if m.Replay != nil {
		f.ReplayedEntries = m.Replay.Applied.Entries + m.Replay.Uncommitted.Entries
	}
	return f
}

func (f *MemberRestartFigures) text() string {
	if !f.Starts {
		return "REFUSES to start: " + f.Refusal
	}
	line := fmt.Sprintf("%s predicted, RSS %s (replays %s entries from the WAL, %s of raft log loaded)", seconds(f.Seconds), ibytes(f.RSSBytes), count(int64(f.ReplayedEntries)), ibytes(f.RaftLogBytes))
	if f.Repairs {
		line += "; repairs a torn WAL tail first"
	}
	return line
}

func finding(severity, code, message string, evidence map[string]any, advice string) findings.Finding {
	return findings.Finding{Severity: severity, Code: code, Message: message, Evidence: evidence, Advice: advice}
}
