package main

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"go.etcd.io/etcd/api/v3/version"
	corev1 "k8s.io/api/core/v1"
)

// The k8s-trend series: one cluster through four daily phases, a
// Maintenance.Snapshot (what 'etcdctl snapshot save' writes) after each,
// named with a set time, for 'dbinspect trend' on Kubernetes kinds and
// encryption at rest:
//
//	day 0: 2 Namespaces, 10 Pods, 8 ConfigMaps, 10 Secrets under aescbc
//	       key1, 3 CronTabs (JSON custom resources)
//	day 1: rotation to aescbc key2: 2 new Secrets and 4 rewritten on key2
//	       (6 left on key1); +10 Pods, +2 ConfigMaps, +4 CronTabs
//	day 2: 3 more Secrets rewritten on key2 (3 left on key1); +5 Pods, 3
//	       deleted; +8 CronTabs
//	day 3: encryption turned off (identity first): 3 new Secrets written
//	       plain; the 3 on key1 still there; +8 CronTabs
//
// Its manifest (manifest.json beside the files) holds, per snapshot, what
// the generator left live (Counts, as k8s-values.json) and etcd's header
// revision.
type SeriesManifest struct {
	EtcdVersion string         `json:"etcd_version"`
	K8sLibs     string         `json:"k8s_libs"`
	Seed        int64          `json:"seed"`
	Canary      string         `json:"canary"`
	Members     []SeriesMember `json:"members"`
}

// SeriesMember is one snapshot of the series.
type SeriesMember struct {
	File          string             `json:"file"`
	Time          time.Time          `json:"time"`
	Phase         string             `json:"phase"`
	Revision      int64              `json:"revision"`
	SnapshotBytes int64              `json:"snapshot_bytes"`
	GzipBytes     int64              `json:"gzip_bytes"`
	Registry      Counts             `json:"registry"`
	Resources     map[string]*Counts `json:"resources"`
}

var seriesStart = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func runSeries(outDir, workRoot string, seed int64) error {
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	work, err := os.MkdirTemp(workRoot, "dbinspect-k8strend-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	srv, err := startServer(filepath.Join(work, "data"))
	if err != nil {
		return err
	}
	defer srv.stop()
	cli, err := srv.client()
	if err != nil {
		return err
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	w, err := newWriter(ctx, cli, seed)
	if err != nil {
		return err
	}
	key1, err := aescbc("key1")
	if err != nil {
		return err
	}
	key2, err := aescbc("key2")
	if err != nil {
		return err
	}
	ns := []string{"default", "team-a"}
	nsOf := func(i int) string { return ns[i%len(ns)] }
	pods := func(from, to int) error {
		for i := from; i < to; i++ {
			name := fmt.Sprintf("web-%02d", i)
			if err := w.store("pods", nsOf(i), name, w.pod(nsOf(i), name, 0), false, nil); err != nil {
				return err
			}
		}
		return nil
	}
	configMaps := func(from, to int) error {
		for i := from; i < to; i++ {
			name := fmt.Sprintf("cm-%02d", i)
			if err := w.store("configmaps", nsOf(i), name, w.configMap(nsOf(i), name, 300+w.rng.Intn(1500)), false, nil); err != nil {
				return err
			}
		}
		return nil
	}
	secrets := func(from, to int, t *transformer) error {
		for i := from; i < to; i++ {
			name := fmt.Sprintf("secret-%02d", i)
			if err := w.store("secrets", nsOf(i), name, w.secret(nsOf(i), name), false, t); err != nil {
				return err
			}
		}
		return nil
	}
	cronTabs := func(from, to int) error {
		for i := from; i < to; i++ {
			name := fmt.Sprintf("cron-%02d", i)
			if err := w.store("stable.example.com/crontabs", "team-a", name, w.cronTab("team-a", name), true, nil); err != nil {
				return err
			}
		}
		return nil
	}
	phases := []struct {
		what string
		run  func() error
	}{
		{"2 namespaces, 10 pods, 8 configmaps, 10 secrets on aescbc key1, 3 crontabs", func() error {
			for _, n := range ns {
				obj := &corev1.Namespace{ObjectMeta: w.meta("", n), Status: corev1.NamespaceStatus{Phase: corev1.NamespaceActive}}
				if err := w.store("namespaces", "", n, obj, false, nil); err != nil {
					return err
				}
			}
			return firstErr(pods(0, 10), configMaps(0, 8), secrets(0, 10, key1), cronTabs(0, 3))
		}},
		{"rotation to aescbc key2: 2 new secrets and 4 rewritten on key2 (6 left on key1); +10 pods, +2 configmaps, +4 crontabs", func() error {
			return firstErr(secrets(10, 12, key2), secrets(0, 4, key2), pods(10, 20), configMaps(8, 10), cronTabs(3, 7))
		}},
		{"3 more secrets rewritten on key2 (3 left on key1); +5 pods, 3 deleted; +8 crontabs", func() error {
			if err := firstErr(secrets(4, 7, key2), pods(20, 25), cronTabs(7, 15)); err != nil {
				return err
			}
			for _, i := range []int{2, 5, 8} {
				if err := w.del(fmt.Sprintf("/registry/pods/%s/web-%02d", nsOf(i), i)); err != nil {
					return err
				}
			}
			return nil
		}},
		{"encryption turned off (identity first): 3 new secrets written plain, 3 still on key1; +8 crontabs", func() error {
			return firstErr(secrets(12, 15, nil), cronTabs(15, 23))
		}},
	}
	m := SeriesManifest{EtcdVersion: version.Version, K8sLibs: "k8s.io/api, apimachinery, apiserver v0.36.6", Seed: seed, Canary: Canary}
	for day, p := range phases {
		if err := p.run(); err != nil {
			return fmt.Errorf("day %d: %w", day, err)
		}
		at := seriesStart.AddDate(0, 0, day)
		sm, err := saveSnapshot(ctx, w, outDir, fmt.Sprintf("k8s-trend-%s.db.gz", at.Format("2006-01-02T15-04-05Z")))
		if err != nil {
			return err
		}
		sm.Time, sm.Phase = at, p.what
		m.Members = append(m.Members, sm)
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(outDir, "manifest.json"), append(b, '\n'), 0o644)
}

// firstErr runs nothing: its arguments ran in order already; it returns
// the first error among them. The steps of a phase are independent, so
// running the later ones after a failure harms nothing.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// saveSnapshot records the live counts and etcd's revision, then writes
// Maintenance.Snapshot gzipped.
func saveSnapshot(ctx context.Context, w *writer, outDir, name string) (SeriesMember, error) {
	lm := w.manifest()
	sm := SeriesMember{File: name, Registry: lm.Registry, Resources: lm.Resources}
	resp, err := w.cli.Get(ctx, "/", clientv3CountOnly()...)
	if err != nil {
		return sm, err
	}
	sm.Revision = resp.Header.Revision
	rc, err := w.cli.Snapshot(ctx)
	if err != nil {
		return sm, err
	}
	defer rc.Close()
	dst := filepath.Join(outDir, name)
	f, err := os.Create(dst + ".tmp")
	if err != nil {
		return sm, err
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	n, err := io.Copy(zw, rc)
	if err == nil {
		err = zw.Close()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return sm, err
	}
	fi, err := os.Stat(dst + ".tmp")
	if err != nil {
		return sm, err
	}
	if fi.Size() > maxGzBytes {
		return sm, fmt.Errorf("%s is %d bytes gzipped, over the %d limit", name, fi.Size(), maxGzBytes)
	}
	sm.SnapshotBytes, sm.GzipBytes = n, fi.Size()
	return sm, os.Rename(dst+".tmp", dst)
}
