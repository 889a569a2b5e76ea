package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"go.etcd.io/etcd/api/v3/version"
	"go.etcd.io/etcd/etcdutl/v3/snapshot"
	"go.uber.org/zap"
)

const (
	memberName   = "default"
	clusterToken = "etcdbench"
	timingNote   = "each run: a fresh copy of a data dir restored from the db with etcdutl's snapshot restore, started in a new child process; time from embed.StartEtcd to ReadyNotify on a warm page cache (the copy is synced to disk and the db read once before each run); server_created: StartEtcd to etcd's 'fast-forwarding election ticks' log line (backend, WAL, lessor and mvcc restore done; before the leader election, whose random delay of up to ~1 s dominates small dbs); RSS is the child's VmRSS once ready (RssAnon: heap; RssFile: mostly the db mmap, populated at open)"
)

// startupResult is one db's real etcd startup measurement.
type startupResult struct {
	Name           string    `json:"name"`
	File           string    `json:"file"`
	FileBytes      int64     `json:"file_bytes"`
	EtcdVersion    string    `json:"etcd_version"`
	Runs           int       `json:"runs"`
	MedianSeconds  float64   `json:"median_startup_seconds"`
	MinSeconds     float64   `json:"min_startup_seconds"`
	MaxSeconds     float64   `json:"max_startup_seconds"`
	Seconds        []float64 `json:"startup_seconds"`
	MedianServer   float64   `json:"median_server_created_seconds"`
	ServerSeconds  []float64 `json:"server_created_seconds"`
	MedianRSSBytes int64     `json:"median_rss_bytes"`
	MaxHWMBytes    int64     `json:"max_peak_rss_bytes"`
	MedianAnon     int64     `json:"median_rss_anon_bytes"`
	MedianFile     int64     `json:"median_rss_file_bytes"`
	RestoreSeconds float64   `json:"restore_seconds"`
	Note           string    `json:"note"`
}

// startupFile is what -out writes: testdata/fixtures/startup.json.
type startupFile struct {
	Note    string `json:"note"`
	Machine string `json:"machine"`
	// The machine is shared; its load during the runs says how noisy they are.
	LoadAverageBefore string          `json:"load_average_before"`
	LoadAverageAfter  string          `json:"load_average_after"`
	Results           []startupResult `json:"results"`
}

func runStartup(args []string) error {
	fset := flag.NewFlagSet("startup", flag.ContinueOnError)
	var dbs []string
	fset.Func("db", "etcd db file, plain or .gz (repeatable; more files may follow the flags)", func(s string) error {
		dbs = append(dbs, s)
		return nil
	})
	runs := fset.Int("runs", 5, "startups per db")
	out := fset.String("out", "", "also write all results to this JSON file (the startup.json format)")
	if err := fset.Parse(args); err != nil {
		return err
	}
	dbs = append(dbs, fset.Args()...)
	if len(dbs) == 0 {
		return fmt.Errorf("give at least one -db FILE")
	}
	if *runs < 1 || *runs > 100 {
		return fmt.Errorf("-runs %d: want 1 to 100", *runs)
	}
	loadBefore := loadAverage()
	var results []startupResult
	for _, db := range dbs {
		r, err := measureStartup(db, *runs)
		if err != nil {
			return fmt.Errorf("%s: %w", db, err)
		}
		fmt.Fprintf(os.Stderr, "startup: %s: median %.3fs over %d runs, RSS %d MiB\n", r.Name, r.MedianSeconds, r.Runs, r.MedianRSSBytes>>20)
		results = append(results, *r)
	}
	if *out != "" {
		b, err := json.MarshalIndent(startupFile{Note: timingNote, Machine: machineSummary(),
			LoadAverageBefore: loadBefore, LoadAverageAfter: loadAverage(), Results: results}, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	if len(results) == 1 {
		return printJSON(results[0])
	}
	return printJSON(results)
}

func measureStartup(db string, runs int) (*startupResult, error) {
	work, err := os.MkdirTemp("", "etcdbench-startup-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)

	name := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(db), ".gz"), ".db")
	plain := db
	if strings.HasSuffix(db, ".gz") {
		plain = filepath.Join(work, name+".db")
		if err := gunzip(db, plain); err != nil {
			return nil, err
		}
	}
	st, err := os.Stat(plain)
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", port)
	pristine := filepath.Join(work, "restored")
	t0 := time.Now()
	err = snapshot.NewV3(zap.NewNop()).Restore(snapshot.RestoreConfig{
		SnapshotPath:        plain,
		Name:                memberName,
		OutputDataDir:       pristine,
		PeerURLs:            []string{peerURL},
		InitialCluster:      memberName + "=" + peerURL,
		InitialClusterToken: clusterToken,
		SkipHashCheck:       true,
	})
	if err != nil {
		return nil, fmt.Errorf("etcdutl snapshot restore: %w", err)
	}
	res := &startupResult{Name: name, File: db, FileBytes: st.Size(), EtcdVersion: version.Version, Runs: runs,
		RestoreSeconds: time.Since(t0).Seconds(), Note: timingNote}
	if strings.HasSuffix(db, ".gz") {
		os.Remove(plain) // only the restored copy is needed from here on
	}

	var rss, anon, file []int64
	for i := 0; i < runs; i++ {
		dir := filepath.Join(work, fmt.Sprintf("run%d", i))
		if err := copyDir(pristine, dir); err != nil {
			return nil, err
		}
		// Flush the copy's dirty pages first: writeback of gigabytes would
		// otherwise run during the start and be timed with it.
		syscall.Sync()
		if err := readAll(filepath.Join(dir, "member", "snap", "db")); err != nil {
			return nil, err
		}
		c, err := startChild(dir, peerURL)
		if err != nil {
			return nil, fmt.Errorf("run %d: %w", i+1, err)
		}
		res.Seconds = append(res.Seconds, c.Seconds)
		res.ServerSeconds = append(res.ServerSeconds, c.ServerSeconds)
		rss = append(rss, c.RSSBytes)
		anon = append(anon, c.AnonBytes)
		file = append(file, c.FileBytes)
		res.MaxHWMBytes = max(res.MaxHWMBytes, c.HWMBytes)
		os.RemoveAll(dir)
	}
	sorted := slices.Clone(res.Seconds)
	slices.Sort(sorted)
	slices.Sort(rss)
	slices.Sort(anon)
	slices.Sort(file)
	res.MedianAnon = anon[len(anon)/2]
	res.MedianFile = file[len(file)/2]
	res.MedianSeconds = median(sorted)
	server := slices.Clone(res.ServerSeconds)
	slices.Sort(server)
	res.MedianServer = median(server)
	res.MinSeconds = sorted[0]
	res.MaxSeconds = sorted[len(sorted)-1]
	res.MedianRSSBytes = rss[len(rss)/2]
	return res, nil
}

// startChild re-executes this binary to start etcd in a clean process, so
// each run pays etcd's full startup and its RSS is etcd's alone.
func startChild(dir, peerURL string) (*childResult, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cport, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, startupChild, "-dir", dir, "-peer", peerURL, "-client", fmt.Sprintf("http://127.0.0.1:%d", cport))
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("etcd child: %v: %s", err, lastLines(stderr.String(), 5))
	}
	var c childResult
	if err := json.Unmarshal(stdout.Bytes(), &c); err != nil {
		return nil, fmt.Errorf("etcd child output %q: %w", stdout.String(), err)
	}
	return &c, nil
}

func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func gunzip(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	zr, err := gzip.NewReader(in)
	if err != nil {
		return fmt.Errorf("%s: %w", src, err)
	}
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, zr); err != nil {
		out.Close()
		return fmt.Errorf("decompress %s: %w", src, err)
	}
	return out.Close()
}

func copyDir(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		return copyFile(p, target)
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// readAll reads a file once so that the run starts on a warm page cache.
func readAll(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	for {
		_, err := f.Read(buf)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// loadAverage is the first three fields of /proc/loadavg.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}

// machineSummary names the machine the figures were taken on.
func machineSummary() string {
	model := "unknown CPU"
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	return fmt.Sprintf("%d CPUs (%s), %s, %s/%s", runtime.NumCPU(), model, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
