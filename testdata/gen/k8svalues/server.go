package main

import (
	"fmt"
	"net"
	"net/url"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// server is one embedded etcd member on free loopback ports. The
// advertised URLs are fixed so member and cluster IDs repeat across runs.
type server struct {
	etcd      *embed.Etcd
	clientURL string
}

func startServer(dir string) (*server, error) {
	cp, err := freePort()
	if err != nil {
		return nil, err
	}
	pp, err := freePort()
	if err != nil {
		return nil, err
	}
	lc := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", cp)}
	lp := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", pp)}
	ac, _ := url.Parse("http://127.0.0.1:2379")
	ap, _ := url.Parse("http://127.0.0.1:2380")
	cfg := embed.NewConfig()
	cfg.Name = "fixture"
	cfg.Dir = dir
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{lc}, []url.URL{*ac}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{lp}, []url.URL{*ap}
	cfg.InitialCluster = "fixture=http://127.0.0.1:2380"
	cfg.InitialClusterToken = "etcd-cluster"
	cfg.Logger, cfg.LogLevel, cfg.LogOutputs = "zap", "fatal", []string{"stderr"}
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
	return &server{etcd: e, clientURL: lc.String()}, nil
}

func (s *server) client() (*clientv3.Client, error) {
	return clientv3.New(clientv3.Config{Endpoints: []string{s.clientURL}, DialTimeout: 10 * time.Second, Logger: zap.NewNop()})
}

// stop shuts etcd down cleanly; the db file is complete afterwards.
func (s *server) stop() { s.etcd.Close() }

func clientv3CountOnly() []clientv3.OpOption {
	return []clientv3.OpOption{clientv3.WithPrefix(), clientv3.WithCountOnly()}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
