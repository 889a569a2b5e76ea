package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/etcd/clientv3"
	"go.etcd.io/etcd/etcdserver/api/v3rpc/rpctypes"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Stand-ins for the two client calls of 3.5 that 3.4 lacks; sync.go maps
// the shared code's calls onto them.

// authStatusResponse is the part of 3.5's AuthStatusResponse the generator reads.
type authStatusResponse struct{ Enabled bool }

// authStatus asks the running 3.4 server whether auth is enabled. 3.4 has no
// AuthStatus RPC (etcdctl 3.4 has no `auth status`), so it asks the way a
// client finds out: with auth on, etcd refuses a Range from a client with no
// user ("etcdserver: user name is empty": auth/store.go isOpPermitted, line
// 948 of 3.4.25); with auth off it answers.
func authStatus(ctx context.Context, endpoint string) (*authStatusResponse, error) {
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, DialTimeout: 10 * time.Second,
		LogConfig: quietClientLog(zap.FatalLevel)})
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	_, err = cli.Get(ctx, "/", clientv3.WithCountOnly())
	switch {
	case err == nil:
		return &authStatusResponse{Enabled: false}, nil
	case errors.Is(err, rpctypes.ErrUserEmpty):
		return &authStatusResponse{Enabled: true}, nil
	}
	return nil, fmt.Errorf("unauthenticated range (auth probe): %w", err)
}

// quietClientLog is the client logger config: 3.4's clientv3.Config takes a
// zap.Config (LogConfig) where 3.5 takes a *zap.Logger.
func quietClientLog(level zapcore.Level) *zap.Config {
	return &zap.Config{Level: zap.NewAtomicLevelAt(level), Encoding: "json",
		EncoderConfig: zap.NewProductionEncoderConfig(),
		OutputPaths:   []string{"stderr"}, ErrorOutputPaths: []string{"stderr"}}
}
