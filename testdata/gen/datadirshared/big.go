package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.etcd.io/etcd/api/v3/version"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// writeBig writes a big data dir with real etcd for restart timing:
// txns Txns of ops puts of valueSize bytes each (keys reused across
// txns so the key count stays small and the WAL, not the index, is what
// grows), then stops etcd cleanly. With the default --snapshot-count and
// fewer entries than it, the whole WAL is loaded at restart.
//
// With dbAt > 0, etcd is stopped after dbAt txns, its db copied to
// dir+".db-at.db" (its consistent index is the last entry applied then),
// and started again for the rest: a data dir whose db is replaced by that
// copy has a WAL ahead of its db, and etcd applies the entries above the
// copy's consistent index again at restart (the replay a crash before the
// backend's commit leaves, at a known size).
func writeBig(dir string, txns, ops, valueSize, dbAt int) error {
	maxTxnOps = uint(ops)
	e, ep, err := startEtcd(dir, 0, "fatal")
	if err != nil {
		return err
	}
	defer func() { e.Close() }()
	cli, err := client(ep)
	if err != nil {
		return err
	}
	defer func() { cli.Close() }()
	vals := make([]string, 64)
	for i := range vals {
		vals[i] = string(text(i, valueSize))
	}
	start := time.Now()
	for i := 0; i < txns; i++ {
		if i == dbAt && dbAt > 0 {
			cli.Close()
			e.Close()
			if err := copyFile(filepath.Join(dir, "member", "snap", "db"), dir+".db-at.db"); err != nil {
				return err
			}
			if e, ep, err = startEtcd(dir, 0, "fatal"); err != nil {
				return err
			}
			if cli, err = client(ep); err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "db after %d txns copied to %s\n", i, dir+".db-at.db")
		}
		tops := make([]clientv3.Op, ops)
		for j := range tops {
			tops[j] = clientv3.OpPut(fmt.Sprintf("/big/%03d/%05d", i%50, j), vals[(i+j)%len(vals)])
		}
		ctx, cancel := withTimeout(time.Minute)
		_, err := cli.Txn(ctx).Then(tops...).Commit()
		cancel()
		if err != nil {
			return fmt.Errorf("txn %d: %w", i, err)
		}
	}
	fmt.Fprintf(os.Stderr, "wrote %d txns of %d puts of %d B in %s\n", txns, ops, valueSize, time.Since(start).Round(time.Millisecond))
	return nil
}

// RestartTiming is real etcd started on copies of a data dir, in children.
type RestartTiming struct {
	EtcdVersion string    `json:"etcd_version"`
	Seconds     []float64 `json:"seconds"`   // StartEtcd to ReadyNotify, per run
	RSSBytes    []int64   `json:"rss_bytes"` // peak RSS of the child, per run
	MedianSec   float64   `json:"median_seconds"`
	MedianRSS   int64     `json:"median_rss_bytes"`
}

// timeRestarts starts real etcd runs times, each on a fresh copy of dir
// (a start writes to its data dir), and reports time to ready and RSS.
func timeRestarts(dir, work string, runs int) (RestartTiming, error) {
	rt := RestartTiming{EtcdVersion: versionString()}
	for r := 0; r < runs; r++ {
		cp := filepath.Join(work, "restart-timing")
		os.RemoveAll(cp)
		if err := copyDir(dir, cp); err != nil {
			return rt, err
		}
		cmd := exec.Command(os.Args[0], "-child-restart", cp)
		// With DATADIR_LOGDIR set, etcd's info log of each start is kept
		// there (<dir name>-<run>.log): its timestamps say when raft
		// started, whether the election ticks were fast-forwarded, and
		// when the member became leader.
		if ld := os.Getenv("DATADIR_LOGDIR"); ld != "" {
			lf, err := os.Create(filepath.Join(ld, fmt.Sprintf("%s-%d.log", filepath.Base(dir), r)))
			if err != nil {
				return rt, err
			}
			defer lf.Close()
			cmd.Stderr = lf
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			return rt, err
		}
		if err := cmd.Start(); err != nil {
			return rt, err
		}
		line, _ := bufio.NewReader(out).ReadString('\n')
		cmd.Wait()
		f := strings.Fields(line)
		if len(f) != 2 || f[0] != "ready" {
			return rt, fmt.Errorf("restart %d: %q", r, line)
		}
		s, _ := strconv.ParseFloat(f[1], 64)
		rt.Seconds = append(rt.Seconds, s)
		rt.RSSBytes = append(rt.RSSBytes, maxRSS(cmd))
		os.RemoveAll(cp)
	}
	ss := append([]float64{}, rt.Seconds...)
	sort.Float64s(ss)
	rs := append([]int64{}, rt.RSSBytes...)
	sort.Slice(rs, func(i, j int) bool { return rs[i] < rs[j] })
	rt.MedianSec, rt.MedianRSS = ss[len(ss)/2], rs[len(rs)/2]
	return rt, nil
}

func printJSON(v any) {
	b, _ := json.MarshalIndent(v, "", "  ")
	fmt.Println(string(b))
}

func versionString() string { return version.Version }
