package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// probeResult separates what a small range's wall time is made of: the
// range itself, the read's linearizability (a ReadIndex through raft), the
// memory the harness gave back to the OS before it (first touches), and
// the time the member sat idle before it.
type probeResult struct {
	Spec      []prefixSpec  `json:"spec"`
	Load      string        `json:"loadavg_before"`
	LoadAfter string        `json:"loadavg_after"`
	Ranges    []probeSeries `json:"ranges"`
}

// probeSeries is one request under one condition, timed -runs times.
type probeSeries struct {
	Prefix    string    `json:"prefix"` // "" for a Get of one missing key
	Keys      int64     `json:"keys"`
	Condition string    `json:"condition"`
	Seconds   []float64 `json:"seconds"`
	Median    float64   `json:"median_seconds"`
	Min       float64   `json:"min_seconds"`
}

// probeConditions, in the order run: each differs from the one before in
// one respect.
var probeConditions = []struct {
	name         string
	free, idle   bool
	serializable bool
}{
	{"harness: GC, heap given back, 100 ms idle (as measure)", true, true, false},
	{"GC, 100 ms idle, heap kept", false, true, false},
	{"back to back", false, false, false},
	{"back to back, serializable", false, false, true},
}

func runProbe(args []string) error {
	fs := flag.NewFlagSet("probe", flag.ContinueOnError)
	work := fs.String("work", "/dev/shm/etcdcost-probe", "work dir (removed first)")
	spec := fs.String("spec", "configmaps:1000:8192:10,events:100000:300:50", "resource:keys:value-bytes:namespaces,...")
	runs := fs.Int("runs", 9, "requests per series")
	if err := fs.Parse(args); err != nil {
		return err
	}
	specs, err := parseSpec(*spec)
	if err != nil {
		return err
	}
	m, err := startMeasured(*work)
	if err != nil {
		return err
	}
	defer m.stop()
	ctx := context.Background()
	for _, s := range specs {
		if err := write(ctx, m.cli, s); err != nil {
			return err
		}
	}
	res := probeResult{Spec: specs, Load: loadavg()}
	targets := []string{""}
	for _, s := range specs {
		targets = append(targets, "/registry/"+s.Resource+"/ns-00/", "/registry/"+s.Resource+"/")
	}
	for _, t := range targets {
		for _, c := range probeConditions {
			ps := probeSeries{Prefix: t, Condition: c.name}
			for i := 0; i < *runs; i++ {
				if c.idle {
					runtime.GC()
					if c.free {
						if _, err := httpGet("http://" + m.admin + "/free"); err != nil {
							return err
						}
					}
					time.Sleep(100 * time.Millisecond)
				}
				opts := []clientv3.OpOption{clientv3.WithCountOnly()}
				key := "/no-such-key"
				if t != "" {
					key = t
					opts = append(opts, clientv3.WithPrefix())
				}
				if c.serializable {
					opts = append(opts, clientv3.WithSerializable())
				}
				t0 := time.Now()
				resp, err := m.cli.Get(ctx, key, opts...)
				if err != nil {
					return err
				}
				ps.Seconds = append(ps.Seconds, time.Since(t0).Seconds())
				ps.Keys = resp.Count
			}
			s := append([]float64(nil), ps.Seconds...)
			sort.Float64s(s)
			ps.Median, ps.Min = s[len(s)/2], s[0]
			fmt.Fprintf(os.Stderr, "%-26q %7d keys  %-55s median %7.3f ms  min %7.3f ms\n", t, ps.Keys, c.name, ps.Median*1e3, ps.Min*1e3)
			res.Ranges = append(res.Ranges, ps)
		}
	}
	res.LoadAfter = loadavg()
	return printJSON(res)
}
