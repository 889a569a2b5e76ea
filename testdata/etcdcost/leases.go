package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// leaseVariant is one member's memory after a restart on the db it wrote.
type leaseVariant struct {
	Leases int `json:"leases"`
	Keys   int `json:"keys"`
	// HeapAlloc is the smallest runtime.MemStats.HeapAlloc (etcd's
	// go_memstats_heap_alloc_bytes) of three reads, each right after a
	// debug.FreeOSMemory (a full GC): the live heap.
	HeapAlloc uint64 `json:"heap_alloc"`
	HeapInuse uint64 `json:"heap_inuse"`
	// RSS is VmRSS at the same reads (the smallest).
	RSS       int64   `json:"rss"`
	WriteSecs float64 `json:"write_seconds"`
	Db        string  `json:"db,omitempty"`
	DbBytes   int64   `json:"db_bytes"`
}

// leaseResult is the lessor's share of a restarted member's memory: the
// same keys written with and without leases, each member restarted on its
// own db, the difference of their live heaps.
type leaseResult struct {
	Leases    int          `json:"leases"`
	Keys      int          `json:"keys"`
	TTL       int64        `json:"ttl_seconds"`
	Bare      leaseVariant `json:"bare"`
	Leased    leaseVariant `json:"leased"`
	HeapDelta int64        `json:"heap_delta"`
	RSSDelta  int64        `json:"rss_delta"`
	Load      string       `json:"loadavg_before"`
	LoadAfter string       `json:"loadavg_after"`
}

// runLeases writes -keys keys through a member twice: once bare, once
// attached round-robin to -leases leases of -ttl seconds. Each member is
// then stopped and restarted on its data dir (so the lessor is the one
// etcd rebuilds from the db, as dbinspect predicts it; the member, alone,
// is the leader and promotes every lease) and its live heap is read after
// full GCs. --snapshot-count is 100 so that the raft log a restart replays
// into memory is at most ~100 entries, the last ones 200 tiny puts written
// the same way in both.
func runLeases(args []string) error {
	fs := flag.NewFlagSet("leases", flag.ContinueOnError)
	work := fs.String("work", "/dev/shm/etcdcost-leases", "work dir (removed first)")
	nLeases := fs.Int("leases", 100000, "leases to grant")
	nKeys := fs.Int("keys", 1000000, "keys to write (attached round-robin in the leased run)")
	ttl := fs.Int64("ttl", 3600, "lease TTL in seconds")
	valueBytes := fs.Int("value-bytes", 16, "value size")
	dbOut := fs.String("db-out", "", "copy the leased member's db here (for dbinspect)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *nLeases <= 0 || *nKeys < 0 {
		return fmt.Errorf("-leases must be > 0 and -keys >= 0")
	}
	os.RemoveAll(*work)
	if err := os.MkdirAll(*work, 0o755); err != nil {
		return err
	}
	res := leaseResult{Leases: *nLeases, Keys: *nKeys, TTL: *ttl, Load: loadavg()}
	var err error
	if res.Bare, err = leaseRun(filepath.Join(*work, "bare"), 0, *nKeys, *ttl, *valueBytes, ""); err != nil {
		return fmt.Errorf("bare: %w", err)
	}
	if res.Leased, err = leaseRun(filepath.Join(*work, "leased"), *nLeases, *nKeys, *ttl, *valueBytes, *dbOut); err != nil {
		return fmt.Errorf("leased: %w", err)
	}
	res.HeapDelta = int64(res.Leased.HeapAlloc) - int64(res.Bare.HeapAlloc)
	res.RSSDelta = res.Leased.RSS - res.Bare.RSS
	res.LoadAfter = loadavg()
	fmt.Fprintf(os.Stderr, "leases %d keys %d: heap %d -> %d (+%d), rss %d -> %d (+%d)\n", *nLeases, *nKeys,
		res.Bare.HeapAlloc, res.Leased.HeapAlloc, res.HeapDelta, res.Bare.RSS, res.Leased.RSS, res.RSSDelta)
	return printJSON(res)
}

func leaseRun(dir string, nLeases, nKeys int, ttl int64, valueBytes int, dbOut string) (leaseVariant, error) {
	v := leaseVariant{Leases: nLeases, Keys: nKeys}
	ports, err := freePorts(3)
	if err != nil {
		return v, err
	}
	self, err := os.Executable()
	if err != nil {
		return v, err
	}
	client := fmt.Sprintf("http://127.0.0.1:%d", ports[0])
	peer := fmt.Sprintf("http://127.0.0.1:%d", ports[1])
	admin := fmt.Sprintf("127.0.0.1:%d", ports[2])
	start := func() (*exec.Cmd, error) {
		return startMember(self, dir, "cost", client, peer, admin, "cost="+peer, "new", "-snapshot-count", "100")
	}
	stop := func(c *exec.Cmd) {
		c.Process.Signal(syscall.SIGTERM)
		c.Wait()
	}
	m, err := start()
	if err != nil {
		return v, err
	}
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{client}, DialTimeout: 10 * time.Second})
	if err != nil {
		m.Process.Kill()
		return v, err
	}
	ctx := context.Background()
	t0 := time.Now()
	ids, err := grantLeases(ctx, cli, nLeases, ttl)
	if err == nil {
		err = writeLeased(ctx, cli, nKeys, valueBytes, ids)
	}
	for i := 0; err == nil && i < 200; i++ {
		_, err = cli.Put(ctx, "/tail", "x")
	}
	v.WriteSecs = time.Since(t0).Seconds()
	cli.Close()
	stop(m)
	if err != nil {
		return v, err
	}
	if m, err = start(); err != nil {
		return v, err
	}
	defer stop(m)
	time.Sleep(3 * time.Second)
	for i := 0; i < 3; i++ {
		if _, err := httpGet("http://" + admin + "/free"); err != nil {
			return v, err
		}
		time.Sleep(time.Second)
		ms, err := serverMem(admin)
		if err != nil {
			return v, err
		}
		rss, _, err := procMem(m.Process.Pid)
		if err != nil {
			return v, err
		}
		if i == 0 || ms.HeapAlloc < v.HeapAlloc {
			v.HeapAlloc, v.HeapInuse = ms.HeapAlloc, ms.HeapInuse
		}
		if i == 0 || rss < v.RSS {
			v.RSS = rss
		}
	}
	db := filepath.Join(dir, "member", "snap", "db")
	if st, err := os.Stat(db); err == nil {
		v.DbBytes = st.Size()
	}
	if dbOut != "" {
		stop(m)
		if err := copyFile(db, dbOut); err != nil {
			return v, err
		}
		v.Db = dbOut
	}
	return v, nil
}

// grantLeases grants n leases of ttl seconds from 8 clients at once.
func grantLeases(ctx context.Context, cli *clientv3.Client, n int, ttl int64) ([]clientv3.LeaseID, error) {
	ids := make([]clientv3.LeaseID, n)
	const workers = 8
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += workers {
				r, err := cli.Grant(ctx, ttl)
				if err != nil {
					errs <- err
					return
				}
				ids[i] = r.ID
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	return ids, <-errs
}

// writeLeased puts n keys, 100 to a Txn from 4 writers, key i attached to
// ids[i % len(ids)] (none when ids is empty).
func writeLeased(ctx context.Context, cli *clientv3.Client, n, valueBytes int, ids []clientv3.LeaseID) error {
	const batch, writers = 100, 4
	val := string(make([]byte, valueBytes))
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for lo := w * batch; lo < n; lo += writers * batch {
				var ops []clientv3.Op
				for i := lo; i < min(lo+batch, n); i++ {
					key := fmt.Sprintf("/registry/leases-test/obj-%07d", i)
					if len(ids) > 0 {
						ops = append(ops, clientv3.OpPut(key, val, clientv3.WithLease(ids[i%len(ids)])))
					} else {
						ops = append(ops, clientv3.OpPut(key, val))
					}
				}
				if _, err := cli.Txn(ctx).Then(ops...).Commit(); err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// reportLessor is the part of 'dbinspect report -o json' compare-leases
// reads.
type reportLessor struct {
	Predict struct {
		ByVersion []struct {
			Version string `json:"version"`
			Lessor  struct {
				LeaderBytes   int64 `json:"leader_bytes"`
				FollowerBytes int64 `json:"follower_bytes"`
			} `json:"lessor"`
		} `json:"by_version"`
	} `json:"predict"`
}

// runCompareLeases prints one markdown row: the lessor's heap dbinspect
// predicts for the leased member's db beside the live heap and RSS the
// leases added.
func runCompareLeases(args []string) error {
	fs := flag.NewFlagSet("compare-leases", flag.ContinueOnError)
	measured := fs.String("measured", "", "JSON written by etcdcost leases")
	report := fs.String("report", "", "JSON written by dbinspect report -o json on the db leases left")
	version := fs.String("version", "3.6", "etcd minor whose prediction to show")
	label := fs.String("label", "", "etcd version label")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var m leaseResult
	var r reportLessor
	for _, x := range []struct {
		path string
		v    any
	}{{*measured, &m}, {*report, &r}} {
		b, err := os.ReadFile(x.path)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, x.v); err != nil {
			return fmt.Errorf("%s: %w", x.path, err)
		}
	}
	for _, v := range r.Predict.ByVersion {
		if v.Version != *version {
			continue
		}
		p := v.Lessor.LeaderBytes
		fmt.Printf("| %s | %d | %d | %d / %d (%s) | %d / %d (%s) | %s |\n", *label, m.Leases, m.Keys,
			m.HeapDelta, p, off1(float64(p), float64(m.HeapDelta)), m.RSSDelta, p, off1(float64(p), float64(m.RSSDelta)), m.Load)
		return nil
	}
	return fmt.Errorf("no prediction for %s", *version)
}

// off1 is off to a tenth of a percent.
func off1(pred, real float64) string {
	if real == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%+.1f%%", 100*(pred/real-1))
}
