package report

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
	"github.com/dbinspect/dbinspect/report/calibrate"
	"github.com/dbinspect/dbinspect/report/findings"
	"github.com/dbinspect/dbinspect/report/predict"
	"github.com/dbinspect/dbinspect/wal"
)

func buildDataDir(t *testing.T, dir string) *Report {
	t.Helper()
	r, err := Build(Input{Given: dir, Path: filepath.Join(dir, "member", "snap", "db"), Kind: "data-dir"}, Options{Sections: AllSections})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func hasFinding(r *Report, code string) bool {
	for _, f := range r.Findings {
		if f.Code == code {
			return true
		}
	}
	return false
}

// TestMemberSection builds the report of real data dirs: the restart
// outcome is what real etcd did on a copy, the loaded entries what etcd's
// ReadAll returned, and the damage gives its named finding.
func TestMemberSection(t *testing.T) {
	for _, c := range []struct {
		name, finding string
	}{
		{"small-v3.6", ""},
		{"snapshots-v3.5", ""},
		{"torn-v3.6", "wal_torn_tail"},
		{"torn-v3.5", "wal_torn_tail"},
		{"large-crc-v3.6", "wal_corrupt"},
		{"large-cut-v3.5", "wal_corrupt"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := fixtures.GetDataDir(t, c.name)
			r := buildDataDir(t, fixtures.DataDirPath(t, d))
			m := r.Member
			if m == nil {
				t.Fatal("no member section for a data dir")
			}
			if m.Outcome.Starts != d.Restart.Ok {
				t.Errorf("outcome %+v; real etcd started: %v", m.Outcome, d.Restart.Ok)
			}
			if d.Restart.Ok {
				if got := m.Replay.Loaded.Entries; got != d.Oracle.Write.Entries {
					t.Errorf("%d entries loaded; etcd's ReadAll gave %d", got, d.Oracle.Write.Entries)
				}
				if m.Replay.ConsistentIndex != d.ConsistentIndex {
					t.Errorf("consistent index %d; bbolt read %d", m.Replay.ConsistentIndex, d.ConsistentIndex)
				}
				if len(m.Restart) == 0 || m.Restart[0].StartupSeconds < m.Restart[0].DBStartupSeconds || m.Restart[0].RSSBytes < m.Restart[0].DBRSSBytes {
					t.Errorf("restart prediction %+v is below the db-only one", m.Restart)
				}
			}
			if c.finding != "" && !hasFinding(r, c.finding) {
				t.Errorf("no %s finding: %+v", c.finding, r.Findings)
			}
			if c.finding == "" && len(r.Findings) > 0 {
				for _, f := range r.Findings {
					if f.Severity == findings.SeverityCritical {
						t.Errorf("unexpected finding %+v", f)
					}
				}
			}
		})
	}
}

// TestMemberDBAheadOfWAL: the k8s fixture's db (written by a member with
// the same URLs and token, so the same member ID) beside a shorter WAL: the
// db has applied entries the WAL does not hold.
func TestMemberDBAheadOfWAL(t *testing.T) {
	dir := fixtures.CopyDataDir(t, fixtures.GetDataDir(t, "small-v3.6"))
	b, err := os.ReadFile(fixtures.Path(t, fixtures.Get(t, "k8s-v3.6")))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "member", "snap", "db"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	r := buildDataDir(t, dir)
	if !hasFinding(r, "db_ahead_of_wal") || hasFinding(r, "wal_from_other_member") {
		t.Errorf("want db_ahead_of_wal and not wal_from_other_member: %+v", r.Findings)
	}
}

// TestMemberFromAnotherMember: the rule on a real WAL when the db's
// members bucket lists another member.
func TestMemberFromAnotherMember(t *testing.T) {
	r := buildDataDir(t, fixtures.DataDirPath(t, fixtures.GetDataDir(t, "small-v3.6")))
	if hasFinding(r, "wal_from_other_member") {
		t.Fatalf("the fixture's own db lists its member: %+v", r.Findings)
	}
	for i := range r.MVCC.Members {
		r.MVCC.Members[i].ID = "1234abcd"
	}
	found := false
	for _, f := range r.memberFindings() {
		found = found || f.Code == "wal_from_other_member"
	}
	if !found {
		t.Error("no wal_from_other_member finding with another member in the db")
	}
}

// A data dir holding only member/snap/db (a WAL kept elsewhere with
// --wal-dir, or a db copied alone) is reported as before: no member
// section, nothing partial.
func TestMemberWithoutWAL(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "member", "snap", "db")
	os.MkdirAll(filepath.Dir(db), 0o700)
	b, err := os.ReadFile(fixtures.Path(t, fixtures.Get(t, "auth-v3.6")))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(db, b, 0o600)
	r := buildDataDir(t, dir)
	if r.Member != nil || !r.Certainty.Complete {
		t.Errorf("member %v, certainty %+v; want no member section and a complete report", r.Member != nil, r.Certainty)
	}
}

// The restart's WAL part uses the calibration's WAL coefficients: a
// calibration with each of them doubled doubles the decode and replay
// seconds and the raft log's share of the RSS. torn-v3.6's db is behind
// its WAL (etcd was killed): 24 entries are applied again.
func TestMemberRestartUsesCalibration(t *testing.T) {
	dir := fixtures.DataDirPath(t, fixtures.GetDataDir(t, "torn-v3.6"))
	in := Input{Given: dir, Path: filepath.Join(dir, "member", "snap", "db"), Kind: "data-dir"}
	base, err := Build(in, Options{Sections: AllSections, Calibration: writeCalibration(t, calibrate.Default)})
	if err != nil {
		t.Fatal(err)
	}
	c := calibrate.Default
	c.WALDecodeSecondsPerByte *= 2
	c.EntryUnmarshalSecondsPerOp *= 2
	c.ApplySecondsPerEntry *= 2
	c.ApplySecondsPerOp *= 2
	c.ApplySecondsPerByte *= 2
	c.RaftLogHeapFactor *= 2
	twice, err := Build(in, Options{Sections: AllSections, Calibration: writeCalibration(t, c)})
	if err != nil {
		t.Fatal(err)
	}
	b, d := base.Member.Restart[0], twice.Member.Restart[0]
	if b.WALDecodeSeconds <= 0 || b.ReplaySeconds <= 0 {
		t.Fatalf("nothing decoded or replayed to compare: %+v", b)
	}
	near := func(x, y float64) bool { return x > 0 && y/x > 0.999 && y/x < 1.001 }
	if !near(2*b.WALDecodeSeconds, d.WALDecodeSeconds) || !near(2*b.ReplaySeconds, d.ReplaySeconds) ||
		!near(2*float64(b.RSSBytes-b.DBRSSBytes), float64(d.RSSBytes-d.DBRSSBytes)) {
		t.Errorf("coefficients doubled: decode %v -> %v s, replay %v -> %v s, raft log RSS %d -> %d",
			b.WALDecodeSeconds, d.WALDecodeSeconds, b.ReplaySeconds, d.ReplaySeconds, b.RSSBytes-b.DBRSSBytes, d.RSSBytes-d.DBRSSBytes)
	}
	if twice.Member.Model.Inputs["decode_ps_per_byte"] != 2*base.Member.Model.Inputs["decode_ps_per_byte"] {
		t.Errorf("model inputs %v, then %v", base.Member.Model.Inputs, twice.Member.Model.Inputs)
	}
}

func writeCalibration(t *testing.T, c calibrate.Calibration) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "cal.json")
	if err := calibrate.Save(p, c); err != nil {
		t.Fatal(err)
	}
	return p
}

// restartTestCalibration has round coefficients for the member restart
// tests' hand-computed figures.
func restartTestCalibration() calibrate.Calibration {
	cal := calibrate.Default
	cal.FixedStartSeconds = 0.5
	cal.WALDecodeSecondsPerByte, cal.EntryUnmarshalSecondsPerOp = 1e-9, 1e-6
	cal.ApplySecondsPerEntry, cal.ApplySecondsPerOp, cal.ApplySecondsPerByte = 1e-5, 1e-6, 0
	return cal
}

// The apply loop (every committed request unmarshalled, entries above the
// consistent index applied again) runs while a single member waits for its
// election; only what exceeds that wait adds to the restart.
func TestMemberRestartApplyLoopOverlapsElection(t *testing.T) {
	cal := restartTestCalibration()
	cases := []struct {
		name                   string
		skippedOps, appliedOps int64
		appliedEntries         int
		wantOverlap, wantTotal float64
	}{
		// 100,000 ops unmarshalled: 0.1 s, within the 0.5 s wait.
		{"nothing applied again", 100000, 0, 0, 0.1, 1 + 0.2 + 0.1 + 0 - 0.1},
		// 0.1 s unmarshal + 0.1 s apply + 100 entries x 10 us: 0.201 s.
		{"a short replay", 0, 100000, 100, 0.201, 1 + 0.2 + 0.1 + 0.101 - 0.201},
		// 1 s unmarshal + 1 s apply + 0.01 s: past the wait by 1.51 s.
		{"a long replay", 0, 1000000, 1000, 0.5, 1 + 0.2 + 1 + 1.01 - 0.5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rp := wal.Replay{DecodedBytes: 200e6,
				Skipped: wal.Span{Ops: tc.skippedOps}, Applied: wal.Span{Entries: tc.appliedEntries, Ops: tc.appliedOps}}
			mr := MemberRestart{DBStartupSeconds: 1, Election: predict.PredictRestartElection("3.6", 0, false, 1, true)}
			predictMemberRestart(&mr, rp, cal)
			if math.Abs(mr.ElectionOverlapSeconds-tc.wantOverlap) > 1e-9 || math.Abs(mr.StartupSeconds-tc.wantTotal) > 1e-9 {
				t.Errorf("overlap %.6f s, restart %.6f s; want %.6f s, %.6f s", mr.ElectionOverlapSeconds, mr.StartupSeconds, tc.wantOverlap, tc.wantTotal)
			}
			if mr.StartupSeconds < mr.DBStartupSeconds+mr.WALDecodeSeconds-cal.FixedStartSeconds {
				t.Errorf("the overlap took more than the election wait: %+v", mr)
			}
		})
	}
}

// etcd 3.5 on a data dir without a .snap file recovers no members (its v2
// store is empty until the WAL's conf changes are applied), so adjustTicks
// fast-forwards nothing: the member waits 9 ticks (0.9 s) longer than the
// db-only start's single member, and the apply loop runs through all of it.
func TestMemberRestartLongerElectionWithoutSnap(t *testing.T) {
	cal := restartTestCalibration()
	cases := []struct {
		name                   string
		version                string
		skippedOps, appliedOps int64
		appliedEntries         int
		wantExtra              float64
		wantOverlap, wantTotal float64
	}{
		// db-only 1 s, decode 0.2 s + 0.1 s unmarshal; the wait is 0.5 + 0.9 s.
		{"3.5 nothing applied again", "3.5", 100000, 0, 0, 0.9, 0.1, 1 + 0.9 + 0.2 + 0.1 + 0 - 0.1},
		// 0.5 s unmarshal + 0.5 s apply + 1000 entries x 10 us = 1.01 s: past a
		// fast-forwarded member's 0.5 s wait, within this one's 1.4 s.
		{"3.5 a replay inside the wait", "3.5", 0, 500000, 1000, 0.9, 1.01, 1 + 0.9 + 0.2 + 0.5 + 0.51 - 1.01},
		// 2 s unmarshal + 2 s apply + 0.02 s = 4.02 s: past the 1.4 s wait by 2.62 s,
		// so the restart is the same as a fast-forwarded member's (1 + 0.2 + 4.02 - 0.5).
		{"3.5 a replay past the wait", "3.5", 0, 2000000, 2000, 0.9, 1.4, 1 + 0.9 + 0.2 + 2 + 2.02 - 1.4},
		// 3.6 recovers its member from the db: no extra wait.
		{"3.6 nothing applied again", "3.6", 100000, 0, 0, 0, 0.1, 1 + 0.2 + 0.1 - 0.1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rp := wal.Replay{DecodedBytes: 200e6,
				Skipped: wal.Span{Ops: tc.skippedOps}, Applied: wal.Span{Entries: tc.appliedEntries, Ops: tc.appliedOps}}
			mr := MemberRestart{DBStartupSeconds: 1, Election: predict.PredictRestartElection(tc.version, 0, false, 1, true)}
			predictMemberRestart(&mr, rp, cal)
			if math.Abs(mr.Election.ExtraSeconds-tc.wantExtra) > 1e-9 || math.Abs(mr.ElectionOverlapSeconds-tc.wantOverlap) > 1e-9 || math.Abs(mr.StartupSeconds-tc.wantTotal) > 1e-9 {
				t.Errorf("extra %.6f s, overlap %.6f s, restart %.6f s; want %.6f s, %.6f s, %.6f s",
					mr.Election.ExtraSeconds, mr.ElectionOverlapSeconds, mr.StartupSeconds, tc.wantExtra, tc.wantOverlap, tc.wantTotal)
			}
		})
	}
}
