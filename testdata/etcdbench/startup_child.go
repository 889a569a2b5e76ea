package main

import (
	"bufio"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
)

// startupChild is the hidden subcommand a startup run re-executes.
const startupChild = "startup-child"

type childResult struct {
	Seconds  float64 `json:"seconds"`
	RSSBytes int64   `json:"rss_bytes"`
	HWMBytes int64   `json:"peak_rss_bytes"`
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
	cfg.LogLevel = "error"
	cfg.ListenPeerUrls = []url.URL{*purl}
	cfg.AdvertisePeerUrls = []url.URL{*purl}
	cfg.ListenClientUrls = []url.URL{*curl}
	cfg.AdvertiseClientUrls = []url.URL{*curl}
	cfg.InitialCluster = memberName + "=" + *peer
	cfg.InitialClusterToken = clusterToken

	start := time.Now()
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
	rss, hwm, err := selfRSS()
	if err != nil {
		return err
	}
	if err := printJSON(childResult{Seconds: elapsed.Seconds(), RSSBytes: rss, HWMBytes: hwm}); err != nil {
		return err
	}
	os.Exit(0)
	return nil
}

// selfRSS reads VmRSS and VmHWM from /proc/self/status, in bytes.
func selfRSS() (rss, hwm int64, err error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("/proc/self/status %s: %w", k, err)
		}
		if k == "VmRSS" {
			rss = kb << 10
		} else {
			hwm = kb << 10
		}
	}
	return rss, hwm, sc.Err()
}
