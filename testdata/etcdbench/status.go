package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"go.etcd.io/etcd/etcdutl/v3/snapshot"
	"go.uber.org/zap"
)

type statusResult struct {
	File      string          `json:"file"`
	FileBytes int64           `json:"file_bytes"`
	Status    snapshot.Status `json:"status"`
	Seconds   float64         `json:"seconds"`
}

// runStatus runs etcdutl's own `snapshot status` code on a db.
func runStatus(args []string) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	db := fs.String("db", "", "etcd db file")
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
	start := time.Now()
	s, err := snapshot.NewV3(zap.NewNop()).Status(*db)
	if err != nil {
		return fmt.Errorf("etcdutl snapshot status %s: %w", *db, err)
	}
	return printJSON(statusResult{File: *db, FileBytes: st.Size(), Status: s, Seconds: time.Since(start).Seconds()})
}
