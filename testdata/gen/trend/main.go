// Command trend writes dbinspect's trend series with real etcd 3.6: one
// cluster run through daily workload phases with known write rates and
// known growth per prefix, compacted between some phases and defragmented
// once, with a Maintenance.Snapshot (what 'etcdctl snapshot save' writes)
// after every phase, each named with its set timestamp; plus one snapshot
// of a second cluster, to make a mixed series. It records what etcd
// answered at each snapshot in manifest.json beside them.
//
//	cd testdata/gen/trend && go run . -out ../../fixtures/trend -work /dev/shm
package main

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"go.etcd.io/etcd/api/v3/version"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// The series starts here, one snapshot a day; times are set, not the
// clock's, and live only in the file names.
var seriesStart = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

const maxGzBytes = 1 << 20

// phase is one day of cluster A's workload: single puts (one revision
// each), so the revisions a day are the writes a day.
type phase struct {
	Expire        bool `json:"expire_events"`   // first delete every /app/events/ key (one DeleteRange: one revision)
	Events        int  `json:"new_events"`      // new keys under /app/events/, 512 B values
	ConfigUpdates int  `json:"config_updates"`  // rewrites of existing /app/config/ keys, 2 KiB
	Users         int  `json:"new_users"`       // new keys under /app/users/, 1 KiB
	Compact       bool `json:"compact_after"`   // compact at the latest revision after the writes
	Defrag        bool `json:"defrag_after"`    // then Maintenance.Defragment
	NewConfig     int  `json:"new_config_keys"` // new keys under /app/config/ (the load)
}

// The phases: day 0 loads; days 1-3 write 270 revisions a day, days 4-6
// twice that (day 4 one more: the expiry of the old events). Compaction
// after days 2 and 4 (and defrag after 4: the expired events and the
// config history go, and the db shrinks), none after: at day 6 the compact
// revision has not moved for two steps.
var phases = []phase{
	{NewConfig: 100, Users: 40},
	{Events: 200, ConfigUpdates: 60, Users: 10},
	{Events: 200, ConfigUpdates: 60, Users: 10, Compact: true},
	{Events: 200, ConfigUpdates: 60, Users: 10},
	{Expire: true, Events: 400, ConfigUpdates: 120, Users: 20, Compact: true, Defrag: true},
	{Events: 400, ConfigUpdates: 120, Users: 20},
	{Events: 400, ConfigUpdates: 120, Users: 20},
}

// Member is what the manifest records about one snapshot.
type Member struct {
	File        string    `json:"file"`
	Cluster     string    `json:"cluster"` // "a" or "b"
	Time        time.Time `json:"time"`    // the time in the file name
	Phase       *phase    `json:"phase,omitempty"`
	Revision    int64     `json:"revision"`         // header revision of a Get after the phase
	CompactRev  int64     `json:"compact_revision"` // the last compaction the generator asked for
	DbSize      int64     `json:"db_size"`          // Maintenance.Status just before the snapshot
	DbSizeInUse int64     `json:"db_size_in_use"`
	ClusterID   string    `json:"cluster_id"` // etcd's, from the running server
	MemberID    string    `json:"member_id"`
	// Keys is the count of keys per prefix etcd answered (count-only Range).
	Keys       map[string]int64 `json:"keys"`
	SizeBytes  int64            `json:"size_bytes"`
	GzipBytes  int64            `json:"gzip_bytes"`
	SnapshotOK bool             `json:"snapshot"`
}

// Manifest is manifest.json.
type Manifest struct {
	EtcdVersion string   `json:"etcd_version"`
	Description string   `json:"description"`
	Members     []Member `json:"members"`
}

func main() {
	out := flag.String("out", "", "directory for the snapshots and manifest.json (e.g. ../../fixtures/trend)")
	workRoot := flag.String("work", "", "where to put etcd's data dirs (a tmpfs such as /dev/shm makes fsync free)")
	flag.Parse()
	if *out == "" {
		log.Fatal("-out is required, e.g. go run . -out ../../fixtures/trend")
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	work, err := os.MkdirTemp(*workRoot, "dbinspect-trend-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(work)
	m := Manifest{
		EtcdVersion: version.Version,
		Description: "cluster a: daily snapshots of workload phases (see testdata/gen/trend); cluster b: one snapshot of another cluster",
	}
	a, err := clusterA(filepath.Join(work, "a"), *out)
	if err != nil {
		log.Fatalf("cluster a: %v", err)
	}
	b, err := clusterB(filepath.Join(work, "b"), *out)
	if err != nil {
		log.Fatalf("cluster b: %v", err)
	}
	m.Members = append(a, b...)
	buf, _ := json.MarshalIndent(m, "", "  ")
	if err := os.WriteFile(filepath.Join(*out, "manifest.json"), append(buf, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
	for _, x := range m.Members {
		log.Printf("%-40s rev %5d compact %5d db %8d in use %8d gz %7d", x.File, x.Revision, x.CompactRev, x.DbSize, x.DbSizeInUse, x.GzipBytes)
	}
}

func clusterA(dir, out string) ([]Member, error) {
	s, err := start(dir, "trend-a")
	if err != nil {
		return nil, err
	}
	defer s.stop()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	rng := rand.New(rand.NewSource(18))
	var members []Member
	var compactRev int64
	events, users, config := 0, 0, 0
	for day, p := range phases {
		put := func(key string, n, gen int) error {
			_, err := s.cli.Put(ctx, key, string(value(rng, key, gen, n)))
			return err
		}
		if p.Expire {
			if _, err := s.cli.Delete(ctx, "/app/events/", clientv3.WithPrefix()); err != nil {
				return nil, err
			}
		}
		for i := 0; i < p.NewConfig; i++ {
			if err := put(fmt.Sprintf("/app/config/c%04d", config), 2048, 0); err != nil {
				return nil, err
			}
			config++
		}
		for i := 0; i < p.Users; i++ {
			if err := put(fmt.Sprintf("/app/users/u%05d", users), 1024, 0); err != nil {
				return nil, err
			}
			users++
		}
		for i := 0; i < p.Events; i++ {
			if err := put(fmt.Sprintf("/app/events/e%06d", events), 512, 0); err != nil {
				return nil, err
			}
			events++
		}
		for i := 0; i < p.ConfigUpdates; i++ {
			// Rewrites spread over every config key in turn.
			if err := put(fmt.Sprintf("/app/config/c%04d", (day*p.ConfigUpdates+i)%config), 2048, day); err != nil {
				return nil, err
			}
		}
		rev, err := s.revision(ctx)
		if err != nil {
			return nil, err
		}
		if p.Compact {
			if _, err := s.cli.Compact(ctx, rev, clientv3.WithCompactPhysical()); err != nil {
				return nil, fmt.Errorf("compact at %d: %w", rev, err)
			}
			compactRev = rev
		}
		if p.Defrag {
			if _, err := s.cli.Defragment(ctx, s.url); err != nil {
				return nil, fmt.Errorf("defragment: %w", err)
			}
		}
		at := seriesStart.AddDate(0, 0, day)
		name := "trend-a-" + at.Format("2006-01-02T15-04-05Z") + ".db.gz"
		p := p
		mb, err := s.snapshot(ctx, out, name, &p, "a", at, compactRev, []string{"/app/config/", "/app/users/", "/app/events/"})
		if err != nil {
			return nil, err
		}
		members = append(members, mb)
	}
	return members, nil
}

// clusterB is another cluster (another initial-cluster token, so another
// member and cluster ID) with a few keys: its snapshot, dropped among
// cluster a's, makes a mixed series.
func clusterB(dir, out string) ([]Member, error) {
	s, err := start(dir, "trend-b")
	if err != nil {
		return nil, err
	}
	defer s.stop()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	rng := rand.New(rand.NewSource(19))
	for i := 0; i < 50; i++ {
		key := fmt.Sprintf("/other/k%03d", i)
		if _, err := s.cli.Put(ctx, key, string(value(rng, key, 0, 512))); err != nil {
			return nil, err
		}
	}
	at := seriesStart.AddDate(0, 0, 3).Add(12 * time.Hour)
	mb, err := s.snapshot(ctx, out, "trend-b-"+at.Format("2006-01-02T15-04-05Z")+".db.gz", nil, "b", at, 0, []string{"/other/"})
	if err != nil {
		return nil, err
	}
	return []Member{mb}, nil
}

// value is about n bytes: a JSON-ish head that differs per key and
// generation, then vocabulary text, then a repeated filler line so the
// committed snapshots gzip small.
func value(rng *rand.Rand, key string, gen, n int) []byte {
	b := configValue(rng, key, gen, min(n, 96))
	const filler = "trend filler: the quick brown fox jumps over the lazy dog. "
	for len(b) < n {
		b = append(b, filler[:min(len(filler), n-len(b))]...)
	}
	return b
}

type server struct {
	etcd *embed.Etcd
	cli  *clientv3.Client
	url  string
}

func start(dir, token string) (*server, error) {
	cport, err := freePort()
	if err != nil {
		return nil, err
	}
	pport, err := freePort()
	if err != nil {
		return nil, err
	}
	lc := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", cport)}
	lp := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", pport)}
	// Fixed advertised URLs and the token make the member and cluster IDs
	// the same on every run, and different between the two clusters.
	ac, _ := url.Parse("http://127.0.0.1:2379")
	ap, _ := url.Parse("http://127.0.0.1:2380")
	cfg := embed.NewConfig()
	cfg.Name = "trend"
	cfg.Dir = dir
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{lc}, []url.URL{*ac}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{lp}, []url.URL{*ap}
	cfg.InitialCluster = "trend=" + ap.String()
	cfg.InitialClusterToken = token
	cfg.Logger, cfg.LogLevel, cfg.LogOutputs = "zap", "fatal", []string{"stderr"}
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, err
	}
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		e.Close()
		return nil, err
	case <-time.After(60 * time.Second):
		e.Close()
		return nil, fmt.Errorf("etcd on %s not ready after 60s", dir)
	}
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{lc.String()}, DialTimeout: 10 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		e.Close()
		return nil, err
	}
	return &server{etcd: e, cli: cli, url: lc.String()}, nil
}

func (s *server) stop() {
	s.cli.Close()
	s.etcd.Close()
}

func (s *server) revision(ctx context.Context) (int64, error) {
	r, err := s.cli.Get(ctx, "/", clientv3.WithCountOnly())
	if err != nil {
		return 0, err
	}
	return r.Header.Revision, nil
}

// snapshot records etcd's answers, then saves Maintenance.Snapshot gzipped
// as out/name.
func (s *server) snapshot(ctx context.Context, out, name string, p *phase, cluster string, at time.Time, compactRev int64, prefixes []string) (Member, error) {
	m := Member{File: name, Cluster: cluster, Time: at, Phase: p, CompactRev: compactRev, Keys: map[string]int64{}, SnapshotOK: true}
	st, err := s.cli.Status(ctx, s.url)
	if err != nil {
		return m, err
	}
	m.Revision, m.DbSize, m.DbSizeInUse = st.Header.Revision, st.DbSize, st.DbSizeInUse
	m.ClusterID = fmt.Sprintf("%x", uint64(s.etcd.Server.Cluster().ID()))
	m.MemberID = fmt.Sprintf("%x", uint64(s.etcd.Server.MemberID()))
	for _, pfx := range prefixes {
		r, err := s.cli.Get(ctx, pfx, clientv3.WithPrefix(), clientv3.WithCountOnly())
		if err != nil {
			return m, err
		}
		m.Keys[pfx] = r.Count
	}
	rc, err := s.cli.Snapshot(ctx)
	if err != nil {
		return m, fmt.Errorf("snapshot: %w", err)
	}
	defer rc.Close()
	tmp := filepath.Join(out, name+".tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return m, err
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
		return m, fmt.Errorf("snapshot stream: %w", err)
	}
	fi, err := os.Stat(tmp)
	if err != nil {
		return m, err
	}
	if fi.Size() > maxGzBytes {
		return m, fmt.Errorf("%s is %d bytes gzipped, over %d", name, fi.Size(), maxGzBytes)
	}
	m.SizeBytes, m.GzipBytes = n, fi.Size()
	return m, os.Rename(tmp, filepath.Join(out, name))
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
