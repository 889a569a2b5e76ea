package main

import (
	"context"
	"fmt"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// A scenario is one data dir written by real etcd.
type scenario struct {
	name          string
	description   string
	snapshotCount uint64 // 0: etcd's default (100,000 in 3.5, 10,000 in 3.6)
	run           func(cli *clientv3.Client) error
	killed        bool // written by a child that is SIGKILLed mid-write
}

var scenarios = []scenario{
	{name: "small", description: "300 puts of 100 B, 20 txns of 10 puts, 10 deletes, a lease with 5 keys, a compaction and a prefix delete; default --snapshot-count, so no .snap file", run: small},
	{name: "snapshots", description: "--snapshot-count 100, 450 puts of 200 B and 30 deletes: several .snap files and WAL snapshot records", snapshotCount: 100, run: snapshots},
	{name: "large", description: "340 puts of 200 KiB values (20 keys rewritten): 68 MB of WAL, so two segments, the first cut by etcd at 64 MB", run: large},
	{name: "torn", description: "a child etcd writing 400 KiB puts is SIGKILLed mid-write until the WAL's last record is torn (etcd's write-mode ReadAll gives io.ErrUnexpectedEOF and Repair truncates it)", killed: true},
}

func client(endpoint string) (*clientv3.Client, error) {
	return clientv3.New(clientv3.Config{
		Endpoints:          []string{endpoint},
		DialTimeout:        10 * time.Second,
		Logger:             zap.NewNop(),
		MaxCallSendMsgSize: 8 << 20,
	})
}

func put(cli *clientv3.Client, k string, v []byte, opts ...clientv3.OpOption) error {
	ctx, cancel := withTimeout(time.Minute)
	defer cancel()
	_, err := cli.Put(ctx, k, string(v), opts...)
	return err
}

// text is a deterministic printable value of n bytes.
func text(seed, n int) []byte {
	b := make([]byte, n)
	x := uint32(seed)*2654435761 + 1
	for i := range b {
		x = x*1664525 + 1013904223
		b[i] = 'a' + byte(x>>24)%26
	}
	return b
}

// bigValue compresses well (a counter every 4 KiB) so archives stay small.
func bigValue(i, n int) []byte {
	b := make([]byte, n)
	for j := range b {
		b[j] = 'a' + byte(i%26)
	}
	for off := 0; off+16 <= n; off += 4096 {
		copy(b[off:], fmt.Sprintf("%08d%08d", i, off))
	}
	return b
}

func small(cli *clientv3.Client) error {
	for i := 0; i < 300; i++ {
		if err := put(cli, fmt.Sprintf("/app/k%03d", i), text(i, 100)); err != nil {
			return err
		}
	}
	for t := 0; t < 20; t++ {
		var ops []clientv3.Op
		for j := 0; j < 10; j++ {
			ops = append(ops, clientv3.OpPut(fmt.Sprintf("/txn/t%02d-%d", t, j), string(text(t*10+j, 80))))
		}
		ctx, cancel := withTimeout(time.Minute)
		_, err := cli.Txn(ctx).Then(ops...).Commit()
		cancel()
		if err != nil {
			return err
		}
	}
	for i := 0; i < 10; i++ {
		ctx, cancel := withTimeout(time.Minute)
		_, err := cli.Delete(ctx, fmt.Sprintf("/app/k%03d", i*7))
		cancel()
		if err != nil {
			return err
		}
	}
	ctx, cancel := withTimeout(time.Minute)
	defer cancel()
	lease, err := cli.Grant(ctx, 3600)
	if err != nil {
		return err
	}
	for i := 0; i < 5; i++ {
		if err := put(cli, fmt.Sprintf("/leased/k%d", i), text(i, 50), clientv3.WithLease(lease.ID)); err != nil {
			return err
		}
	}
	resp, err := cli.Get(ctx, "/app/k000")
	if err != nil {
		return err
	}
	if _, err := cli.Compact(ctx, resp.Header.Revision); err != nil {
		return err
	}
	_, err = cli.Delete(ctx, "/txn/t19", clientv3.WithPrefix())
	return err
}

func snapshots(cli *clientv3.Client) error {
	for i := 0; i < 450; i++ {
		if err := put(cli, fmt.Sprintf("/snap/k%03d", i%300), text(i, 200)); err != nil {
			return err
		}
	}
	for i := 0; i < 30; i++ {
		ctx, cancel := withTimeout(time.Minute)
		_, err := cli.Delete(ctx, fmt.Sprintf("/snap/k%03d", i*9))
		cancel()
		if err != nil {
			return err
		}
	}
	return nil
}

func large(cli *clientv3.Client) error {
	for i := 0; i < 340; i++ {
		if err := put(cli, fmt.Sprintf("/large/k%02d", i%20), bigValue(i, 200<<10)); err != nil {
			return err
		}
	}
	return nil
}

// tornWriter is the child's workload: 400 KiB puts until it is killed.
func tornWriter(ctx context.Context, cli *clientv3.Client) error {
	for i := 0; ; i++ {
		if _, err := cli.Put(ctx, fmt.Sprintf("/torn/k%02d", i%10), string(bigValue(i, 400<<10))); err != nil {
			return err
		}
	}
}
