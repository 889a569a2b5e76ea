package main

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// The advertised URLs are fixed so that the member and cluster IDs written
// into the db are the same on every run. The server listens on free loopback
// ports instead; a single member never dials its own advertised URLs.
const (
	memberName      = "fixture"
	advertisePeer   = "http://127.0.0.1:2380"
	advertiseClient = "http://127.0.0.1:2379"
	clusterToken    = "etcd-cluster"
)

// server is one embedded etcd member on loopback.
type server struct {
	etcd      *embed.Etcd
	dir       string
	clientURL string
}

// startServer starts etcd on dir (new or existing data dir) and waits until
// it serves. quota is QuotaBackendBytes (0: etcd's default).
func startServer(dir string, quota int64) (*server, error) {
	clientPort, err := freePort()
	if err != nil {
		return nil, err
	}
	peerPort, err := freePort()
	if err != nil {
		return nil, err
	}
	listenClient := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", clientPort)}
	listenPeer := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", peerPort)}
	ac, _ := url.Parse(advertiseClient)
	ap, _ := url.Parse(advertisePeer)

	cfg := embed.NewConfig()
	cfg.Name = memberName
	cfg.Dir = dir
	cfg.ListenClientUrls = []url.URL{listenClient}
	cfg.AdvertiseClientUrls = []url.URL{*ac}
	cfg.ListenPeerUrls = []url.URL{listenPeer}
	cfg.AdvertisePeerUrls = []url.URL{*ap}
	cfg.InitialCluster = memberName + "=" + advertisePeer
	cfg.InitialClusterToken = clusterToken
	cfg.QuotaBackendBytes = quota
	// UnsafeNoFsync must stay off: etcd passes it to bbolt as NoGrowSync too,
	// which stops bbolt from growing the file ahead in 16 MiB steps and so
	// changes the file size of every fixture.
	cfg.Logger = "zap"
	// Errors reach the generator through the client; shutdown logs only noise.
	cfg.LogLevel = "fatal"
	cfg.LogOutputs = []string{"stderr"}

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, fmt.Errorf("start etcd on %s: %w", dir, err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		e.Close()
		return nil, fmt.Errorf("etcd on %s failed: %w", dir, err)
	case <-time.After(60 * time.Second):
		e.Server.Stop()
		e.Close()
		return nil, fmt.Errorf("etcd on %s not ready after 60s", dir)
	}
	return &server{etcd: e, dir: dir, clientURL: listenClient.String()}, nil
}

// client returns a network client; Maintenance calls need one (the
// in-process client panics on Defragment).
func (s *server) client(user, password string) (*clientv3.Client, error) {
	return clientv3.New(clientv3.Config{
		Endpoints:          []string{s.clientURL},
		DialTimeout:        10 * time.Second,
		Username:           user,
		Password:           password,
		Logger:             zap.NewNop(),
		MaxCallSendMsgSize: 8 << 20,
		MaxCallRecvMsgSize: 64 << 20,
	})
}

// stop shuts etcd down cleanly; the db file is complete afterwards.
func (s *server) stop() {
	s.etcd.Close()
}

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
