package wal

import "strings"

// like35 reports whether etcd version keeps its raft log and reads its WAL
// as 3.5 does. 3.4.25 does (checked in its source, go.etcd.io/etcd
// v0.5.0-alpha.5.0.20230414071934-94593e63d45c): a snapshot every 100,000
// applied entries (DefaultSnapshotCount, etcdserver/server.go:69) compacts
// the log to 5,000 catch-up entries (server.go:76, :2468-2473), and ReadAll
// returns no entries with "wal: slice bounds out of range" (wal/wal.go:456-458).
func like35(version string) bool {
	return strings.HasPrefix(version, "3.5") || strings.HasPrefix(version, "3.4")
}
