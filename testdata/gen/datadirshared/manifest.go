package main

import (
	"encoding/json"
	"os"
	"sort"
)

// Manifest is testdata/fixtures/datadirs/datadirs.json. The root module
// reads it with internal/fixtures' DataDir types: keep the two in step.
type Manifest struct {
	Note     string    `json:"note"`
	DataDirs []DataDir `json:"datadirs"`
}

// DataDir is one archived data dir and what etcd's own code read from it.
type DataDir struct {
	Name          string `json:"name"` // e.g. small-v3.6
	File          string `json:"file"` // small-v3.6.tar.gz, holding member/...
	Scenario      string `json:"scenario"`
	Description   string `json:"description"`
	EtcdVersion   string `json:"etcd_version"`
	SnapshotCount uint64 `json:"snapshot_count"` // 0: etcd's default
	// DerivedFrom and Damage: a corrupt variant made by hand from another
	// data dir of this manifest.
	DerivedFrom string `json:"derived_from,omitempty"`
	Damage      string `json:"damage,omitempty"`
	// How the torn tail was made ("sigkill after N attempts").
	How string `json:"how,omitempty"`

	WALFiles  []FileInfo `json:"wal_files"`
	SnapFiles []FileInfo `json:"snap_files"`
	DBBytes   int64      `json:"db_bytes"`
	// ConsistentIndex and Term are the db's meta bucket, read with bbolt.
	ConsistentIndex uint64 `json:"consistent_index"`
	ConsistentTerm  uint64 `json:"consistent_term"`

	Oracle Oracle `json:"oracle"`
	// Restart is real etcd started on a copy of the data dir.
	Restart RealRestart `json:"restart"`
}

type FileInfo struct {
	Name string `json:"name"`
	Size int64  `json:"size"`
}

// Oracle is what etcd's wal and snap packages read, on a private copy.
type Oracle struct {
	// ValidSnapshots is wal.ValidSnapshotEntries (read mode, all files).
	ValidSnapshots    []SnapRef `json:"valid_snapshots"`
	ValidSnapshotsErr string    `json:"valid_snapshots_error,omitempty"`
	// Snapshot is the newest .snap that snap.Read accepts and the WAL
	// names (etcd's LoadNewestAvailable), nil when none.
	Snapshot *SnapInfo `json:"snapshot"`
	// SnapFiles are snap.Read on every .snap file, newest first.
	SnapFiles []SnapInfo `json:"snap_files"`
	// Read is wal.OpenForRead at that snapshot + ReadAll (read mode: a
	// torn tail is tolerated).
	Read ReadResult `json:"read"`
	// Write is wal.Open (write mode) + ReadAll on a copy, then Repair once
	// and again on io.ErrUnexpectedEOF, as etcd's bootstrap does.
	Write    ReadResult `json:"write"`
	Repaired bool       `json:"repaired"`
	// RepairOK is Repair's answer, when it ran.
	RepairOK bool `json:"repair_ok"`
	// RepairedSize is the last segment's size after Repair (where it cut).
	RepairedSize int64 `json:"repaired_size,omitempty"`
}

type SnapRef struct {
	Index uint64 `json:"index"`
	Term  uint64 `json:"term"`
}

type SnapInfo struct {
	File      string `json:"file"`
	Index     uint64 `json:"index"`
	Term      uint64 `json:"term"`
	DataBytes int    `json:"data_bytes"`
	Voters    int    `json:"voters"`
	Err       string `json:"error,omitempty"`
}

type ReadResult struct {
	Err        string         `json:"error,omitempty"`
	MemberID   uint64         `json:"member_id"`
	ClusterID  uint64         `json:"cluster_id"`
	Term       uint64         `json:"term"`
	Vote       uint64         `json:"vote"`
	Commit     uint64         `json:"commit"`
	Entries    int            `json:"entries"`
	FirstIndex uint64         `json:"first_index"`
	LastIndex  uint64         `json:"last_index"`
	DataBytes  int64          `json:"data_bytes"`
	MaxData    int            `json:"max_data_bytes"`
	ByType     map[string]int `json:"by_type"`
	ByRequest  map[string]int `json:"by_request"`
}

type RealRestart struct {
	Ok bool `json:"ok"`
	// Log lines etcd printed that say what it did with the WAL.
	Log []string `json:"log"`
}

func writeManifest(path string, m *Manifest, keepOther func(DataDir) bool) error {
	var old Manifest
	if b, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(b, &old); err != nil {
			return err
		}
	}
	seen := map[string]bool{}
	for _, d := range m.DataDirs {
		seen[d.Name] = true
	}
	for _, d := range old.DataDirs {
		if !seen[d.Name] && keepOther(d) {
			m.DataDirs = append(m.DataDirs, d)
		}
	}
	sort.Slice(m.DataDirs, func(i, j int) bool { return m.DataDirs[i].Name < m.DataDirs[j].Name })
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
