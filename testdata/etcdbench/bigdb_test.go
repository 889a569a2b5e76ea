package main

import (
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
	"go.etcd.io/etcd/etcdutl/v3/snapshot"
	"go.uber.org/zap"
)

// TestWriteBigDB writes small dbs and checks them with etcdutl's own status
// code and with bbolt: the revision, the live key count, the storage version
// and the member meta a real server writes.
func TestWriteBigDB(t *testing.T) {
	tests := []struct {
		name     string
		target   int64
		keys     int
		keepRevs int
	}{
		{"default mix", 4 << 20, 0, 2},
		{"few keys, many rounds", 2 << 20, 40, 2},
		{"no final compaction", 2 << 20, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "db")
			cfg := bigdbConfig{out: out, target: tt.target, keys: tt.keys, valueSize: 2048, seed: 7, revsPerKey: 4, deletePct: 3, keepRevs: tt.keepRevs}
			if cfg.keys == 0 {
				cfg.keys = int(tt.target / int64(cfg.valueSize*cfg.revsPerKey))
			}
			res, err := writeBigDB(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if res.FileBytes < tt.target {
				t.Errorf("file is %d bytes, below the %d target", res.FileBytes, tt.target)
			}
			st, err := snapshot.NewV3(zap.NewNop()).Status(out)
			if err != nil {
				t.Fatal(err)
			}
			if st.Revision != res.Revision {
				t.Errorf("etcdutl revision %d, bigdb said %d", st.Revision, res.Revision)
			}
			if want := res.Keys - res.DeletedKeys; st.TotalKey != want {
				t.Errorf("etcdutl total keys %d, want %d live", st.TotalKey, want)
			}
			if st.Version != "3.6.0" {
				t.Errorf("storage version %q, want 3.6.0", st.Version)
			}
			if tt.keepRevs == 0 && res.CompactRevision != res.FirstCompaction {
				t.Errorf("compacted to %d though -keep-revs is 0", res.CompactRevision)
			}
			if tt.keepRevs > 0 && res.CompactRevision <= res.FirstCompaction {
				t.Errorf("final compaction %d not past the first %d", res.CompactRevision, res.FirstCompaction)
			}
			checkBuckets(t, out)
		})
	}
}

func checkBuckets(t *testing.T, path string) {
	t.Helper()
	db, err := bolt.Open(path, 0o400, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		for _, b := range []string{"key", "meta", "lease", "members", "cluster"} {
			if tx.Bucket([]byte(b)) == nil {
				t.Errorf("bucket %q missing", b)
			}
		}
		meta := tx.Bucket([]byte("meta"))
		if meta == nil {
			return nil
		}
		for _, k := range []string{"consistent_index", "term", "confState", "storageVersion", "finishedCompactRev", "scheduledCompactRev"} {
			if meta.Get([]byte(k)) == nil {
				t.Errorf("meta key %q missing", k)
			}
		}
		if n := tx.Bucket([]byte("lease")).Stats().KeyN; n == 0 {
			t.Errorf("no leases written")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
