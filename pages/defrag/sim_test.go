package defrag_test

import (
	"encoding/binary"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/dbinspect/dbinspect/internal/boltkv"
	"github.com/dbinspect/dbinspect/pages"
	"github.com/dbinspect/dbinspect/pages/defrag"
	bolt "go.etcd.io/bbolt"
)

// bucketSpec describes a bucket of a generated db: n pairs with etcd-like
// 17-byte keys and values of size(i) bytes.
type bucketSpec struct {
	name string
	n    int
	key  func(i int) []byte
	size func(r *rand.Rand, i int) int
}

func revKey(i int) []byte {
	k := make([]byte, 17)
	binary.BigEndian.PutUint64(k, uint64(i+1))
	k[8] = '_'
	return k
}

func nameKey(i int) []byte { return []byte(fmt.Sprintf("/registry/pods/ns-%03d/pod-%07d", i%50, i)) }

// writeDB writes the buckets with bbolt the way a long-lived etcd would
// leave them (default fill, several commits), so the source is not already
// in defrag shape.
func writeDB(t *testing.T, specs []bucketSpec) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "src.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r := rand.New(rand.NewSource(42))
	for _, s := range specs {
		for start := 0; start == 0 || start < s.n; start += 5000 {
			err := db.Update(func(tx *bolt.Tx) error {
				b, err := tx.CreateBucketIfNotExists([]byte(s.name))
				if err != nil {
					return err
				}
				for i := start; i < s.n && i < start+5000; i++ {
					if err := b.Put(s.key(i), make([]byte, s.size(r, i))); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	return path
}

func fixed(n int) func(*rand.Rand, int) int { return func(*rand.Rand, int) int { return n } }

// etcdSmallBuckets are the buckets every etcd db has, with a few pairs.
var etcdSmallBuckets = []bucketSpec{
	{name: "alarm", n: 0, key: revKey, size: fixed(0)},
	{name: "auth", n: 1, key: func(int) []byte { return []byte("authRevision") }, size: fixed(8)},
	{name: "cluster", n: 1, key: func(int) []byte { return []byte("clusterVersion") }, size: fixed(5)},
	{name: "members", n: 3, key: func(i int) []byte { return []byte(fmt.Sprintf("%016x", i)) }, size: fixed(120)},
	{name: "meta", n: 4, key: func(i int) []byte { return []byte(fmt.Sprintf("meta-%d", i)) }, size: fixed(17)},
}

func withSmall(big ...bucketSpec) []bucketSpec {
	all := append([]bucketSpec(nil), etcdSmallBuckets...)
	all = append(all, big...)
	return all
}

func TestSimulateMatchesBboltCopy(t *testing.T) {
	cases := []struct {
		name  string
		specs []bucketSpec
	}{
		{"small buckets only, all inline", etcdSmallBuckets},
		{"one tx, config-store sizes", withSmall(bucketSpec{"key", 3000, revKey, func(r *rand.Rand, _ int) int { return 50 + r.Intn(400) }})},
		{"exactly 10000 puts", withSmall(bucketSpec{"key", 10000 - 9, revKey, fixed(100)})},
		{"many commits, mixed sizes", withSmall(bucketSpec{"key", 45000, revKey, func(r *rand.Rand, i int) int {
			if i%5000 == 0 {
				return 9000
			}
			return 50 + r.Intn(400)
		}})},
		{"large values with overflow pages", withSmall(bucketSpec{"key", 1200, revKey, func(r *rand.Rand, _ int) int { return 3000 + r.Intn(20000) }})},
		{"long keys, deep branches", withSmall(bucketSpec{"key", 30000, nameKey, fixed(20)})},
		{"lease bucket split across commits", withSmall(
			bucketSpec{"key", 9995, revKey, fixed(200)},
			bucketSpec{"lease", 8000, revKey, fixed(20)},
		)},
		{"bucket spilling from inline after a commit", withSmall(
			bucketSpec{"key", 9990, revKey, fixed(30)},
			bucketSpec{"lease", 400, revKey, fixed(20)},
		)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := writeDB(t, tc.specs)
			dst := filepath.Join(t.TempDir(), "defrag.db")
			pairs, err := defrag.Copy(src, dst)
			if err != nil {
				t.Fatal(err)
			}
			want := readBolt(t, dst)

			r, err := boltkv.Open(src)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			got, err := defrag.Simulate(r, os.Getpagesize(), defrag.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("pgid sim %d real %d, file sim %d real %d, free sim %d real %d, commits %d", got.HighWaterPgid, want.pgid, got.FileBytes, want.fileBytes, got.FreePages, want.free, got.Commits)
			if got.Pairs != pairs {
				t.Errorf("pairs: simulated %d, copied %d", got.Pairs, pairs)
			}
			if got.HighWaterPgid != want.pgid {
				t.Errorf("high-water pgid: simulated %d, real %d (%+v)", got.HighWaterPgid, want.pgid, got.Buckets)
			}
			if got.FileBytes != want.fileBytes {
				t.Errorf("file bytes: simulated %d, real %d", got.FileBytes, want.fileBytes)
			}
			if got.FreePages != uint64(want.free) {
				t.Errorf("free pages: simulated %d, real %d", got.FreePages, want.free)
			}
			for _, b := range got.Buckets {
				if w, ok := want.buckets[b.Name]; ok && !b.Inline && (w.LeafPageN+w.LeafOverflowN != int(b.LeafPages) || w.BranchPageN+w.BranchOverflowN != int(b.BranchPages) || w.Depth != b.Depth) {
					t.Errorf("bucket %s: simulated leaf %d branch %d depth %d, real leaf %d branch %d depth %d", b.Name,
						b.LeafPages, b.BranchPages, b.Depth, w.LeafPageN+w.LeafOverflowN, w.BranchPageN+w.BranchOverflowN, w.Depth)
				}
				if w, ok := want.buckets[b.Name]; ok && b.Inline != (w.InlineBucketN == 1) {
					t.Errorf("bucket %s: simulated inline=%v, real stats %+v", b.Name, b.Inline, w)
				}
			}
		})
	}
}

type boltShape struct {
	pgid      uint64
	fileBytes int64
	free      int
	buckets   map[string]bolt.BucketStats
}

func readBolt(t *testing.T, path string) boltShape {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	s := boltShape{fileBytes: st.Size(), buckets: map[string]bolt.BucketStats{}}
	// A read-write open with NoFreelistSync rebuilds the freelist, so
	// FreePageN counts every unreachable page. It does not write.
	db, err := bolt.Open(path, 0o600, &bolt.Options{NoFreelistSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		s.pgid = uint64(tx.Size()) / uint64(db.Info().PageSize)
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			s.buckets[string(name)] = b.Stats()
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	s.free = db.Stats().FreePageN
	return s
}

func TestSimulateKeepFilter(t *testing.T) {
	src := writeDB(t, withSmall(bucketSpec{"key", 20000, revKey, fixed(100)}))
	r, err := boltkv.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	all, err := defrag.Simulate(r, 4096, defrag.Options{})
	if err != nil {
		t.Fatal(err)
	}
	half, err := defrag.Simulate(r, 4096, defrag.Options{Keep: func(b string, k, _ []byte) bool {
		return b != "key" || binary.BigEndian.Uint64(k) > 10000
	}})
	if err != nil {
		t.Fatal(err)
	}
	if half.Pairs != all.Pairs-10000 {
		t.Errorf("kept %d pairs of %d, want %d", half.Pairs, all.Pairs, all.Pairs-10000)
	}
	if half.DbSizeBytes >= all.DbSizeBytes*6/10 || half.DbSizeBytes <= all.DbSizeBytes*4/10 {
		t.Errorf("dropping half the pairs gave %d bytes of %d", half.DbSizeBytes, all.DbSizeBytes)
	}
}

type failingReader struct{ pages.KVReader }

func (failingReader) BucketNames() ([]string, error) { return []string{"key"}, nil }
func (failingReader) ForEach(string, func(k, v []byte) error) error {
	return fmt.Errorf("page 7: bad flags")
}

func TestSimulateRejects(t *testing.T) {
	if _, err := defrag.Simulate(failingReader{}, 4096, defrag.Options{}); err == nil {
		t.Error("a bucket that cannot be read gave no error")
	}
	for _, ps := range []int{0, 1000, 4097, 1 << 21} {
		if _, err := defrag.Simulate(failingReader{}, ps, defrag.Options{}); err == nil {
			t.Errorf("page size %d accepted", ps)
		}
	}
}
