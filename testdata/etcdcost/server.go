package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
)

// serverChild is the hidden subcommand measure starts: one etcd member.
const serverChild = "server-child"

// memStats is what the child's side endpoint answers: the Go runtime's own
// figures, the same ones etcd's /metrics serves as go_memstats_*.
type memStats struct {
	TotalAlloc uint64 `json:"total_alloc"`
	HeapInuse  uint64 `json:"heap_inuse"`
	HeapAlloc  uint64 `json:"heap_alloc"`
	NumGC      uint32 `json:"num_gc"`
}

// runServerChild runs etcd on -dir until SIGTERM. A side listener on
// -admin answers /mem (runtime.ReadMemStats) and /free (debug.FreeOSMemory,
// so that each measured range starts from a heap returned to the OS); it
// serves nothing of etcd's and runs only when the parent asks, between
// ranges.
func runServerChild(args []string) error {
	fs := flag.NewFlagSet(serverChild, flag.ContinueOnError)
	dir := fs.String("dir", "", "data dir")
	client := fs.String("client", "", "client URL")
	peer := fs.String("peer", "", "peer URL")
	admin := fs.String("admin", "", "side listener address for /mem and /free")
	name := fs.String("name", "cost", "member name")
	initial := fs.String("initial-cluster", "", "initial cluster (default: this member alone)")
	state := fs.String("state", "new", "initial cluster state: new or existing")
	snapshotCount := fs.Uint64("snapshot-count", 0, "--snapshot-count (0: etcd's default)")
	logLevel := fs.String("log-level", "error", "etcd's --log-level (its log goes to stderr)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	curl, err := url.Parse(*client)
	if err != nil {
		return err
	}
	purl, err := url.Parse(*peer)
	if err != nil {
		return err
	}
	cfg := embed.NewConfig()
	cfg.Name = *name
	cfg.Dir = *dir
	cfg.ListenPeerUrls = []url.URL{*purl}
	cfg.AdvertisePeerUrls = []url.URL{*purl}
	cfg.ListenClientUrls = []url.URL{*curl}
	cfg.AdvertiseClientUrls = []url.URL{*curl}
	cfg.InitialCluster = cfg.Name + "=" + *peer
	if *initial != "" {
		cfg.InitialCluster = *initial
	}
	cfg.ClusterState = *state
	cfg.QuotaBackendBytes = 8 << 30
	if *snapshotCount > 0 {
		cfg.SnapshotCount = *snapshotCount
	}
	cfg.LogLevel = *logLevel
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return fmt.Errorf("start etcd: %w", err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		return fmt.Errorf("etcd failed: %w", err)
	case <-time.After(10 * time.Minute):
		return fmt.Errorf("etcd not ready")
	}
	ln, err := net.Listen("tcp", *admin)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/mem", func(w http.ResponseWriter, r *http.Request) {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		json.NewEncoder(w).Encode(memStats{TotalAlloc: m.TotalAlloc, HeapInuse: m.HeapInuse, HeapAlloc: m.HeapAlloc, NumGC: m.NumGC})
	})
	mux.HandleFunc("/free", func(w http.ResponseWriter, r *http.Request) {
		debug.FreeOSMemory()
		fmt.Fprintln(w, "ok")
	})
	// The member's own CPU profile, for what bounds a snapshot's stream.
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	go http.Serve(ln, mux)
	fmt.Println("ready")
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	<-sig
	e.Close()
	return nil
}
