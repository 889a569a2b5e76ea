package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// snapshotResult is 'etcdctl snapshot save' of a member's db while it is
// written: how long the save took and how much the db grew meanwhile.
type snapshotResult struct {
	Spec      []prefixSpec `json:"spec"`
	WriteRate float64      `json:"write_rate"` // puts a second during the runs
	ValueSize int          `json:"value_bytes"`
	Load      string       `json:"loadavg_before"`
	LoadAfter string       `json:"loadavg_after"`
	Db        string       `json:"db"`
	Runs      []saveRun    `json:"runs"`
}

// saveRun is one save and, right after it, a window as long without one.
type saveRun struct {
	// DbSizeBefore/After are the member's etcd_mvcc_db_total_size_in_bytes
	// (bbolt's high-water mark, pages x page size) around the save.
	DbSizeBefore int64   `json:"db_size_before"`
	DbSizeAfter  int64   `json:"db_size_after"`
	SaveSeconds  float64 `json:"save_seconds"`
	SavedBytes   int64   `json:"saved_bytes"`
	PutsDuring   int64   `json:"puts_during_save"`
	// The same length of time without a save, just after it: the growth
	// the writes make when freed pages can be reused.
	BaselineSeconds    float64 `json:"baseline_seconds"`
	BaselineGrowth     int64   `json:"baseline_growth_bytes"`
	PutsDuringBaseline int64   `json:"puts_during_baseline"`
}

// runSnapshot writes -spec through a member, then keeps rewriting its
// first resource's keys with values of that resource's size at -rate puts
// a second, and -runs times saves the db as etcdctl snapshot save does
// (clientv3's Snapshot stream copied to a file, fsync), reading the db's
// size metric before and after; then waits as long without a save.
func runSnapshot(args []string) error {
	fs := flag.NewFlagSet("snapshot", flag.ContinueOnError)
	work := fs.String("work", "/dev/shm/etcdcost-snapshot", "work dir (removed first)")
	spec := fs.String("spec", "pods:200000:2048:20", "resource:keys:value-bytes:namespaces,...")
	rate := fs.Float64("rate", 100, "puts a second during the saves")
	runs := fs.Int("runs", 2, "saves")
	dbOut := fs.String("db-out", "", "copy the member's db here before the writes start (for dbinspect)")
	profile := fs.String("profile", "", "before the runs, profile one more save into this dir: the member's CPU (server.pprof) and this client's (client.pprof)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	specs, err := parseSpec(*spec)
	if err != nil {
		return err
	}
	os.RemoveAll(*work)
	if err := os.MkdirAll(*work, 0o755); err != nil {
		return err
	}
	ports, err := freePorts(3)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	client := fmt.Sprintf("http://127.0.0.1:%d", ports[0])
	peer := fmt.Sprintf("http://127.0.0.1:%d", ports[1])
	admin := fmt.Sprintf("127.0.0.1:%d", ports[2])
	m, err := startMember(self, filepath.Join(*work, "a"), "a", client, peer, admin, "a="+peer, "new")
	if err != nil {
		return err
	}
	defer m.Process.Kill()
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{client}, DialTimeout: 10 * time.Second})
	if err != nil {
		return err
	}
	defer cli.Close()
	ctx := context.Background()
	res := snapshotResult{Spec: specs, WriteRate: *rate, ValueSize: specs[0].ValueBytes, Load: loadavg()}
	for _, s := range specs {
		if err := write(ctx, cli, s); err != nil {
			return err
		}
	}
	save := func(path string) (int64, error) {
		rc, err := cli.Snapshot(ctx)
		if err != nil {
			return 0, err
		}
		defer rc.Close()
		f, err := os.Create(path)
		if err != nil {
			return 0, err
		}
		n, err := io.Copy(f, rc)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return n, err
	}
	if *dbOut != "" {
		if _, err := save(*dbOut); err != nil {
			return err
		}
		res.Db = *dbOut
	}
	dbSize := func() (int64, error) {
		b, err := httpGet(client + "/metrics")
		if err != nil {
			return 0, err
		}
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "etcd_mvcc_db_total_size_in_bytes ") {
				v, err := strconv.ParseFloat(strings.Fields(l)[1], 64)
				return int64(v), err
			}
		}
		return 0, fmt.Errorf("no etcd_mvcc_db_total_size_in_bytes in /metrics")
	}
	// The writer: one put of a fresh value to one of the first resource's
	// keys every 1/rate seconds.
	s0 := specs[0]
	var written atomic.Int64
	stop := make(chan struct{})
	go func() {
		rng := rand.New(rand.NewSource(7))
		val := make([]byte, s0.ValueBytes)
		tick := time.NewTicker(time.Duration(float64(time.Second) / *rate))
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				i := rng.Intn(s0.Keys)
				rng.Read(val)
				if _, err := cli.Put(ctx, fmt.Sprintf("/registry/%s/ns-%02d/obj-%07d", s0.Resource, i%s0.Namespaces, i), string(val)); err == nil {
					written.Add(1)
				}
			}
		}
	}()
	defer close(stop)
	time.Sleep(3 * time.Second)
	if *profile != "" {
		if err := profileSave(*profile, admin, func() error {
			_, err := save(filepath.Join(*work, "snapshot.db"))
			return err
		}); err != nil {
			return err
		}
		os.Remove(filepath.Join(*work, "snapshot.db"))
	}
	for i := 0; i < *runs; i++ {
		var r saveRun
		if r.DbSizeBefore, err = dbSize(); err != nil {
			return err
		}
		w0 := written.Load()
		t0 := time.Now()
		if r.SavedBytes, err = save(filepath.Join(*work, "snapshot.db")); err != nil {
			return err
		}
		r.SaveSeconds = time.Since(t0).Seconds()
		r.PutsDuring = written.Load() - w0
		// The last commit of the save's window lands within the batch
		// interval (100 ms).
		time.Sleep(150 * time.Millisecond)
		if r.DbSizeAfter, err = dbSize(); err != nil {
			return err
		}
		os.Remove(filepath.Join(*work, "snapshot.db"))
		b0, err := dbSize()
		if err != nil {
			return err
		}
		w0 = written.Load()
		t0 = time.Now()
		time.Sleep(time.Duration(r.SaveSeconds * float64(time.Second)))
		r.BaselineSeconds = time.Since(t0).Seconds()
		r.PutsDuringBaseline = written.Load() - w0
		time.Sleep(150 * time.Millisecond)
		b1, err := dbSize()
		if err != nil {
			return err
		}
		r.BaselineGrowth = b1 - b0
		fmt.Fprintf(os.Stderr, "save %d: %.2f s, %d bytes, db %d -> %d (+%d) with %d puts; without a save for %.2f s: +%d with %d puts\n",
			i, r.SaveSeconds, r.SavedBytes, r.DbSizeBefore, r.DbSizeAfter, r.DbSizeAfter-r.DbSizeBefore, r.PutsDuring, r.BaselineSeconds, r.BaselineGrowth, r.PutsDuringBaseline)
		res.Runs = append(res.Runs, r)
	}
	res.LoadAfter = loadavg()
	return printJSON(res)
}

// profileSave runs save once while the member (through its admin
// listener) and this process record CPU profiles into dir.
func profileSave(dir, admin string, save func() error) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	cf, err := os.Create(filepath.Join(dir, "client.pprof"))
	if err != nil {
		return err
	}
	defer cf.Close()
	// The member's profile covers a fixed window: long enough for a save
	// of a few GB at the loopback rates seen here.
	served := make(chan error, 1)
	go func() {
		b, err := httpGet("http://" + admin + "/debug/pprof/profile?seconds=8")
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, "server.pprof"), b, 0o644)
		}
		served <- err
	}()
	time.Sleep(200 * time.Millisecond)
	if err := pprof.StartCPUProfile(cf); err != nil {
		return err
	}
	t0 := time.Now()
	err = save()
	pprof.StopCPUProfile()
	fmt.Fprintf(os.Stderr, "profiled save: %.2f s\n", time.Since(t0).Seconds())
	if err != nil {
		return err
	}
	return <-served
}
