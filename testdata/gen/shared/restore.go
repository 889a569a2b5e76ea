package main

import (
	"fmt"
	"os"
	"path/filepath"

	"go.etcd.io/etcd/etcdutl/v3/snapshot"
	"go.uber.org/zap"
)

// restoreSnapshot restores a copy of a snapshot file into dataDir with
// etcdutl's restore (checking its SHA-256 trailer), under the member name
// and peer URL startServer uses.
func restoreSnapshot(snapPath, work, dataDir string) error {
	b, err := os.ReadFile(snapPath)
	if err != nil {
		return err
	}
	cp := filepath.Join(work, "snapshot-copy.db")
	if err := os.WriteFile(cp, b, 0o600); err != nil {
		return err
	}
	err = snapshot.NewV3(zap.NewNop()).Restore(snapshot.RestoreConfig{
		SnapshotPath:        cp,
		Name:                memberName,
		OutputDataDir:       dataDir,
		PeerURLs:            []string{advertisePeer},
		InitialCluster:      memberName + "=" + advertisePeer,
		InitialClusterToken: clusterToken,
	})
	if err != nil {
		return fmt.Errorf("restore snapshot: %w", err)
	}
	return nil
}
