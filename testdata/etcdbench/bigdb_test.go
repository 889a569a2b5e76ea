package main

import (
	"bytes"
	"math/rand/v2"
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
		order    string
	}{
		{"default mix", 4 << 20, 0, 2, "random"},
		{"few keys, many rounds", 2 << 20, 40, 2, "random"},
		{"no final compaction", 2 << 20, 0, 0, "random"},
		// Events expire (deleted, then created under a new name): the
		// live count etcdutl finds is the keys written less both kinds
		// of deletes.
		{"kubernetes-like mix", 4 << 20, 0, 0, k8sOrder},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "db")
			cfg := bigdbConfig{out: out, target: tt.target, keys: tt.keys, valueSize: 2048, seed: 7, revsPerKey: 4, deletePct: 10, keepRevs: tt.keepRevs, order: tt.order}
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
			if (tt.order == k8sOrder) != (res.ExpiredEvents > 0) {
				t.Errorf("%d events expired with -order %s", res.ExpiredEvents, tt.order)
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

// The k8s order's first round creates namespace by namespace (cluster-wide
// objects first), each namespace's objects resource by resource in name
// order; later rounds are len(keys) random picks.
func TestRoundOrderK8s(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	keys := makeKeys(rng, 3000, 512)
	first := roundOrder(k8sOrder, 1, rng, keys, 0)
	if len(first) != len(keys) {
		t.Fatalf("%d creates, want %d", len(first), len(keys))
	}
	seen := make([]bool, len(keys))
	for j, i := range first {
		seen[i] = true
		if j == 0 {
			continue
		}
		a, b := keys[first[j-1]], keys[i]
		if a.ns > b.ns || a.ns == b.ns && (a.res > b.res || a.res == b.res && bytes.Compare(a.key, b.key) >= 0) {
			t.Fatalf("create %d: %s after %s", j, b.key, a.key)
		}
	}
	for i, ok := range seen {
		if !ok {
			t.Fatalf("key %s never created", keys[i].key)
		}
	}
	if keys[first[0]].ns != -1 || keys[first[len(first)-1]].ns != 9 {
		t.Errorf("creates go from ns %d to ns %d, want cluster-wide (-1) to ns-0009", keys[first[0]].ns, keys[first[len(first)-1]].ns)
	}
	later := roundOrder(k8sOrder, 1, rng, keys, 1)
	distinct := map[int]bool{}
	for _, i := range later {
		distinct[i] = true
	}
	// n picks with replacement out of n reach about 1 - 1/e of them.
	if len(later) != len(keys) || len(distinct) < len(keys)/2 || len(distinct) > len(keys)*3/4 {
		t.Errorf("%d updates over %d distinct keys of %d", len(later), len(distinct), len(keys))
	}
}
