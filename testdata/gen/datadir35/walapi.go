package main

import (
	"go.etcd.io/etcd/server/v3/etcdserver/api/snap"
	"go.etcd.io/etcd/server/v3/wal"
	"go.etcd.io/etcd/server/v3/wal/walpb"
	"go.uber.org/zap"
)

// The one file where etcd 3.6 and 3.5 differ: the wal package moved to
// storage/wal and raft to go.etcd.io/raft/v3.

func walValidSnapshots(dir string) ([]SnapRef, error) {
	ws, err := wal.ValidSnapshotEntries(zap.NewNop(), dir)
	var out []SnapRef
	for _, w := range ws {
		out = append(out, SnapRef{Index: w.Index, Term: w.Term})
	}
	return out, err
}

func snapRead(path string) (SnapInfo, error) {
	s, err := snap.Read(zap.NewNop(), path)
	if err != nil {
		return SnapInfo{}, err
	}
	return SnapInfo{Index: s.Metadata.Index, Term: s.Metadata.Term, DataBytes: len(s.Data), Voters: len(s.Metadata.ConfState.Voters)}, nil
}

func walReadAll(dir string, at SnapRef, write bool) (meta []byte, term, vote, commit uint64, ents []ent, err error) {
	ws := walpb.Snapshot{Index: at.Index, Term: at.Term}
	var w *wal.WAL
	if write {
		w, err = wal.Open(zap.NewNop(), dir, ws)
	} else {
		w, err = wal.OpenForRead(zap.NewNop(), dir, ws)
	}
	if err != nil {
		return nil, 0, 0, 0, nil, err
	}
	defer w.Close()
	meta, st, es, err := w.ReadAll()
	for _, e := range es {
		ents = append(ents, ent{Index: e.Index, Term: e.Term, Type: int32(e.Type), Data: e.Data})
	}
	return meta, st.Term, st.Vote, st.Commit, ents, err
}

func walRepair(dir string) bool { return wal.Repair(zap.NewNop(), dir) }
