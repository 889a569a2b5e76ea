package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"go.etcd.io/etcd/server/v3/lease"
	"go.etcd.io/etcd/server/v3/storage/backend"
	"go.etcd.io/etcd/server/v3/storage/mvcc"
	"go.uber.org/zap"
)

// restoreResult is what restore prints: real etcd 3.6's storage opening a
// copy of the db, step by step, in this (fresh) process.
type restoreResult struct {
	File         string  `json:"file"`
	FileBytes    int64   `json:"file_bytes"`
	OpenSeconds  float64 `json:"open_seconds"`   // backend.New: bbolt Open (mmap populate, freelist rebuild)
	LessorSecs   float64 `json:"lessor_seconds"` // lease.NewLessor: leases read back
	StoreSeconds float64 `json:"store_seconds"`  // mvcc.NewStore: the index restore (both goroutines), leases attached
	Revision     int64   `json:"revision"`
	Note         string  `json:"note"`
}

// runRestore times the storage part of an etcd start alone: the db copied
// to a scratch dir (not timed), then backend.New, lease.NewLessor and
// mvcc.NewStore as etcdserver.NewServer calls them, without raft, the WAL,
// the network or the election. One run a process: run it several times.
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
	if err := copyFile(*db, path); err != nil {
		return err
	}
	if err := syncFile(path); err != nil {
		return err
	}
	lg := zap.NewNop()
	bcfg := backend.DefaultBackendConfig(lg)
	bcfg.Path = path
	t0 := time.Now()
	be := backend.New(bcfg)
	t1 := time.Now()
	le := lease.NewLessor(lg, be, fixedCluster{}, lease.LessorConfig{MinLeaseTTL: 5})
	t2 := time.Now()
	kv := mvcc.NewStore(lg, be, le, mvcc.StoreConfig{})
	t3 := time.Now()
	res := restoreResult{
		File: *db, FileBytes: st.Size(),
		OpenSeconds: t1.Sub(t0).Seconds(), LessorSecs: t2.Sub(t1).Seconds(), StoreSeconds: t3.Sub(t2).Seconds(),
		Revision: kv.Rev(),
		Note:     "etcd 3.6's backend.New, lease.NewLessor and mvcc.NewStore on a copy of the db in a fresh process, warm page cache, wall time of each",
	}
	kv.Close()
	le.Stop()
	be.Close()
	return printJSON(res)
}
