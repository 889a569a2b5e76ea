package main

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/dbinspect/dbinspect/internal/testhook"
)

// Ensure reading a file with 100,000 root-level buckets walks its root tree
// a fixed number of times, not once per bucket: 'keys' read every bucket
// by walking the whole root tree to find it, quadratic in buckets (30,000
// empty buckets beside etcd's took 38 s).
func TestKeysOnManyRootBuckets(t *testing.T) {
	const buckets = 100_000
	path := withBolt(t, "config-store-v3.6", func(tx *bolt.Tx) error {
		for i := range buckets {
			if _, err := tx.CreateBucket(fmt.Appendf(nil, "extra-%06d", i)); err != nil {
				return err
			}
		}
		return nil
	})
	var walks atomic.Int64
	testhook.RootTreeWalk = func() { walks.Add(1) }
	defer func() { testhook.RootTreeWalk = nil }()
	for _, cmd := range []string{"keys", "report"} {
		walks.Store(0)
		args := []string{cmd, path}
		if cmd == "report" {
			args = []string{cmd, "-v", path} // the buckets table is in the full report
		}
		code, out, errOut := runCLI(t, args...)
		if code != 0 || !strings.Contains(out, "extra-000000") {
			t.Errorf("%s: exit %d, the extra buckets not listed; stderr %s", cmd, code, errOut)
		}
		// One walk per open of the file (the read, the consistency check).
		if n := walks.Load(); n > 4 {
			t.Errorf("%s walked the root tree %d times for %d buckets, want a few", cmd, n, buckets)
		}
		t.Logf("%s: %d root tree walks", cmd, walks.Load())
	}
}
