// Command gen writes the dbinspect test fixtures with real etcd: it runs
// each scenario against an embedded etcd on loopback, copies member/snap/db
// after a clean stop, and records etcd's own answers in fixtures.json.
//
// The same source builds against two etcd versions, in the modules
// testdata/gen/etcd36 and testdata/gen/etcd35 (their shared .go files are
// symlinks to testdata/gen/shared).
//
//	cd testdata/gen/etcd36 && go run . -out ../../fixtures
package main

import (
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"log"
	"math/rand"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"go.etcd.io/etcd/api/v3/version"
	clientv3 "go.etcd.io/etcd/client/v3"
)

const (
	opTimeout       = 2 * time.Minute
	scenarioTimeout = 20 * time.Minute
	maxGzBytes      = 8 << 20
)

func main() {
	out := flag.String("out", "", "directory for the .db.gz files and fixtures.json (e.g. ../../fixtures)")
	only := flag.String("only", "", "comma-separated scenario names to generate (default: all)")
	seed := flag.Int64("seed", 1, "seed of the workloads")
	keep := flag.Bool("keep", false, "keep the work directory (data dirs, copies) for inspection")
	workRoot := flag.String("work", "", "where to put the work directory (default: the system temp dir); a tmpfs such as /dev/shm makes etcd's fsyncs free")
	flag.Parse()
	if *out == "" {
		log.Fatal("-out is required, e.g. go run . -out ../../fixtures")
	}
	work, err := os.MkdirTemp(*workRoot, "dbinspect-gen-")
	if err != nil {
		log.Fatal(err)
	}
	if *keep {
		log.Printf("work directory: %s", work)
	} else {
		defer os.RemoveAll(work)
	}
	want := map[string]bool{}
	for _, n := range strings.Split(*only, ",") {
		if n != "" {
			want[n] = true
		}
	}
	for _, sc := range scenarios {
		if len(want) > 0 && !want[sc.name] {
			continue
		}
		start := time.Now()
		scWork := filepath.Join(work, sc.name)
		got, err := generate(sc, *seed, *out, scWork)
		if err != nil {
			log.Fatalf("%s: %v", sc.name, err)
		}
		if !*keep {
			os.RemoveAll(scWork) // data dirs and WALs add up to hundreds of MB
		}
		if err := mergeManifest(filepath.Join(*out, "fixtures.json"), got); err != nil {
			log.Fatalf("%s: manifest: %v", sc.name, err)
		}
		for _, f := range got {
			gz, _ := os.Stat(filepath.Join(*out, f.File))
			log.Printf("%-32s %9d bytes (gz %8d) rev %6d compact %6d keys %5d db %9d in use %9d defrag %9d (%.1fs)",
				f.Name, f.SizeBytes, gz.Size(), f.Revision, f.CompactRevision, f.LiveKeys, f.DbSize, f.DbSizeInUse,
				f.DefragDbSize, time.Since(start).Seconds())
		}
	}
}

func versionSuffix() string { return "-v" + version.APIVersion }

func bboltVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "go.etcd.io/bbolt" {
				if d.Replace != nil {
					return d.Replace.Version
				}
				return d.Version
			}
		}
	}
	return "unknown"
}

func generate(sc scenario, seed int64, outDir, work string) ([]Fixture, error) {
	dataDir := filepath.Join(work, "data")
	srv, err := startServer(dataDir, sc.quota)
	if err != nil {
		return nil, err
	}
	stopped := false
	defer func() {
		if !stopped {
			srv.stop()
		}
	}()
	cli, err := srv.client("", "")
	if err != nil {
		return nil, err
	}
	ctx, cancel := withTimeout(scenarioTimeout)
	defer cancel()
	h := fnv.New64a()
	h.Write([]byte(sc.name))
	w := &workload{ctx: ctx, cli: cli, srv: srv, live: map[string]bool{},
		rng: rand.New(rand.NewSource(seed ^ int64(h.Sum64())))}
	if err := sc.run(w); err != nil {
		w.cli.Close()
		return nil, err
	}

	f := Fixture{
		Name:              sc.name + versionSuffix(),
		Scenario:          sc.name,
		Description:       sc.description,
		EtcdVersion:       version.Version,
		BboltVersion:      bboltVersion(),
		QuotaBackendBytes: sc.quota,
		CompactRevision:   w.compactRev,
	}
	f.File = f.Name + ".db.gz"
	err = runningAnswers(ctx, w.cli, srv.clientURL, w.sampleKeys(20), &f)
	snapPath := filepath.Join(work, "snapshot.db")
	if err == nil && sc.snapshot {
		err = saveSnapshot(ctx, w.cli, snapPath)
	}
	w.cli.Close()
	if err != nil {
		return nil, err
	}
	srv.stop()
	stopped = true

	// The fixture is the stopped db; everything after works on copies.
	if err := addFile(&f, filepath.Join(dataDir, "member", "snap", "db"), outDir, work); err != nil {
		return nil, err
	}
	restartDir := filepath.Join(work, "restart")
	if err := copyDir(dataDir, restartDir); err != nil {
		return nil, err
	}
	if err := restartAnswers(restartDir, sc.quota, w.user, w.pass, &f); err != nil {
		return nil, fmt.Errorf("restart on a copy: %w", err)
	}
	got := []Fixture{f}
	if sc.snapshot {
		s := f
		s.Name = sc.name + versionSuffix() + "-snapshot"
		s.File = s.Name + ".db.gz"
		s.Snapshot = true
		s.Description = "Maintenance.Snapshot (as etcdctl snapshot save) of the " + sc.name + " workload, taken just before the stop"
		if err := addFile(&s, snapPath, outDir, work); err != nil {
			return nil, err
		}
		restored := filepath.Join(work, "restored")
		if err := restoreSnapshot(snapPath, work, restored); err != nil {
			return nil, err
		}
		if err := restartAnswers(restored, sc.quota, w.user, w.pass, &s); err != nil {
			return nil, fmt.Errorf("start on the restored snapshot: %w", err)
		}
		got = append(got, s)
	}
	return got, nil
}

// addFile records the size, hash and etcdutl status of src and writes it
// gzipped as outDir/f.File.
func addFile(f *Fixture, src, outDir, work string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(b)
	f.SizeBytes, f.SHA256 = int64(len(b)), hex.EncodeToString(sum[:])
	scratch := filepath.Join(work, "etcdutl-"+f.Name+".db")
	if err := os.WriteFile(scratch, b, 0o600); err != nil {
		return err
	}
	if f.Etcdutl, err = etcdutlStatus(scratch); err != nil {
		return fmt.Errorf("etcdutl status of %s: %w", f.Name, err)
	}
	dst := filepath.Join(outDir, f.File)
	tmp := dst + ".tmp"
	out, err := os.Create(tmp)
	if err != nil {
		return err
	}
	zw, _ := gzip.NewWriterLevel(out, gzip.BestCompression)
	if _, err := zw.Write(b); err != nil {
		out.Close()
		return err
	}
	if err := zw.Close(); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	if fi, err := os.Stat(tmp); err != nil {
		return err
	} else if fi.Size() > maxGzBytes {
		return fmt.Errorf("%s is %d bytes gzipped, over the %d limit", f.File, fi.Size(), maxGzBytes)
	}
	return os.Rename(tmp, dst)
}

func saveSnapshot(ctx context.Context, cli *clientv3.Client, path string) error {
	rc, err := cli.Snapshot(ctx)
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	defer rc.Close()
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, rc); err != nil {
		out.Close()
		return fmt.Errorf("snapshot stream: %w", err)
	}
	return out.Close()
}

func copyDir(src, dst string) error {
	return filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if fi.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o600)
	})
}
