package main

import (
	"go.etcd.io/etcd/clientv3/snapshot"
	"go.uber.org/zap"
)

// etcdutlStatus is what 3.4's `etcdctl snapshot status` prints for path (3.4
// has no etcdutl; etcdctl calls the same clientv3/snapshot Status): like 3.5
// it counts every entry of every bucket and reports no storage version.
func etcdutlStatus(path string) (EtcdutlStatus, error) {
	st, err := snapshot.NewV3(zap.NewNop()).Status(path)
	return EtcdutlStatus{Hash: st.Hash, Revision: st.Revision, TotalKey: st.TotalKey,
		TotalSize: st.TotalSize}, err
}
