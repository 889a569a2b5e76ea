package mvcc

import (
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/internal/boltkv"
	"github.com/dbinspect/dbinspect/internal/fixtures"
	bolt "go.etcd.io/bbolt"
)

// scanFixture scans a fixture through bbolt's own reading of the file,
// passing tx.Size() as the caller would pass meta.pgid × page size.
func scanFixture(t *testing.T, f fixtures.Fixture, opts Options) (*Summary, *scanner) {
	t.Helper()
	r, err := boltkv.Open(fixtures.Path(t, f))
	if err != nil {
		t.Fatalf("%s: %v", f.Name, err)
	}
	defer r.Close()
	err = r.DB.View(func(tx *bolt.Tx) error { opts.DataSize = tx.Size(); return nil })
	if err != nil {
		t.Fatal(err)
	}
	sum, sc, err := scan(r, opts)
	if err != nil {
		t.Fatalf("%s: scan: %v", f.Name, err)
	}
	return sum, sc
}

// Ensure that on every fixture, read through dbinspect's page reader, the
// revision, compact revision, live key count, sample Get answers and
// etcdutl's figures equal what real etcd and etcdutl answered when the
// fixture was made. (TestPagesReaderMatchesBbolt covers bbolt's reading.)
func TestFixturesMatchEtcd(t *testing.T) {
	for _, f := range fixtures.All(t) {
		t.Run(f.Name, func(t *testing.T) {
			sum, sc := scanWithPagesState(t, fixtures.Path(t, f), DefaultOptions())
			if sum.Revision != f.Revision {
				t.Errorf("revision = %d, etcd answered %d", sum.Revision, f.Revision)
			}
			if sum.CompactRevision != f.CompactRevision {
				t.Errorf("compact revision = %d, etcd answered %d", sum.CompactRevision, f.CompactRevision)
			}
			if int64(sum.LiveKeys) != f.LiveKeys {
				t.Errorf("live keys = %d, etcd answered %d", sum.LiveKeys, f.LiveKeys)
			}
			if int64(sum.Leases.Count) != f.Leases {
				t.Errorf("leases = %d, etcd answered %d", sum.Leases.Count, f.Leases)
			}
			if sum.Auth.Enabled != f.AuthEnabled {
				t.Errorf("auth enabled = %v, etcd answered %v", sum.Auth.Enabled, f.AuthEnabled)
			}
			if len(sum.Members) != f.Members {
				t.Errorf("members = %d, etcd answered %d", len(sum.Members), f.Members)
			}
			var alarms []string
			for _, a := range sum.Alarms {
				alarms = append(alarms, a.Type)
			}
			if strings.Join(alarms, ",") != strings.Join(f.Alarms, ",") {
				t.Errorf("alarms = %v, etcd answered %v", alarms, f.Alarms)
			}
			if sum.Malformed.Count != 0 || len(sum.ReadErrors) != 0 || len(sum.UnknownBuckets) != 0 {
				t.Errorf("clean etcd file reported malformed=%d read errors=%v unknown=%v", sum.Malformed.Count, sum.ReadErrors, sum.UnknownBuckets)
			}
			for _, want := range f.SampleKeys {
				got, found := sc.lookupKey(want.Key)
				if !want.Exists {
					if found && got.Live {
						t.Errorf("key %q: live in scan, deleted in etcd", want.Key)
					}
					continue
				}
				if !found || !got.Live {
					t.Errorf("key %q: missing in scan, live in etcd", want.Key)
					continue
				}
				if got.Version != want.Version || got.CreateRevision != want.CreateRevision ||
					got.ModRevision != want.ModRevision || got.Lease != want.Lease || got.ValueBytes != uint64(want.ValueSize) {
					t.Errorf("key %q: scan ver=%d create=%d mod=%d lease=%d size=%d; etcd ver=%d create=%d mod=%d lease=%d size=%d",
						want.Key, got.Version, got.CreateRevision, got.ModRevision, got.Lease, got.ValueBytes,
						want.Version, want.CreateRevision, want.ModRevision, want.Lease, want.ValueSize)
				}
			}
			e := sum.Etcdutl
			if e.Hash != f.Etcdutl.Hash {
				t.Errorf("etcdutl hash = %d, etcdutl printed %d", e.Hash, f.Etcdutl.Hash)
			}
			if e.Revision != f.Etcdutl.Revision {
				t.Errorf("etcdutl revision = %d, etcdutl printed %d", e.Revision, f.Etcdutl.Revision)
			}
			totalKeys := e.TotalKeys
			if strings.HasPrefix(f.EtcdVersion, "3.5") || strings.HasPrefix(f.EtcdVersion, "3.4") {
				totalKeys = e.TotalKeysV35 // the fixture's etcdutl was 3.5's (3.4's etcdctl counts alike)
			}
			if int(totalKeys) != f.Etcdutl.TotalKey {
				t.Errorf("etcdutl total keys = %d, etcdutl printed %d", totalKeys, f.Etcdutl.TotalKey)
			}
			if e.TotalSize != f.Etcdutl.TotalSize {
				t.Errorf("etcdutl total size = %d, etcdutl printed %d", e.TotalSize, f.Etcdutl.TotalSize)
			}
			if e.Version != f.Etcdutl.Version {
				t.Errorf("etcdutl version = %q, etcdutl printed %q", e.Version, f.Etcdutl.Version)
			}
		})
	}
}
