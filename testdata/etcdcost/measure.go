package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// prefixSpec is one resource the workload writes: keys
// /registry/<resource>/ns-NN/obj-NNNNNNN with values of valueBytes.
type prefixSpec struct {
	Resource   string `json:"resource"`
	Keys       int    `json:"keys"`
	ValueBytes int    `json:"value_bytes"`
	Namespaces int    `json:"namespaces"`
}

func parseSpec(s string) ([]prefixSpec, error) {
	var out []prefixSpec
	for _, p := range strings.Split(s, ",") {
		f := strings.Split(p, ":")
		if len(f) != 4 {
			return nil, fmt.Errorf("spec %q: want resource:keys:value-bytes:namespaces", p)
		}
		var ps prefixSpec
		ps.Resource = f[0]
		var err error
		if ps.Keys, err = strconv.Atoi(f[1]); err != nil {
			return nil, err
		}
		if ps.ValueBytes, err = strconv.Atoi(f[2]); err != nil {
			return nil, err
		}
		if ps.Namespaces, err = strconv.Atoi(f[3]); err != nil || ps.Namespaces < 1 {
			return nil, fmt.Errorf("spec %q: namespaces must be at least 1", p)
		}
		out = append(out, ps)
	}
	return out, nil
}

// rangeRun is one measured range.
type rangeRun struct {
	Seconds       float64 `json:"seconds"`
	Count         int64   `json:"count"`
	KVs           int     `json:"kvs"`
	ResponseBytes int     `json:"response_bytes"`
	// AllocBytes is what the server's Go runtime allocated during the
	// range (TotalAlloc after - before).
	AllocBytes uint64 `json:"alloc_bytes"`
	// PeakRSSDelta is the server's VmHWM during the range less its VmRSS
	// before (the heap was returned to the OS first).
	PeakRSSDelta int64  `json:"peak_rss_delta_bytes"`
	GCs          uint32 `json:"gcs"`
	// ServerCPU and ClientCPU are the CPU seconds (user + system) the
	// server process and this client process spent during the range:
	// on a loaded machine the wall time is longer than either.
	ServerCPU float64 `json:"server_cpu_seconds"`
	ClientCPU float64 `json:"client_cpu_seconds"`
}

type prefixResult struct {
	Prefix     string     `json:"prefix"`
	Full       []rangeRun `json:"full"`
	CountOnly  []rangeRun `json:"count_only"`
	Limited    []rangeRun `json:"limited"`
	Limit      int64      `json:"limit"`
	MedianFull rangeRun   `json:"median_full"`
	MedianCnt  rangeRun   `json:"median_count_only"`
	MedianLim  rangeRun   `json:"median_limited"`
	// Paged is the whole prefix read in pages of Limit keys, each page
	// from the key after the last one returned (as kube-apiserver's pager
	// continues), timed once; absent for prefixes over -paged-max keys.
	Paged *pagedRun `json:"paged,omitempty"`
}

// pagedRun is one paginated read of a prefix.
type pagedRun struct {
	Seconds float64 `json:"seconds"`
	Pages   int     `json:"pages"`
	KVs     int     `json:"kvs"`
}

type measureResult struct {
	Spec        []prefixSpec   `json:"spec"`
	Revision    int64          `json:"revision"`
	WriteSecs   float64        `json:"write_seconds"`
	Load        string         `json:"loadavg_before"`
	LoadAfter   string         `json:"loadavg_after"`
	Prefixes    []prefixResult `json:"prefixes"`
	MetricNames []string       `json:"metric_names"`
	Db          string         `json:"db"`
}

func runMeasure(args []string) error {
	fs := flag.NewFlagSet("measure", flag.ContinueOnError)
	work := fs.String("work", "/dev/shm/etcdcost", "work dir (data dir goes here; removed first)")
	spec := fs.String("spec", "pods:20000:2048:10,configmaps:5000:8192:10", "resource:keys:value-bytes:namespaces,...")
	runs := fs.Int("runs", 3, "runs of each range")
	limit := fs.Int64("limit", 500, "limit of the limited ranges")
	pagedMax := fs.Int("paged-max", 0, "also read each prefix of at most this many keys whole in pages of -limit (0: none)")
	dbOut := fs.String("db-out", "", "copy the member's db here after a clean stop")
	metricsOut := fs.String("metrics-out", "", "write the metric names /metrics serves here, one a line")
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
	cli, admin, pid, client, dataDir := m.cli, m.admin, m.pid, m.client, m.dataDir
	ctx := context.Background()
	res := measureResult{Spec: specs, Load: loadavg()}
	start := time.Now()
	for _, s := range specs {
		if err := write(ctx, cli, s); err != nil {
			return err
		}
	}
	res.WriteSecs = time.Since(start).Seconds()
	st, err := cli.Get(ctx, "/", clientv3.WithCountOnly())
	if err != nil {
		return err
	}
	res.Revision = st.Header.Revision
	var prefixes []string
	for _, s := range specs {
		prefixes = append(prefixes, "/registry/"+s.Resource+"/", "/registry/"+s.Resource+"/ns-00/")
	}
	for _, p := range prefixes {
		pr := prefixResult{Prefix: p, Limit: *limit}
		for i := 0; i < *runs; i++ {
			r, err := measureRange(ctx, cli, admin, pid, p)
			if err != nil {
				return err
			}
			pr.Full = append(pr.Full, r)
			if r, err = measureRange(ctx, cli, admin, pid, p, clientv3.WithCountOnly()); err != nil {
				return err
			}
			pr.CountOnly = append(pr.CountOnly, r)
			if r, err = measureRange(ctx, cli, admin, pid, p, clientv3.WithLimit(*limit)); err != nil {
				return err
			}
			pr.Limited = append(pr.Limited, r)
		}
		pr.MedianFull, pr.MedianCnt, pr.MedianLim = median(pr.Full), median(pr.CountOnly), median(pr.Limited)
		if n := pr.MedianFull.KVs; n > 0 && n <= *pagedMax {
			pg, err := readPaged(ctx, cli, p, *limit)
			if err != nil {
				return err
			}
			if pg.KVs != n {
				return fmt.Errorf("%s: the paged read returned %d keys of %d", p, pg.KVs, n)
			}
			pr.Paged = &pg
			fmt.Fprintf(os.Stderr, "%s: paged in %d pages of %d: %.3f s\n", p, pg.Pages, *limit, pg.Seconds)
		}
		fmt.Fprintf(os.Stderr, "%s: %d keys, %d bytes: %.3f s, alloc %d, peak rss +%d; count %.3f s; limit %.3f s\n",
			p, pr.MedianFull.KVs, pr.MedianFull.ResponseBytes, pr.MedianFull.Seconds, pr.MedianFull.AllocBytes, pr.MedianFull.PeakRSSDelta, pr.MedianCnt.Seconds, pr.MedianLim.Seconds)
		res.Prefixes = append(res.Prefixes, pr)
	}
	names, err := metricNames(client)
	if err != nil {
		return err
	}
	res.MetricNames = names
	if *metricsOut != "" {
		if err := os.WriteFile(*metricsOut, []byte(strings.Join(names, "\n")+"\n"), 0o644); err != nil {
			return err
		}
	}
	res.LoadAfter = loadavg()
	m.stop()
	if *dbOut != "" {
		if err := copyFile(filepath.Join(dataDir, "member", "snap", "db"), *dbOut); err != nil {
			return err
		}
		res.Db = *dbOut
	}
	return printJSON(res)
}

// write puts s.Keys keys, 100 to a Txn, from 4 writers.
func write(ctx context.Context, cli *clientv3.Client, s prefixSpec) error {
	const batch, writers = 100, 4
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(w + 1)))
			val := make([]byte, s.ValueBytes)
			for lo := w * batch; lo < s.Keys; lo += writers * batch {
				var ops []clientv3.Op
				for i := lo; i < min(lo+batch, s.Keys); i++ {
					rng.Read(val)
					ops = append(ops, clientv3.OpPut(fmt.Sprintf("/registry/%s/ns-%02d/obj-%07d", s.Resource, i%s.Namespaces, i), string(val)))
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

func measureRange(ctx context.Context, cli *clientv3.Client, admin string, pid int, prefix string, opts ...clientv3.OpOption) (rangeRun, error) {
	runtime.GC()
	if _, err := httpGet("http://" + admin + "/free"); err != nil {
		return rangeRun{}, err
	}
	time.Sleep(100 * time.Millisecond)
	before, err := serverMem(admin)
	if err != nil {
		return rangeRun{}, err
	}
	rss, _, err := procMem(pid)
	if err != nil {
		return rangeRun{}, err
	}
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err != nil {
		return rangeRun{}, fmt.Errorf("reset peak RSS: %w", err)
	}
	scpu0, err := procCPU(pid)
	if err != nil {
		return rangeRun{}, err
	}
	ccpu0 := selfCPU()
	t0 := time.Now()
	resp, err := cli.Get(ctx, prefix, append([]clientv3.OpOption{clientv3.WithPrefix()}, opts...)...)
	if err != nil {
		return rangeRun{}, err
	}
	dt := time.Since(t0)
	ccpu := selfCPU() - ccpu0
	scpu1, err := procCPU(pid)
	if err != nil {
		return rangeRun{}, err
	}
	after, err := serverMem(admin)
	if err != nil {
		return rangeRun{}, err
	}
	_, hwm, err := procMem(pid)
	if err != nil {
		return rangeRun{}, err
	}
	return rangeRun{Seconds: dt.Seconds(), Count: resp.Count, KVs: len(resp.Kvs), ResponseBytes: (*pb.RangeResponse)(resp).Size(),
		AllocBytes: after.TotalAlloc - before.TotalAlloc, PeakRSSDelta: hwm - rss, GCs: after.NumGC - before.NumGC,
		ServerCPU: scpu1 - scpu0, ClientCPU: ccpu}, nil
}

// readPaged reads prefix whole in pages of limit keys, each page a range
// from the key after the last one returned to the prefix's end.
func readPaged(ctx context.Context, cli *clientv3.Client, prefix string, limit int64) (pagedRun, error) {
	runtime.GC()
	end := clientv3.GetPrefixRangeEnd(prefix)
	key := prefix
	var pg pagedRun
	t0 := time.Now()
	for {
		resp, err := cli.Get(ctx, key, clientv3.WithRange(end), clientv3.WithLimit(limit))
		if err != nil {
			return pagedRun{}, err
		}
		pg.Pages++
		pg.KVs += len(resp.Kvs)
		if !resp.More || len(resp.Kvs) == 0 {
			break
		}
		key = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
	}
	pg.Seconds = time.Since(t0).Seconds()
	return pg, nil
}

func median(rs []rangeRun) rangeRun {
	s := append([]rangeRun(nil), rs...)
	sort.Slice(s, func(i, j int) bool { return s[i].Seconds < s[j].Seconds })
	m := s[len(s)/2]
	// Memory medians separately: each its own middle value.
	a := make([]uint64, len(s))
	p := make([]int64, len(s))
	for i, r := range s {
		a[i], p[i] = r.AllocBytes, r.PeakRSSDelta
	}
	sort.Slice(a, func(i, j int) bool { return a[i] < a[j] })
	sort.Slice(p, func(i, j int) bool { return p[i] < p[j] })
	m.AllocBytes, m.PeakRSSDelta = a[len(a)/2], p[len(p)/2]
	sc := make([]float64, len(s))
	cc := make([]float64, len(s))
	for i, r := range s {
		sc[i], cc[i] = r.ServerCPU, r.ClientCPU
	}
	sort.Float64s(sc)
	sort.Float64s(cc)
	m.ServerCPU, m.ClientCPU = sc[len(sc)/2], cc[len(cc)/2]
	return m
}

func serverMem(admin string) (memStats, error) {
	b, err := httpGet("http://" + admin + "/mem")
	if err != nil {
		return memStats{}, err
	}
	var m memStats
	return m, json.Unmarshal(b, &m)
}

func httpGet(u string) ([]byte, error) {
	resp, err := http.Get(u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

// procMem reads VmRSS and VmHWM of pid, in bytes.
func procMem(pid int) (rss, hwm int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(l, ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return 0, 0, err
		}
		if k == "VmRSS" {
			rss = kb << 10
		} else {
			hwm = kb << 10
		}
	}
	return rss, hwm, nil
}

// metricNames lists the metric names the member's /metrics serves.
func metricNames(client string) ([]string, error) {
	b, err := httpGet(client + "/metrics")
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, l := range strings.Split(string(b), "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		n := l
		if i := strings.IndexAny(n, "{ "); i >= 0 {
			n = n[:i]
		}
		seen[n] = true
	}
	var out []string
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out, nil
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	return strings.TrimSpace(string(b))
}

func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// procCPU is pid's user + system CPU seconds (/proc/PID/stat, clock ticks
// of 1/100 s).
func procCPU(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// Fields after the command name, which is in parentheses.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: %v %v", pid, err1, err2)
	}
	return float64(ut+st) / 100, nil
}

// selfCPU is this process's user + system CPU seconds.
func selfCPU() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// measuredMember is a one-member etcd in a child process (serverChild),
// with its admin endpoint (/mem, /free) and a client.
type measuredMember struct {
	cmd                    *exec.Cmd
	cli                    *clientv3.Client
	pid                    int
	client, admin, dataDir string
}

// startMeasured starts a member on free ports in a fresh work/data.
func startMeasured(work string) (*measuredMember, error) {
	if err := os.RemoveAll(work); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(work, 0o755); err != nil {
		return nil, err
	}
	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	m := &measuredMember{
		client:  fmt.Sprintf("http://127.0.0.1:%d", ports[0]),
		admin:   fmt.Sprintf("127.0.0.1:%d", ports[2]),
		dataDir: filepath.Join(work, "data"),
	}
	peer := fmt.Sprintf("http://127.0.0.1:%d", ports[1])
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	m.cmd = exec.Command(self, serverChild, "-dir", m.dataDir, "-client", m.client, "-peer", peer, "-admin", m.admin)
	m.cmd.Stderr = os.Stderr
	out, err := m.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := m.cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "ready" {
		m.cmd.Process.Kill()
		return nil, fmt.Errorf("server child: %q %v", line, err)
	}
	m.pid = m.cmd.Process.Pid
	if m.cli, err = clientv3.New(clientv3.Config{Endpoints: []string{m.client}, DialTimeout: 10 * time.Second}); err != nil {
		m.cmd.Process.Kill()
		return nil, err
	}
	return m, nil
}

// stop closes the client and stops the member cleanly (its db is then
// complete on disk); safe to call twice.
func (m *measuredMember) stop() {
	if m.cli != nil {
		m.cli.Close()
		m.cli = nil
	}
	if m.cmd != nil {
		m.cmd.Process.Signal(syscall.SIGTERM)
		m.cmd.Wait()
		m.cmd = nil
	}
}
