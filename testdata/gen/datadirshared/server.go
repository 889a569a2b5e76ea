package main

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
)

// Fixed advertised URLs and name: the member and cluster IDs written into
// the WAL metadata and the db are the same on every run.
const (
	memberName      = "datadir"
	advertisePeer   = "http://127.0.0.1:2380"
	advertiseClient = "http://127.0.0.1:2379"
	clusterToken    = "etcd-cluster"
)

// startEtcd starts a single member on dir (new or existing) on free
// loopback ports. snapshotCount 0 keeps etcd's default. logLevel "info"
// lets a parent read "repaired WAL" and the like on stderr.
func startEtcd(dir string, snapshotCount uint64, logLevel string) (*embed.Etcd, string, error) {
	cp, err := freePort()
	if err != nil {
		return nil, "", err
	}
	pp, err := freePort()
	if err != nil {
		return nil, "", err
	}
	lc := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", cp)}
	lp := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", pp)}
	ac, _ := url.Parse(advertiseClient)
	ap, _ := url.Parse(advertisePeer)
	cfg := embed.NewConfig()
	cfg.Name = memberName
	cfg.Dir = dir
	cfg.ListenClientUrls = []url.URL{lc}
	cfg.AdvertiseClientUrls = []url.URL{*ac}
	cfg.ListenPeerUrls = []url.URL{lp}
	cfg.AdvertisePeerUrls = []url.URL{*ap}
	cfg.InitialCluster = memberName + "=" + advertisePeer
	cfg.InitialClusterToken = clusterToken
	if snapshotCount > 0 {
		cfg.SnapshotCount = snapshotCount
	}
	if maxTxnOps > 0 {
		cfg.MaxTxnOps = maxTxnOps
	}
	cfg.Logger = "zap"
	cfg.LogLevel = logLevel
	cfg.LogOutputs = []string{"stderr"}
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, "", fmt.Errorf("start etcd on %s: %w", dir, err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		e.Close()
		return nil, "", fmt.Errorf("etcd on %s failed: %w", dir, err)
	case <-time.After(60 * time.Second):
		e.Server.Stop()
		e.Close()
		return nil, "", fmt.Errorf("etcd on %s not ready after 60s", dir)
	}
	return e, lc.String(), nil
}

// maxTxnOps raises --max-txn-ops (default 128) for the big data dirs'
// large txns; 0 keeps the default.
var maxTxnOps uint

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func withTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}
