package wal

import (
	"path/filepath"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
)

// TestReplayOnDataDirs: on every data dir etcd starts on, the loaded
// entries are etcd's (the oracle's write-mode ReadAll), and they split at
// the db's consistent index (read by bbolt) into skipped and applied.
func TestReplayOnDataDirs(t *testing.T) {
	for _, d := range fixtures.DataDirs(t) {
		if !d.Restart.Ok {
			continue
		}
		t.Run(d.Name, func(t *testing.T) {
			dir := fixtures.DataDirPath(t, d)
			l, _ := ReadDir(filepath.Join(dir, "member", "wal"))
			sd, _ := ReadSnapDir(filepath.Join(dir, "member", "snap"))
			ver := versionOf(d)
			out := PredictOutcome(l, sd, ver, d.ConsistentIndex, true)
			rp := ComputeReplay(l, out, ver, d.ConsistentIndex, true, d.SnapshotCount)
			w := d.Oracle.Write
			if rp.Loaded.Entries != w.Entries || rp.Loaded.Bytes != w.DataBytes || rp.Loaded.First != w.FirstIndex || rp.Loaded.Last != w.LastIndex {
				t.Fatalf("loaded %+v; etcd %d entries %d..%d, %d bytes", rp.Loaded, w.Entries, w.FirstIndex, w.LastIndex, w.DataBytes)
			}
			ci := d.ConsistentIndex
			wantApplied := 0
			if w.Commit > ci {
				wantApplied = int(w.Commit - max(ci, rp.SnapIndex))
			}
			if rp.Applied.Entries != wantApplied || rp.Skipped.Entries+rp.Applied.Entries+rp.Uncommitted.Entries != w.Entries {
				t.Errorf("applied %d, skipped %d, uncommitted %d of %d; want %d applied (commit %d, consistent index %d)",
					rp.Applied.Entries, rp.Skipped.Entries, rp.Uncommitted.Entries, w.Entries, wantApplied, w.Commit, ci)
			}
			if d.Oracle.Repaired && rp.Applied.Entries == 0 {
				t.Errorf("the killed member's db lags its WAL (consistent index %d, last index %d): want entries applied again", ci, w.LastIndex)
			}
		})
	}
}

// TestInMemoryAfterStart: 3.6 compacts down to the 5,000 catch-up entries
// once more than 100 are applied; 3.5 only after --snapshot-count.
func TestInMemoryAfterStart(t *testing.T) {
	log := func(n int) (*Log, Outcome) {
		l := &Log{Segments: []Segment{{Name: "0000000000000000-0000000000000000.wal"}}}
		var ents []Entry
		for i := 1; i <= n; i++ {
			ents = append(ents, Entry{Index: uint64(i), Term: 2, Size: 100, Kind: KindPut, Ops: 1})
		}
		return l, Outcome{Starts: true, Loaded: Loaded{Entries: ents, State: HardState{Term: 2, Commit: uint64(n)}}}
	}
	for _, c := range []struct {
		version  string
		n        int
		count    uint64
		inMemory int
	}{
		{"3.6", 50, 0, 50},
		{"3.6", 8000, 0, 5000},
		{"3.6", 20000, 0, 5000},
		{"3.5", 20000, 0, 20000},
		{"3.5", 120000, 0, 5000},
		{"3.5", 20000, 10000, 5000},
		{"3.4", 20000, 0, 20000}, // 3.4 keeps its log as 3.5 does
		{"3.4", 120000, 0, 5000},
	} {
		l, out := log(c.n)
		rp := ComputeReplay(l, out, c.version, 0, false, c.count)
		if rp.InMemoryAfterStart.Entries != c.inMemory || rp.Loaded.Entries != c.n || rp.Applied.Entries != c.n {
			t.Errorf("%s, %d entries, snapshot count %d: %d in memory after start (want %d), loaded %d, applied %d",
				c.version, c.n, c.count, rp.InMemoryAfterStart.Entries, c.inMemory, rp.Loaded.Entries, rp.Applied.Entries)
		}
	}
}
