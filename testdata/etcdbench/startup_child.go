package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// startupChild is the hidden subcommand a startup run re-executes.
const startupChild = "startup-child"

type childResult struct {
	Seconds  float64 `json:"seconds"`
	RSSBytes int64   `json:"rss_bytes"`
	HWMBytes int64   `json:"peak_rss_bytes"`
	// RSS splits into anonymous memory (heap, index) and file pages: etcd's
	// mmap of the db is populated at open, so the whole file counts in RSS.
	AnonBytes int64 `json:"rss_anon_bytes"`
	FileBytes int64 `json:"rss_file_bytes"`
	// ServerSeconds is StartEtcd to the server's election tick log line
	// ("fast-forwarding election ticks" on a single member): backend open, WAL read, lessor and
	// mvcc restore are done, leader election has not begun. It is the part
	// that grows with the db, without the election's random delay.
	ServerSeconds float64 `json:"server_created_seconds"`
}

// runStartupChild starts real etcd on a restored data dir, reports the time
// from StartEtcd to ready and its own RSS, and exits without a clean stop
// (the parent throws the dir away).
func runStartupChild(args []string) error {
	fs := flag.NewFlagSet(startupChild, flag.ContinueOnError)
	dir := fs.String("dir", "", "restored data dir")
	peer := fs.String("peer", "", "peer URL the dir was restored with")
	client := fs.String("client", "", "client URL to listen on")
	timeout := fs.Duration("timeout", 15*time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	purl, err := url.Parse(*peer)
	if err != nil {
		return err
	}
	curl, err := url.Parse(*client)
	if err != nil {
		return err
	}
	cfg := embed.NewConfig()
	cfg.Name = memberName
	cfg.Dir = *dir
	cfg.ListenPeerUrls = []url.URL{*purl}
	cfg.AdvertisePeerUrls = []url.URL{*purl}
	cfg.ListenClientUrls = []url.URL{*curl}
	cfg.AdvertiseClientUrls = []url.URL{*curl}
	cfg.InitialCluster = memberName + "=" + *peer
	cfg.InitialClusterToken = clusterToken

	start := time.Now()
	var serverCreated atomic.Int64
	cfg.LogLevel = "info"
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.New(
		zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(io.Discard), zapcore.InfoLevel),
		zap.Hooks(func(e zapcore.Entry) error {
			if strings.Contains(e.Message, "election tick") {
				serverCreated.CompareAndSwap(0, int64(e.Time.Sub(start)))
			}
			return nil
		})))
	stopProfile, err := startCPUProfile(os.Getenv(cpuProfileEnv))
	if err != nil {
		return err
	}
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return fmt.Errorf("start etcd: %w", err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		return fmt.Errorf("etcd failed: %w", err)
	case <-e.Server.StopNotify():
		return fmt.Errorf("etcd stopped before it was ready")
	case <-time.After(*timeout):
		return fmt.Errorf("etcd not ready after %v", *timeout)
	}
	elapsed := time.Since(start)
	if err := stopProfile(); err != nil {
		return err
	}
	mem, err := selfMemory()
	if err != nil {
		return err
	}
	res := childResult{Seconds: elapsed.Seconds(), RSSBytes: mem["VmRSS"], HWMBytes: mem["VmHWM"],
		AnonBytes: mem["RssAnon"], FileBytes: mem["RssFile"], ServerSeconds: time.Duration(serverCreated.Load()).Seconds()}
	if err := printJSON(res); err != nil {
		return err
	}
	os.Exit(0)
	return nil
}

// selfMemory reads the kB figures of /proc/self/status that it knows
// (VmRSS, VmHWM, RssAnon, RssFile), in bytes.
func selfMemory() (map[string]int64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	mem := map[string]int64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "VmRSS" && k != "VmHWM" && k != "RssAnon" && k != "RssFile") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("/proc/self/status %s: %w", k, err)
		}
		mem[k] = kb << 10
	}
	return mem, sc.Err()
}

// cpuProfileEnv names a file to write a CPU profile of StartEtcd..ready to
// (opt-in; with -runs N every run overwrites it, so the last run's is kept).
const cpuProfileEnv = "ETCDBENCH_CPUPROFILE"

// startCPUProfile starts a CPU profile into file, or does nothing when file
// is empty; the returned func stops it and closes the file.
func startCPUProfile(file string) (func() error, error) {
	if file == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(file)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cpuProfileEnv, err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", cpuProfileEnv, err)
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}
