package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// followerResult is one follower added to a running one-member cluster
// whose raft log was compacted, so the leader must send it the db.
type followerResult struct {
	Spec      []prefixSpec `json:"spec"`
	WriteRate float64      `json:"write_rate"` // puts a second during the join
	Load      string       `json:"loadavg_before"`
	LoadAfter string       `json:"loadavg_after"`
	// DbBytes is the leader's db size when the follower was added.
	DbBytes int64 `json:"db_bytes"`
	// CaughtUpSeconds is from the follower's start to its applied index
	// reaching the leader's at that moment; 0 when it did not within the
	// timeout.
	CaughtUpSeconds float64 `json:"caught_up_seconds"`
	// SnapshotSendSeconds is the leader's
	// etcd_network_snapshot_send_total_duration_seconds_sum after the join.
	SnapshotSendSeconds float64 `json:"snapshot_send_seconds"`
	SnapshotsSent       float64 `json:"snapshots_sent"`
	// SnapshotReceiveSeconds is the follower's
	// etcd_network_snapshot_receive_total_duration_seconds_sum.
	SnapshotReceiveSeconds float64 `json:"snapshot_receive_seconds"`
	// Entries the leader wrote between the follower's start and its
	// catch-up.
	EntriesWritten int64  `json:"entries_written"`
	Db             string `json:"db"`
}

func startMember(self, dir, name, client, peer, admin, initial, state string, extra ...string) (*exec.Cmd, error) {
	return startMemberLog(self, "", dir, name, client, peer, admin, initial, state, extra...)
}

// startMemberLog is startMember with the member's stderr (its etcd log) in
// logPath ("": this process's stderr).
func startMemberLog(self, logPath, dir, name, client, peer, admin, initial, state string, extra ...string) (*exec.Cmd, error) {
	args := []string{serverChild, "-dir", dir, "-client", client, "-peer", peer, "-admin", admin, "-name", name, "-initial-cluster", initial, "-state", state}
	cmd := exec.Command(self, append(args, extra...)...)
	cmd.Stderr = os.Stderr
	if logPath != "" {
		f, err := os.Create(logPath)
		if err != nil {
			return nil, err
		}
		cmd.Stderr = f
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "ready" {
		cmd.Process.Kill()
		return nil, fmt.Errorf("member %s: %q %v", name, line, err)
	}
	return cmd, nil
}

// runFollower writes a db through one member, keeps writing at -rate puts
// a second, adds a second member with an empty data dir and measures how
// long it takes to catch up.
func runFollower(args []string) error {
	fs := flag.NewFlagSet("follower", flag.ContinueOnError)
	work := fs.String("work", "/dev/shm/etcdcost-follower", "work dir (removed first)")
	spec := fs.String("spec", "pods:100000:2048:20", "resource:keys:value-bytes:namespaces,...")
	rate := fs.Float64("rate", 100, "puts a second during the join")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this long")
	dbOut := fs.String("db-out", "", "copy the leader's db here first (for dbinspect)")
	learnerLog := fs.String("learner-log", "", "write the learner's etcd log, at info level, here (its snapshot phases are timestamped)")
	snapCount := fs.String("snapshot-count", "1000", "the leader's --snapshot-count: small, so that its raft log is compacted past the follower's start and it must send the db")
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
	ports, err := freePorts(6)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	url := func(p int) string { return fmt.Sprintf("http://127.0.0.1:%d", p) }
	aClient, aPeer, bClient, bPeer := url(ports[0]), url(ports[1]), url(ports[3]), url(ports[4])
	a, err := startMember(self, filepath.Join(*work, "a"), "a", aClient, aPeer, fmt.Sprintf("127.0.0.1:%d", ports[2]), "a="+aPeer, "new", "-snapshot-count", *snapCount)
	if err != nil {
		return err
	}
	defer a.Process.Kill()
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{aClient}, DialTimeout: 10 * time.Second})
	if err != nil {
		return err
	}
	defer cli.Close()
	ctx := context.Background()
	res := followerResult{Spec: specs, WriteRate: *rate, Load: loadavg()}
	for _, s := range specs {
		if err := write(ctx, cli, s); err != nil {
			return err
		}
	}
	st, err := cli.Status(ctx, aClient)
	if err != nil {
		return err
	}
	res.DbBytes = st.DbSize
	if *dbOut != "" {
		// A consistent copy of the leader's db as it is now.
		rc, err := cli.Snapshot(ctx)
		if err != nil {
			return err
		}
		f, err := os.Create(*dbOut)
		if err != nil {
			return err
		}
		if _, err := f.ReadFrom(rc); err != nil {
			return err
		}
		f.Close()
		rc.Close()
		res.Db = *dbOut
	}
	// The writer: one put a 1/rate seconds.
	var written atomic.Int64
	stop := make(chan struct{})
	go func() {
		tick := time.NewTicker(time.Duration(float64(time.Second) / *rate))
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := cli.Put(ctx, "/registry/leases/w/"+strconv.Itoa(i%1000), "x"); err == nil {
					written.Add(1)
				}
			}
		}
	}()
	time.Sleep(2 * time.Second)
	// A learner: the leader sends it the snapshot as it would a voter,
	// and the one-member cluster keeps its quorum (and its writes).
	if _, err := cli.MemberAddAsLearner(ctx, []string{bPeer}); err != nil {
		return err
	}
	start := time.Now()
	w0 := written.Load()
	var extra []string
	if *learnerLog != "" {
		extra = []string{"-log-level", "info"}
	}
	fmt.Fprintf(os.Stderr, "learner start %s\n", time.Now().UTC().Format(time.RFC3339Nano))
	b, err := startMemberLog(self, *learnerLog, filepath.Join(*work, "b"), "b", bClient, bPeer, fmt.Sprintf("127.0.0.1:%d", ports[5]), "a="+aPeer+",b="+bPeer, "existing", extra...)
	if err != nil {
		return err
	}
	defer b.Process.Kill()
	bcli, err := clientv3.New(clientv3.Config{Endpoints: []string{bClient}, DialTimeout: 10 * time.Second})
	if err != nil {
		return err
	}
	defer bcli.Close()
	for time.Since(start) < *timeout {
		sa, err1 := cli.Status(ctx, aClient)
		sb, err2 := cli.Status(ctx, bClient)
		if err1 == nil && err2 == nil && sb.RaftAppliedIndex >= sa.RaftAppliedIndex-1 && sb.RaftAppliedIndex > 0 {
			res.CaughtUpSeconds = time.Since(start).Seconds()
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	res.EntriesWritten = written.Load() - w0
	close(stop)
	b2, err := httpGet(aClient + "/metrics")
	if err != nil {
		return err
	}
	for _, l := range strings.Split(string(b2), "\n") {
		if strings.HasPrefix(l, "etcd_network_snapshot_send_total_duration_seconds_sum") {
			res.SnapshotSendSeconds, _ = strconv.ParseFloat(strings.Fields(l)[1], 64)
		}
		if strings.HasPrefix(l, "etcd_network_snapshot_send_total_duration_seconds_count") {
			res.SnapshotsSent, _ = strconv.ParseFloat(strings.Fields(l)[1], 64)
		}
	}
	if b3, err := httpGet(bClient + "/metrics"); err == nil {
		for _, l := range strings.Split(string(b3), "\n") {
			if strings.HasPrefix(l, "etcd_network_snapshot_receive_total_duration_seconds_sum") {
				res.SnapshotReceiveSeconds, _ = strconv.ParseFloat(strings.Fields(l)[1], 64)
			}
		}
	}
	res.LoadAfter = loadavg()
	return printJSON(res)
}
