package wal

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
)

func TestMain(m *testing.M) { fixtures.Main(m) }

func versionOf(d fixtures.DataDir) string { return d.EtcdVersion[:3] }

// requestName maps a Kind to the oracle's by_request names.
func requestName(k Kind) string {
	switch k {
	case KindNoop, KindPut, KindTxn, KindDeleteRange, KindCompaction, KindLeaseGrant, KindLeaseRevoke,
		KindClusterVersionSet, KindV2Request, KindUndecodable:
		return k.String()
	case KindMemberAttrSet:
		return "cluster_member_attr_set"
	case KindIRRv2:
		return "v2_in_irr"
	}
	return "other"
}

func typeName(e Entry) string {
	switch e.Type {
	case 0:
		return "normal"
	case 1:
		return "conf_change"
	}
	return "type_" + string(rune('0'+e.Type))
}

// TestDataDirsAgainstEtcd compares the reader with what etcd's own wal and
// snap packages read from the same real data dirs (the manifest).
func TestDataDirsAgainstEtcd(t *testing.T) {
	for _, d := range fixtures.DataDirs(t) {
		t.Run(d.Name, func(t *testing.T) {
			dir := fixtures.DataDirPath(t, d)
			l, err := ReadDir(filepath.Join(dir, "member", "wal"))
			if err != nil {
				t.Fatal(err)
			}
			sd, err := ReadSnapDir(filepath.Join(dir, "member", "snap"))
			if err != nil {
				t.Fatal(err)
			}
			o := d.Oracle
			ver := versionOf(d)

			// ValidSnapshotEntries.
			if o.ValidSnapshotsErr != "" {
				if l.Problem == nil || l.Problem.Repairable() || l.Problem.Code == ProblemTruncated {
					t.Errorf("etcd's ValidSnapshotEntries failed (%s); the reader found %+v", o.ValidSnapshotsErr, l.Problem)
				}
			} else {
				var got []fixtures.SnapRef
				for _, s := range l.Snapshots {
					if s.Committed {
						got = append(got, fixtures.SnapRef{Index: s.Index, Term: s.Term})
					}
				}
				if len(got) != len(o.ValidSnapshots) {
					t.Fatalf("valid snapshot records: got %v, etcd %v", got, o.ValidSnapshots)
				}
				for i := range got {
					if got[i] != o.ValidSnapshots[i] {
						t.Errorf("valid snapshot %d: got %v, etcd %v", i, got[i], o.ValidSnapshots[i])
					}
				}
			}

			// snap.Read on each file, and the snapshot etcd loads.
			if len(sd.Snaps) != len(o.SnapFiles) {
				t.Fatalf("snap files: got %d, etcd %d", len(sd.Snaps), len(o.SnapFiles))
			}
			for i, s := range sd.Snaps {
				w := o.SnapFiles[i]
				if s.Name != w.File || s.Index != w.Index || s.Term != w.Term || s.DataBytes != int64(w.DataBytes) || s.Voters != w.Voters || (s.Err != "") != (w.Err != "") {
					t.Errorf("snap file %d: got %+v, etcd %+v", i, s, w)
				}
			}
			chosen := ChooseSnapshot(l, sd)
			switch {
			case o.Snapshot == nil && chosen != nil:
				t.Errorf("chose snapshot %+v; etcd has none", chosen)
			case o.Snapshot != nil && (chosen == nil || chosen.Index != o.Snapshot.Index || chosen.Term != o.Snapshot.Term):
				t.Errorf("chose snapshot %+v; etcd %+v", chosen, o.Snapshot)
			}
			var at, atTerm uint64
			if chosen != nil {
				at, atTerm = chosen.Index, chosen.Term
			}

			// ReadAll in read mode.
			ld := l.ReadAll(at, atTerm, ver)
			checkRead(t, "read mode", ld, l, o.Read)

			// What the restart does: repair, or refuse, or start.
			out := PredictOutcome(l, sd, ver, d.ConsistentIndex, true)
			if out.Starts != d.Restart.Ok {
				t.Errorf("outcome %+v; real etcd started: %v (log %q)", out, d.Restart.Ok, d.Restart.Log)
			}
			if out.Repairs != o.Repaired {
				t.Errorf("repairs: %v; etcd's bootstrap repaired: %v", out.Repairs, o.Repaired)
			}
			if out.Repairs && out.Starts {
				if l.Problem.Offset != o.RepairedSize {
					t.Errorf("repair cuts at %d; etcd's Repair left %d bytes", l.Problem.Offset, o.RepairedSize)
				}
				checkRead(t, "after repair", ld, l, o.Write)
			}
			if !out.Starts {
				if o.Write.Err == "" {
					t.Errorf("predicted a refusal (%s) but etcd's write-mode ReadAll gave no error", out.Reason)
				}
			}
			if out.Starts && o.Write.Err != "" {
				t.Errorf("predicted a start but etcd's write-mode ReadAll said %s", o.Write.Err)
			}
		})
	}
}

func checkRead(t *testing.T, what string, ld Loaded, l *Log, w fixtures.WALRead) {
	t.Helper()
	if (ld.Err != "" && ld.Err != "wal: snapshot not found") != (w.Err != "") && !(w.Err == "" && !ld.Fatal) {
		t.Errorf("%s: error %q; etcd %q", what, ld.Err, w.Err)
	}
	if w.Err != "" && strings.Contains(w.Err, "crc mismatch") && !strings.Contains(ld.Err, "crc mismatch") {
		t.Errorf("%s: error %q; etcd %q", what, ld.Err, w.Err)
	}
	if w.Err != "" {
		return // etcd returned no entries
	}
	if len(ld.Entries) != w.Entries {
		t.Fatalf("%s: %d entries; etcd %d", what, len(ld.Entries), w.Entries)
	}
	if len(ld.Entries) > 0 {
		if f, la := ld.Entries[0].Index, ld.Entries[len(ld.Entries)-1].Index; f != w.FirstIndex || la != w.LastIndex {
			t.Errorf("%s: index range %d..%d; etcd %d..%d", what, f, la, w.FirstIndex, w.LastIndex)
		}
	}
	if ld.State != (HardState{Term: w.Term, Vote: w.Vote, Commit: w.Commit}) {
		t.Errorf("%s: hard state %+v; etcd term %d vote %d commit %d", what, ld.State, w.Term, w.Vote, w.Commit)
	}
	if l.Metadata == nil || l.Metadata.NodeID != w.MemberID || l.Metadata.ClusterID != w.ClusterID {
		t.Errorf("%s: metadata %+v; etcd member %x cluster %x", what, l.Metadata, w.MemberID, w.ClusterID)
	}
	var bytes int64
	maxData := 0
	byType, byReq := map[string]int{}, map[string]int{}
	for _, e := range ld.Entries {
		bytes += int64(e.Size)
		maxData = max(maxData, int(e.Size))
		byType[typeName(e)]++
		if e.Type == 0 {
			byReq[requestName(e.Kind)]++
		}
	}
	if bytes != w.DataBytes || maxData != w.MaxData {
		t.Errorf("%s: data %d bytes (max %d); etcd %d (max %d)", what, bytes, maxData, w.DataBytes, w.MaxData)
	}
	if !sameCounts(byType, w.ByType) {
		t.Errorf("%s: by type %v; etcd %v", what, byType, w.ByType)
	}
	if !sameCounts(byReq, w.ByRequest) {
		t.Errorf("%s: by request %v; etcd %v", what, byReq, w.ByRequest)
	}
}

func sameCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
