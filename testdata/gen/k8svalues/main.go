// Command k8svalues writes the fixture k8s-values-v3.6: an etcd 3.6.16 db
// whose values kube-apiserver's own libraries wrote. Objects are built with
// k8s.io/api types and serialised by k8s.io/apimachinery's protobuf and JSON
// serializers (custom resources as unstructured JSON); some are encrypted by
// k8s.io/apiserver's real value transformers (aescbc, secretbox, and KMS v2
// through a fake in-process KMS service), behind the same
// "k8s:enc:<provider>:v1:<key name>:" prefixes kube-apiserver's encryption
// config sets up. Keys are the paths kube-apiserver uses,
// /registry/<resource>/[<namespace>/]<name>. The generator records what it
// left live (counts by resource, namespace, kind, encoding, provider and
// key name) in k8s-values.json beside the db; it never touches
// fixtures.json.
//
//	cd testdata/gen/k8svalues && go run . -out ../../fixtures -work /dev/shm
package main

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"go.etcd.io/etcd/api/v3/version"
)

const (
	fixtureName = "k8s-values-v3.6"
	maxGzBytes  = 2 << 20
)

func main() {
	out := flag.String("out", "", "directory for the .db.gz and its manifest (e.g. ../../fixtures)")
	seed := flag.Int64("seed", 1, "seed of the workload")
	workRoot := flag.String("work", "", "where to put the work directory (default: the system temp dir); /dev/shm makes fsyncs free")
	series := flag.String("trend", "", "instead, write the k8s-trend series (four snapshots and manifest.json) in this directory (e.g. ../../fixtures/k8s-trend)")
	flag.Parse()
	if *series != "" {
		if err := runSeries(*series, *workRoot, *seed); err != nil {
			log.Fatal(err)
		}
		return
	}
	if *out == "" {
		log.Fatal("-out is required, e.g. go run . -out ../../fixtures")
	}
	if err := run(*out, *workRoot, *seed); err != nil {
		log.Fatal(err)
	}
}

func run(outDir, workRoot string, seed int64) error {
	work, err := os.MkdirTemp(workRoot, "dbinspect-k8svalues-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	dataDir := filepath.Join(work, "data")
	srv, err := startServer(dataDir)
	if err != nil {
		return err
	}
	cli, err := srv.client()
	if err != nil {
		srv.stop()
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	w, err := newWriter(ctx, cli, seed)
	if err != nil {
		cli.Close()
		srv.stop()
		return err
	}
	if err := w.workload(); err != nil {
		cli.Close()
		srv.stop()
		return err
	}
	m := w.manifest()
	m.Name, m.File = fixtureName, fixtureName+".db.gz"
	m.EtcdVersion = version.Version
	m.Seed = seed
	resp, err := cli.Get(ctx, "/", clientv3CountOnly()...)
	if err != nil {
		cli.Close()
		srv.stop()
		return err
	}
	m.Revision, m.LiveKeys = resp.Header.Revision, resp.Count
	cli.Close()
	srv.stop()
	if err := writeGz(filepath.Join(dataDir, "member", "snap", "db"), filepath.Join(outDir, m.File)); err != nil {
		return err
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(outDir, "k8s-values.json"), append(b, '\n'), 0o644)
}

func writeGz(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	f, err := os.Create(dst + ".tmp")
	if err != nil {
		return err
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	if _, err := zw.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if fi, err := os.Stat(dst + ".tmp"); err != nil {
		return err
	} else if fi.Size() > maxGzBytes {
		return fmt.Errorf("%s is %d bytes gzipped, over the %d limit", dst, fi.Size(), maxGzBytes)
	}
	return os.Rename(dst+".tmp", dst)
}
