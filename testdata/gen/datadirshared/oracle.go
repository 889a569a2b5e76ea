package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	bolt "go.etcd.io/bbolt"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

// ent is a raft entry as the version's raftpb gives it.
type ent struct {
	Index, Term uint64
	Type        int32
	Data        []byte
}

// askOracle reads dataDir's member/wal and member/snap with etcd's own
// packages. It works on a private copy: write-mode Open zero-fills the
// tail and Repair truncates.
func askOracle(dataDir, work string) (Oracle, error) {
	var o Oracle
	walDir := filepath.Join(dataDir, "member", "wal")
	snapDir := filepath.Join(dataDir, "member", "snap")
	ws, err := walValidSnapshots(walDir)
	o.ValidSnapshots = ws
	if err != nil {
		o.ValidSnapshotsErr = err.Error()
	}
	if o.ValidSnapshots == nil {
		o.ValidSnapshots = []SnapRef{}
	}
	names, _ := filepath.Glob(filepath.Join(snapDir, "*.snap"))
	sort.Sort(sort.Reverse(sort.StringSlice(names)))
	o.SnapFiles = []SnapInfo{}
	for _, n := range names {
		si, err := snapRead(n)
		si.File = filepath.Base(n)
		if err != nil {
			si.Err = err.Error()
		}
		o.SnapFiles = append(o.SnapFiles, si)
		if err != nil || o.Snapshot != nil {
			continue
		}
		for _, w := range ws {
			if w.Index == si.Index && w.Term == si.Term {
				s := si
				o.Snapshot = &s
				break
			}
		}
	}
	var at SnapRef
	if o.Snapshot != nil {
		at = SnapRef{Index: o.Snapshot.Index, Term: o.Snapshot.Term}
	}
	o.Read = readResult(walReadAll(walDir, at, false))

	cp := filepath.Join(work, "oracle-copy")
	os.RemoveAll(cp)
	if err := copyDir(dataDir, cp); err != nil {
		return o, err
	}
	defer os.RemoveAll(cp)
	cpWAL := filepath.Join(cp, "member", "wal")
	meta, t, v, c, ents, err := walReadAll(cpWAL, at, true)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		o.Repaired = true
		o.RepairOK = walRepair(cpWAL)
		segs, _ := filepath.Glob(filepath.Join(cpWAL, "*.wal"))
		sort.Strings(segs)
		if len(segs) > 0 {
			if fi, err := os.Stat(segs[len(segs)-1]); err == nil {
				o.RepairedSize = fi.Size()
			}
		}
		if o.RepairOK {
			meta, t, v, c, ents, err = walReadAll(cpWAL, at, true)
		}
	}
	o.Write = readResult(meta, t, v, c, ents, err)
	return o, nil
}

func readResult(meta []byte, term, vote, commit uint64, ents []ent, err error) ReadResult {
	r := ReadResult{Term: term, Vote: vote, Commit: commit, Entries: len(ents), ByType: map[string]int{}, ByRequest: map[string]int{}}
	if err != nil {
		r.Err = err.Error()
	}
	if len(meta) > 0 {
		var m pb.Metadata
		if err := m.Unmarshal(meta); err == nil {
			r.MemberID, r.ClusterID = m.NodeID, m.ClusterID
		}
	}
	if len(ents) > 0 {
		r.FirstIndex, r.LastIndex = ents[0].Index, ents[len(ents)-1].Index
	}
	for _, e := range ents {
		r.DataBytes += int64(len(e.Data))
		r.MaxData = max(r.MaxData, len(e.Data))
		switch e.Type {
		case 0:
			r.ByType["normal"]++
			r.ByRequest[requestName(e.Data)]++
		case 1:
			r.ByType["conf_change"]++
		default:
			r.ByType[fmt.Sprintf("type_%d", e.Type)]++
		}
	}
	return r
}

// requestName names a normal entry's request as etcd decodes it.
func requestName(d []byte) string {
	if len(d) == 0 {
		return "noop"
	}
	var r pb.InternalRaftRequest
	if err := r.Unmarshal(d); err != nil {
		var v2 pb.Request
		if v2.Unmarshal(d) == nil {
			return "v2_request"
		}
		return "undecodable"
	}
	switch {
	case r.Put != nil:
		return "put"
	case r.Txn != nil:
		return "txn"
	case r.DeleteRange != nil:
		return "delete_range"
	case r.Compaction != nil:
		return "compaction"
	case r.LeaseGrant != nil:
		return "lease_grant"
	case r.LeaseRevoke != nil:
		return "lease_revoke"
	case r.ClusterVersionSet != nil:
		return "cluster_version_set"
	case r.ClusterMemberAttrSet != nil:
		return "cluster_member_attr_set"
	case r.V2 != nil:
		return "v2_in_irr"
	}
	return "other"
}

// consistentIndex reads the db's meta bucket with bbolt, on a copy.
func consistentIndex(db, work string) (ci, term uint64, err error) {
	cp := filepath.Join(work, "ci-copy.db")
	if err := copyFile(db, cp); err != nil {
		return 0, 0, err
	}
	defer os.Remove(cp)
	b, err := bolt.Open(cp, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		return 0, 0, err
	}
	defer b.Close()
	err = b.View(func(tx *bolt.Tx) error {
		m := tx.Bucket([]byte("meta"))
		if m == nil {
			return errors.New("no meta bucket")
		}
		if v := m.Get([]byte("consistent_index")); len(v) == 8 {
			ci = binary.BigEndian.Uint64(v)
		}
		if v := m.Get([]byte("term")); len(v) == 8 {
			term = binary.BigEndian.Uint64(v)
		}
		return nil
	})
	return ci, term, err
}
