package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/coreos/go-semver/semver"
	"go.etcd.io/etcd/server/v3/lease"
	"go.etcd.io/etcd/server/v3/storage/backend"
	"go.etcd.io/etcd/server/v3/storage/mvcc"
	"go.uber.org/zap"
)

// restoreResult is what restore prints: real etcd 3.7's storage opening a
// copy of the db, step by step, in this (fresh) process (the same fields as
// etcdbench's 3.6 restore).
type restoreResult struct {
	File         string  `json:"file"`
	FileBytes    int64   `json:"file_bytes"`
	EtcdMinor    string  `json:"etcd_minor"`
	OpenSeconds  float64 `json:"open_seconds"`   // backend.New: bbolt Open (mmap populate, freelist rebuild)
	LessorSecs   float64 `json:"lessor_seconds"` // lease.NewLessor: leases read back
	StoreSeconds float64 `json:"store_seconds"`  // mvcc.NewStore: the index restore (both goroutines), leases attached
	Revision     int64   `json:"revision"`
	Note         string  `json:"note"`
}

// runRestore times the storage part of an etcd 3.7 start alone: the db
// copied to a scratch dir (not timed), then backend.New, lease.NewLessor
// and mvcc.NewStore as etcdserver.NewServer calls them, without raft, the
// WAL, the network or the election. One run a process: run it several
// times.
func runRestore(args []string) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	db := fs.String("db", "", "etcd db file (copied first; the copy is removed)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *db == "" {
		return fmt.Errorf("-db is required")
	}
	st, err := os.Stat(*db)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "etcdbench-restore-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "db")
	if err := copySynced(*db, path); err != nil {
		return err
	}
	lg := zap.NewNop()
	bcfg := backend.DefaultBackendConfig(lg)
	bcfg.Path = path
	t0 := time.Now()
	be := backend.New(bcfg)
	t1 := time.Now()
	le := lease.NewLessor(lg, be, restoreCluster{}, lease.LessorConfig{MinLeaseTTL: 5})
	t2 := time.Now()
	kv := mvcc.NewStore(lg, be, le, mvcc.StoreConfig{})
	t3 := time.Now()
	res := restoreResult{
		File: *db, FileBytes: st.Size(), EtcdMinor: etcdMinor,
		OpenSeconds: t1.Sub(t0).Seconds(), LessorSecs: t2.Sub(t1).Seconds(), StoreSeconds: t3.Sub(t2).Seconds(),
		Revision: kv.Rev(),
		Note:     "etcd " + etcdMinor + "'s backend.New, lease.NewLessor and mvcc.NewStore on a copy of the db in a fresh process, warm page cache, wall time of each",
	}
	kv.Close()
	le.Stop()
	be.Close()
	return printJSON(res)
}

// copySynced copies src to dst and syncs it.
func copySynced(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// restoreCluster tells the lessor the cluster runs this etcd minor.
type restoreCluster struct{}

func (restoreCluster) Version() *semver.Version {
	v := semver.New(etcdMinor + ".0")
	return v
}
