package main

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// These types mirror internal/fixtures/fixtures.go (the generator is a
// separate module and cannot import it); keep the two in sync.

type Manifest struct {
	Note     string    `json:"note"`
	Fixtures []Fixture `json:"fixtures"`
}

type Fixture struct {
	Name         string `json:"name"`
	File         string `json:"file"`
	Scenario     string `json:"scenario"`
	Description  string `json:"description"`
	Snapshot     bool   `json:"snapshot"`
	EtcdVersion  string `json:"etcd_version"`
	BboltVersion string `json:"bbolt_version"`
	SizeBytes    int64  `json:"size_bytes"`
	SHA256       string `json:"sha256"`

	QuotaBackendBytes int64 `json:"quota_backend_bytes"`

	Revision           int64    `json:"revision"`
	CompactRevision    int64    `json:"compact_revision"`
	LiveKeys           int64    `json:"live_keys"`
	DbSize             int64    `json:"db_size"`
	DbSizeInUse        int64    `json:"db_size_in_use"`
	RunningDbSize      int64    `json:"running_db_size"`
	RunningDbSizeInUse int64    `json:"running_db_size_in_use"`
	DefragDbSize       int64    `json:"defrag_db_size"`
	DefragDbSizeInUse  int64    `json:"defrag_db_size_in_use"`
	DefragFileBytes    int64    `json:"defrag_file_bytes"`
	Leases             int64    `json:"leases"`
	AuthEnabled        bool     `json:"auth_enabled"`
	Alarms             []string `json:"alarms"`
	Members            int      `json:"members"`

	SampleKeys []SampleKey `json:"sample_keys"`

	Etcdutl EtcdutlStatus `json:"etcdutl"`
}

type SampleKey struct {
	Key            string `json:"key"`
	Exists         bool   `json:"exists"`
	Version        int64  `json:"version"`
	CreateRevision int64  `json:"create_revision"`
	ModRevision    int64  `json:"mod_revision"`
	Lease          int64  `json:"lease"`
	ValueSize      int    `json:"value_size"`
}

type EtcdutlStatus struct {
	Hash      uint32 `json:"hash"`
	Revision  int64  `json:"revision"`
	TotalKey  int    `json:"total_key"`
	TotalSize int64  `json:"total_size"`
	Version   string `json:"version"`
}

const manifestNote = "Written by real etcd (embed) driven through clientv3 on loopback: " +
	"cd testdata/gen/etcd36 && go run . -out ../../fixtures (and etcd35, etcd34 likewise); see testdata/README.md. " +
	"Each file is member/snap/db copied after a clean stop (snapshot fixtures: the Maintenance.Snapshot stream). " +
	"revision, compact_revision, live_keys, leases, auth_enabled, alarms, members, sample_keys, running_db_size(_in_use): " +
	"the running etcd at the end of the workload. db_size and db_size_in_use: Maintenance.Status of etcd restarted " +
	"on a copy of the stopped data dir (snapshot fixtures: on a dir restored from the snapshot with etcdutl's snapshot.Restore), " +
	"after it became ready. defrag_*: Maintenance.Defragment of that copy, then Status and the file size. " +
	"etcdutl: etcdutl's snapshot.Status on the fixture file (3.5 counts every bucket entry as total_key and has no version; " +
	"3.6 counts live keys; for 3.4, which has no etcdutl, what its etcdctl snapshot status prints, counted as 3.5 does)."

// mergeManifest replaces the fixtures named in got and keeps the others
// (the other etcd version's), sorted by name.
func mergeManifest(path string, got []Fixture) error {
	var m Manifest
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &m); err != nil {
			return err
		}
	case !errors.Is(err, fs.ErrNotExist):
		return err
	}
	replaced := map[string]bool{}
	for _, f := range got {
		replaced[f.Name] = true
	}
	var out []Fixture
	for _, f := range m.Fixtures {
		if !replaced[f.Name] {
			out = append(out, f)
		}
	}
	out = append(out, got...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	m.Note = manifestNote
	m.Fixtures = out
	b, err = json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Clean(path))
}
