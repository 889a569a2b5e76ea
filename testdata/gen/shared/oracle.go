package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// runningAnswers asks the running etcd at the end of a workload.
func runningAnswers(ctx context.Context, cli *clientv3.Client, endpoint string, sample []string, f *Fixture) error {
	get, err := cli.Get(ctx, "/")
	if err != nil {
		return fmt.Errorf("final get: %w", err)
	}
	f.Revision = get.Header.Revision
	all, err := cli.Get(ctx, "\x00", clientv3.WithFromKey(), clientv3.WithCountOnly())
	if err != nil {
		return fmt.Errorf("count keys: %w", err)
	}
	if all.Header.Revision != f.Revision {
		return fmt.Errorf("revision moved during the final answers: %d then %d", f.Revision, all.Header.Revision)
	}
	f.LiveKeys = all.Count
	leases, err := cli.Leases(ctx)
	if err != nil {
		return fmt.Errorf("list leases: %w", err)
	}
	f.Leases = int64(len(leases.Leases))
	as, err := cli.AuthStatus(ctx)
	if err != nil {
		return fmt.Errorf("auth status: %w", err)
	}
	f.AuthEnabled = as.Enabled
	alarms, err := cli.AlarmList(ctx)
	if err != nil {
		return fmt.Errorf("alarm list: %w", err)
	}
	f.Alarms = []string{}
	for _, a := range alarms.Alarms {
		f.Alarms = append(f.Alarms, a.Alarm.String())
	}
	members, err := cli.MemberList(ctx)
	if err != nil {
		return fmt.Errorf("member list: %w", err)
	}
	f.Members = len(members.Members)
	for _, k := range sample {
		resp, err := cli.Get(ctx, k)
		if err != nil {
			return fmt.Errorf("get sample %s: %w", k, err)
		}
		s := SampleKey{Key: k}
		if len(resp.Kvs) == 1 {
			kv := resp.Kvs[0]
			s = SampleKey{Key: k, Exists: true, Version: kv.Version, CreateRevision: kv.CreateRevision,
				ModRevision: kv.ModRevision, Lease: kv.Lease, ValueSize: len(kv.Value)}
		}
		f.SampleKeys = append(f.SampleKeys, s)
	}
	st, err := cli.Status(ctx, endpoint)
	if err != nil {
		return fmt.Errorf("status: %w", err)
	}
	f.RunningDbSize, f.RunningDbSizeInUse = st.DbSize, st.DbSizeInUse
	return nil
}

// restartAnswers starts etcd on dataDir (a copy; it will change), takes
// Status once ready, checks it serves the same revision, defragments it and
// takes Status and the file size again.
func restartAnswers(dataDir string, quota int64, user, pass string, f *Fixture) error {
	srv, err := startServer(dataDir, quota)
	if err != nil {
		return err
	}
	defer srv.stop()
	cli, err := srv.client(user, pass)
	if err != nil {
		return err
	}
	defer cli.Close()
	ctx, cancel := withTimeout(opTimeout)
	defer cancel()
	st, err := cli.Status(ctx, srv.clientURL)
	if err != nil {
		return fmt.Errorf("status after restart: %w", err)
	}
	f.DbSize, f.DbSizeInUse = st.DbSize, st.DbSizeInUse
	get, err := cli.Get(ctx, "/")
	if err != nil {
		return fmt.Errorf("get after restart: %w", err)
	}
	if get.Header.Revision != f.Revision {
		return fmt.Errorf("restarted copy serves revision %d, the workload ended at %d", get.Header.Revision, f.Revision)
	}
	if _, err := cli.Defragment(ctx, srv.clientURL); err != nil {
		return fmt.Errorf("defragment copy: %w", err)
	}
	st, err = cli.Status(ctx, srv.clientURL)
	if err != nil {
		return fmt.Errorf("status after defrag: %w", err)
	}
	f.DefragDbSize, f.DefragDbSizeInUse = st.DbSize, st.DbSizeInUse
	fi, err := os.Stat(filepath.Join(dataDir, "member", "snap", "db"))
	if err != nil {
		return err
	}
	f.DefragFileBytes = fi.Size()
	return nil
}
