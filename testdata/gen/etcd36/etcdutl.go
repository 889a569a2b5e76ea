package main

import (
	"go.etcd.io/etcd/etcdutl/v3/snapshot"
	"go.uber.org/zap"
)

// etcdutlStatus is `etcdutl snapshot status` for path.
func etcdutlStatus(path string) (EtcdutlStatus, error) {
	st, err := snapshot.NewV3(zap.NewNop()).Status(path)
	return EtcdutlStatus{Hash: st.Hash, Revision: st.Revision, TotalKey: st.TotalKey,
		TotalSize: st.TotalSize, Version: st.Version}, err
}
