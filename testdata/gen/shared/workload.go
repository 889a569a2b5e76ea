package main

import (
	"context"
	"fmt"
	"math/rand"
	"sort"
	"strings"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// workload drives one scenario through the client API and remembers what it
// wrote, so the sample keys can mix live and deleted keys.
type workload struct {
	ctx  context.Context
	cli  *clientv3.Client
	srv  *server
	rng  *rand.Rand
	live map[string]bool // key -> exists now (false: written, then deleted)
	must []string        // keys that must be in the sample
	rev  int64           // latest revision seen in a response

	compactRev int64
	user, pass string // credentials once auth is enabled
}

func (w *workload) saw(h *pb.ResponseHeader) {
	if h != nil && h.Revision > w.rev {
		w.rev = h.Revision
	}
}

// put writes one key in its own revision.
func (w *workload) put(key string, val []byte, opts ...clientv3.OpOption) error {
	resp, err := w.cli.Put(w.ctx, key, string(val), opts...)
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	w.saw(resp.Header)
	w.live[key] = true
	return nil
}

// del deletes one key (or a prefix) in its own revision.
func (w *workload) del(key string, prefix bool) error {
	var opts []clientv3.OpOption
	if prefix {
		opts = append(opts, clientv3.WithPrefix())
	}
	resp, err := w.cli.Delete(w.ctx, key, opts...)
	if err != nil {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	w.saw(resp.Header)
	for k := range w.live {
		if k == key || (prefix && strings.HasPrefix(k, key)) {
			w.live[k] = false
		}
	}
	return nil
}

// compact compacts physically at the latest revision.
func (w *workload) compact() error {
	resp, err := w.cli.Compact(w.ctx, w.rev, clientv3.WithCompactPhysical())
	if err != nil {
		return fmt.Errorf("compact at %d: %w", w.rev, err)
	}
	w.saw(resp.Header)
	w.compactRev = w.rev
	return nil
}

// grantLease grants a lease with a chosen ID, so the IDs in the db are the
// same on every run (etcd's own IDs depend on the clock).
func (w *workload) grantLease(id int64, ttl int64) error {
	resp, err := pb.NewLeaseClient(w.cli.ActiveConnection()).LeaseGrant(w.ctx, &pb.LeaseGrantRequest{ID: id, TTL: ttl})
	if err != nil {
		return fmt.Errorf("grant lease %x: %w", id, err)
	}
	if resp.Error != "" {
		return fmt.Errorf("grant lease %x: %s", id, resp.Error)
	}
	w.saw(resp.Header)
	return nil
}

// revoke revokes a lease; etcd deletes its keys in one revision.
func (w *workload) revoke(id int64, keys []string) error {
	resp, err := w.cli.Revoke(w.ctx, clientv3.LeaseID(id))
	if err != nil {
		return fmt.Errorf("revoke lease %x: %w", id, err)
	}
	w.saw(resp.Header)
	for _, k := range keys {
		w.live[k] = false
	}
	return nil
}

// batch collects ops into Txns of many ops (one revision, sub revisions
// 0..n-1). etcd refuses a Txn naming a key twice, so it flushes first.
type batch struct {
	w     *workload
	ops   []clientv3.Op
	keys  map[string]bool
	bytes int
	max   int
}

const maxBatchBytes = 512 << 10 // well under etcd's 1.5 MiB request limit

func (w *workload) newBatch(max int) *batch {
	return &batch{w: w, keys: map[string]bool{}, max: max}
}

func (b *batch) put(key string, val []byte) error {
	if err := b.room(key, len(val)); err != nil {
		return err
	}
	b.ops = append(b.ops, clientv3.OpPut(key, string(val)))
	b.w.live[key] = true
	return nil
}

func (b *batch) del(key string) error {
	if err := b.room(key, 0); err != nil {
		return err
	}
	b.ops = append(b.ops, clientv3.OpDelete(key))
	b.w.live[key] = false
	return nil
}

func (b *batch) room(key string, size int) error {
	if b.keys[key] || len(b.ops) >= b.max || b.bytes+size > maxBatchBytes {
		if err := b.flush(); err != nil {
			return err
		}
	}
	b.keys[key] = true
	b.bytes += len(key) + size
	return nil
}

func (b *batch) flush() error {
	if len(b.ops) == 0 {
		return nil
	}
	resp, err := b.w.cli.Txn(b.w.ctx).Then(b.ops...).Commit()
	if err != nil {
		return fmt.Errorf("txn of %d ops: %w", len(b.ops), err)
	}
	b.w.saw(resp.Header)
	b.ops, b.keys, b.bytes = nil, map[string]bool{}, 0
	return nil
}

// sampleKeys picks up to n keys: the must keys, then about a third deleted
// and the rest live, chosen by the seeded generator from sorted lists.
func (w *workload) sampleKeys(n int) []string {
	var live, dead []string
	for k, ok := range w.live {
		if ok {
			live = append(live, k)
		} else {
			dead = append(dead, k)
		}
	}
	sort.Strings(live)
	sort.Strings(dead)
	picked := map[string]bool{}
	out := []string{}
	add := func(k string) {
		if !picked[k] && len(out) < n {
			picked[k] = true
			out = append(out, k)
		}
	}
	for _, k := range w.must {
		add(k)
	}
	for _, i := range w.rng.Perm(len(dead)) {
		if len(out) >= len(w.must)+n/3 {
			break
		}
		add(dead[i])
	}
	for _, i := range w.rng.Perm(len(live)) {
		add(live[i])
	}
	for _, i := range w.rng.Perm(len(dead)) {
		add(dead[i])
	}
	sort.Strings(out)
	return out
}
