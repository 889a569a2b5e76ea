package pages

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// dbSpec describes a bbolt file built by a test.
type dbSpec struct {
	name           string
	pageSize       int
	noFreelistSync bool
	fill           func(t testing.TB, db *bolt.DB)
}

// build writes the file with bbolt and returns its path.
func (s dbSpec) build(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{PageSize: s.pageSize, NoFreelistSync: s.noFreelistSync})
	if err != nil {
		t.Fatal(err)
	}
	s.fill(t, db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func update(t testing.TB, db *bolt.DB, fn func(tx *bolt.Tx) error) {
	t.Helper()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

func key(i int) []byte { return []byte(fmt.Sprintf("key-%08d", i)) }

// etcdLike fills buckets the way etcd does: a big "key" bucket, small
// buckets that stay inline, some deletes to leave free pages.
func etcdLike(n, valueSize int) func(testing.TB, *bolt.DB) {
	return func(t testing.TB, db *bolt.DB) {
		rng := rand.New(rand.NewPCG(1, 2))
		for batch := 0; batch < n; batch += 1000 {
			update(t, db, func(tx *bolt.Tx) error {
				b, err := tx.CreateBucketIfNotExists([]byte("key"))
				if err != nil {
					return err
				}
				b.FillPercent = 0.9
				for i := batch; i < batch+1000 && i < n; i++ {
					v := make([]byte, valueSize/2+rng.IntN(valueSize))
					if err := b.Put(key(i), v); err != nil {
						return err
					}
				}
				for _, name := range []string{"meta", "lease", "members", "alarm", "auth"} {
					mb, err := tx.CreateBucketIfNotExists([]byte(name))
					if err != nil {
						return err
					}
					if err := mb.Put([]byte("k"+name), []byte(name)); err != nil {
						return err
					}
				}
				return nil
			})
		}
		update(t, db, func(tx *bolt.Tx) error {
			b := tx.Bucket([]byte("key"))
			for i := 0; i < n; i += 3 {
				if err := b.Delete(key(i)); err != nil {
					return err
				}
			}
			return nil
		})
	}
}

// nested builds nested buckets, inline and not, and large values.
func nested(t testing.TB, db *bolt.DB) {
	update(t, db, func(tx *bolt.Tx) error {
		top, err := tx.CreateBucket([]byte("top"))
		if err != nil {
			return err
		}
		small, err := top.CreateBucket([]byte("small"))
		if err != nil {
			return err
		}
		if err := small.Put([]byte("a"), []byte("1")); err != nil {
			return err
		}
		big, err := top.CreateBucket([]byte("big"))
		if err != nil {
			return err
		}
		for i := 0; i < 2000; i++ {
			if err := big.Put(key(i), bytes.Repeat([]byte{byte(i)}, 100)); err != nil {
				return err
			}
		}
		deep, err := big.CreateBucket([]byte("deeper"))
		if err != nil {
			return err
		}
		for i := 0; i < 50; i++ {
			if err := deep.Put(key(i), make([]byte, 20000)); err != nil { // overflow pages
				return err
			}
		}
		empty, err := tx.CreateBucket([]byte("empty"))
		_ = empty
		return err
	})
}

// manyFree leaves more than 0xFFFF free pages, for the freelist count
// convention.
func manyFree(t testing.TB, db *bolt.DB) {
	for batch := 0; batch < 80000; batch += 20000 {
		update(t, db, func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("big"))
			if err != nil {
				return err
			}
			for i := batch; i < batch+20000; i++ {
				if err := b.Put(key(i), make([]byte, 900)); err != nil {
					return err
				}
			}
			return nil
		})
	}
	update(t, db, func(tx *bolt.Tx) error { return tx.DeleteBucket([]byte("big")) })
	update(t, db, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("after"))
		if err != nil {
			return err
		}
		return b.Put([]byte("x"), []byte("y"))
	})
}

var specs = []dbSpec{
	{"etcdlike-4k-nosync", 4096, true, etcdLike(20000, 300)},
	{"etcdlike-4k-sync", 4096, false, etcdLike(20000, 300)},
	{"etcdlike-1k-nosync", 1024, true, etcdLike(5000, 200)},
	{"etcdlike-16k-sync", 16384, false, etcdLike(5000, 2000)},
	{"nested-4k-sync", 4096, false, nested},
	{"nested-8k-nosync", 8192, true, nested},
	{"manyfree-4k-sync", 4096, false, manyFree},
	{"empty-4k-sync", 4096, false, func(testing.TB, *bolt.DB) {}},
}

// bboltAnswer is what bbolt says about a file.
type bboltAnswer struct {
	pageSize  int
	size      int64 // tx.Size()
	txid      int   // tx.ID() of a read transaction: the meta bbolt chose
	fileBytes int64 // the file's size as bbolt's copy has it
	freePageN int
	types     map[int]string // page id → tx.Page type, for the pages bbolt lists
	stats     map[string]bolt.BucketStats
}

// askBbolt opens a private copy read-write with NoFreelistSync, so bbolt
// rebuilds the freelist by walking the tree (or reads a persisted one).
func askBbolt(t testing.TB, path string) bboltAnswer {
	t.Helper()
	cp := filepath.Join(t.TempDir(), "bboltAnswer.db")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cp, b, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(cp, 0o600, &bolt.Options{NoFreelistSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	o := bboltAnswer{pageSize: db.Info().PageSize, freePageN: db.Stats().FreePageN, types: map[int]string{}, stats: map[string]bolt.BucketStats{}}
	o.fileBytes = int64(len(b))
	err = db.View(func(tx *bolt.Tx) error {
		o.size, o.txid = tx.Size(), tx.ID()
		for id := 0; ; {
			p, err := tx.Page(id)
			if err != nil {
				return err
			}
			if p == nil {
				break
			}
			o.types[id] = p.Type
			if p.Type == "free" {
				id++ // a free page's header is stale
			} else {
				id += 1 + p.OverflowCount
			}
		}
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			o.stats[string(name)] = b.Stats()
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// aggregate adds the nested buckets' figures as bbolt's Bucket.Stats does.
func aggregate(a *Analysis, i int) bolt.BucketStats {
	b := a.Buckets[i]
	s := bolt.BucketStats{
		BranchPageN: int(b.BranchPages), BranchOverflowN: int(b.BranchOverflow),
		LeafPageN: int(b.LeafPages), LeafOverflowN: int(b.LeafOverflow),
		KeyN: int(b.Keys), Depth: b.Depth,
		BranchInuse: int(b.BranchUsed), LeafInuse: int(b.LeafUsed),
		BucketN: 1,
	}
	s.BranchAlloc = (s.BranchPageN + s.BranchOverflowN) * a.File.PageSize
	s.LeafAlloc = (s.LeafPageN + s.LeafOverflowN) * a.File.PageSize
	if b.Inline {
		s.InlineBucketN = 1
		s.InlineBucketInuse = int(b.UsedBytes)
	}
	var sub bolt.BucketStats
	for j := range a.Buckets {
		if a.Buckets[j].Parent == i {
			sub.Add(aggregate(a, j))
		}
	}
	if b.Inline {
		return s // bbolt does not descend into inline buckets' sub-buckets
	}
	s.Depth += sub.Depth
	s.Add(sub)
	return s
}

var kindToBbolt = map[PageKind]string{KindMeta: "meta", KindFreelist: "freelist", KindBranch: "branch", KindLeaf: "leaf", KindFree: "free"}

// compareWithBbolt checks the Done-when figures against bbolt.
func compareWithBbolt(t *testing.T, path string) *Analysis {
	t.Helper()
	o := askBbolt(t, path)
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	a, err := Analyze(f, AnalyzeOptions{PageMap: true})
	if err != nil {
		t.Fatal(err)
	}
	if a.Damaged() || !a.Complete {
		t.Fatalf("a good file is reported damaged: %v", a.Problems)
	}
	if f.PageSize() != o.pageSize {
		t.Errorf("page size %d, bbolt %d", f.PageSize(), o.pageSize)
	}
	if got := f.Meta().TxID; got != uint64(o.txid) {
		t.Errorf("meta txid %d, bbolt tx.ID() %d", got, o.txid)
	}
	if a.File.SizeBytes != o.fileBytes {
		t.Errorf("file size %d, bbolt's copy has %d bytes", a.File.SizeBytes, o.fileBytes)
	}
	if a.Pages.HighWaterBytes != o.size {
		t.Errorf("high-water bytes %d, bbolt tx.Size() %d", a.Pages.HighWaterBytes, o.size)
	}
	if got, want := a.Pages.InUseBytes, o.size-int64(o.freePageN*o.pageSize); got != want {
		t.Errorf("in_use_bytes %d, bbolt %d", got, want)
	}
	if a.Pages.ByType.Free != int64(o.freePageN) {
		t.Errorf("free pages %d, bbolt FreePageN %d", a.Pages.ByType.Free, o.freePageN)
	}
	var spanSum uint64
	for _, s := range a.Free {
		spanSum += s.Len
	}
	if spanSum != uint64(a.Pages.ByType.Free) {
		t.Errorf("free spans hold %d pages, census %d", spanSum, a.Pages.ByType.Free)
	}
	pm := a.PageMap
	for id, typ := range o.types {
		if got := kindToBbolt[pm.Kinds[id]]; got != typ {
			t.Errorf("page %d: we say %s, bbolt says %s", id, pm.Kinds[id], typ)
		}
	}
	for id := 0; id < int(a.Meta.HighWater); id++ {
		if _, listed := o.types[id]; !listed && pm.Kinds[id] != KindOverflow && pm.Kinds[id] != KindFreelist {
			t.Errorf("page %d: bbolt steps over it as an overflow page, we say %s", id, pm.Kinds[id])
		}
	}
	c := a.Pages.ByType
	if got := c.Sum()*int64(a.File.PageSize) + a.Pages.TailBytes; got != f.Size() {
		t.Errorf("page census adds up to %d bytes, file has %d", got, f.Size())
	}
	seen := 0
	for i, b := range a.Buckets {
		if b.Parent != 0 {
			continue
		}
		seen++
		want, ok := o.stats[b.Name]
		if !ok {
			t.Errorf("bucket %q unknown to bbolt", b.Name)
			continue
		}
		if got := aggregate(a, i); got != want {
			t.Errorf("bucket %q:\n got %+v\nwant %+v", b.Name, got, want)
		}
	}
	if seen != len(o.stats) {
		t.Errorf("%d root-level buckets, bbolt has %d", seen, len(o.stats))
	}
	return a
}

func TestAnalyzeAgreesWithBbolt(t *testing.T) {
	for _, s := range specs {
		t.Run(s.name, func(t *testing.T) {
			path := s.build(t)
			a := compareWithBbolt(t, path)
			if a.Meta.FreelistPersisted == s.noFreelistSync {
				t.Errorf("freelist persisted = %v with NoFreelistSync = %v", a.Meta.FreelistPersisted, s.noFreelistSync)
			}
			if a.Freelist.Persisted && (a.Freelist.Leaked != 0 || a.Freelist.ListedButReachable != 0 || a.Freelist.Listed != a.Pages.ByType.Free) {
				t.Errorf("persisted freelist disagrees with reachability: %+v, computed free %d", a.Freelist, a.Pages.ByType.Free)
			}
		})
	}
}

// bigValuesFreed frees more than 0xFFFF pages with few puts: 1 KiB pages,
// 100 values of 800 KB, then the bucket is deleted.
func bigValuesFreed(t testing.TB, db *bolt.DB) {
	update(t, db, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("big"))
		if err != nil {
			return err
		}
		for i := 0; i < 100; i++ {
			if err := b.Put(key(i), make([]byte, 800_000)); err != nil {
				return err
			}
		}
		return nil
	})
	update(t, db, func(tx *bolt.Tx) error { return tx.DeleteBucket([]byte("big")) })
}

func TestFreelistCountConvention(t *testing.T) {
	path := dbSpec{"bigfreed", 1024, false, bigValuesFreed}.build(t)
	compareWithBbolt(t, path)
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	id := f.Meta().Freelist
	buf := make([]byte, PageHeaderSize)
	if _, err := f.r.ReadAt(buf, int64(id)*int64(f.PageSize())); err != nil {
		t.Fatal(err)
	}
	if h := parseHeader(buf); h.Count != 0xFFFF {
		t.Fatalf("freelist count field is %d; the test needs >= 0xFFFF free ids", h.Count)
	}
	a, err := Analyze(f, AnalyzeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Freelist.Listed < 0xFFFF || a.Freelist.Listed != a.Pages.ByType.Free {
		t.Errorf("listed %d, computed free %d", a.Freelist.Listed, a.Pages.ByType.Free)
	}
}

// TestJSONFields pins the JSON names that the CLI's -o json promises.
func TestJSONFields(t *testing.T) {
	f, err := Open(specs[4].build(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	a, err := Analyze(f, AnalyzeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	paths := []string{
		"file.size_bytes", "file.page_size", "meta.txid", "meta.root_pgid", "meta.freelist_pgid", "meta.high_water_pgid",
		"pages.total", "pages.by_type.meta", "pages.by_type.freelist", "pages.by_type.branch", "pages.by_type.leaf",
		"pages.by_type.overflow", "pages.by_type.free", "pages.by_type.unallocated", "pages.free_bytes", "pages.in_use_bytes",
		"pages.elements", "meta.metas", "freelist.persisted", "complete", "problems",
	}
	for _, p := range paths {
		var cur any = doc
		for _, part := range strings.Split(p, ".") {
			m, ok := cur.(map[string]any)
			if !ok {
				cur = nil
				break
			}
			cur = m[part]
		}
		if cur == nil {
			t.Errorf("JSON has no %s", p)
		}
	}
	buckets, _ := doc["buckets"].([]any)
	if len(buckets) < 2 {
		t.Fatalf("buckets: %v", doc["buckets"])
	}
	for _, field := range []string{"name", "keys", "depth", "branch_pages", "leaf_pages", "overflow_pages", "inline", "used_bytes", "fill_ratio"} {
		if _, ok := buckets[1].(map[string]any)[field]; !ok {
			t.Errorf("buckets[] has no %s", field)
		}
	}
}

// TestOpenWhileLocked opens a file another process holds with an exclusive
// flock, as a running etcd does.
func TestOpenWhileLocked(t *testing.T) {
	path := specs[0].build(t)
	db, err := bolt.Open(path, 0o600, nil) // holds LOCK_EX until closed
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	f, err := Open(path)
	if err != nil {
		t.Fatalf("Open while bbolt holds the lock: %v", err)
	}
	defer f.Close()
	a, err := Analyze(f, AnalyzeOptions{})
	if err != nil || a.Damaged() {
		t.Fatalf("Analyze while locked: %v %v", err, a.Problems)
	}
}

func TestProgressReachesTotal(t *testing.T) {
	f, err := Open(specs[0].build(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var calls int
	var last, total int64
	_, err = Analyze(f, AnalyzeOptions{Progress: func(done, tot int64) {
		if done < last || done > tot {
			t.Errorf("progress %d of %d after %d", done, tot, last)
		}
		calls++
		last, total = done, tot
	}})
	if err != nil {
		t.Fatal(err)
	}
	if calls == 0 || total != int64(f.Meta().HighWater)*int64(f.PageSize()) {
		t.Errorf("%d progress calls, total %d", calls, total)
	}
}

// TestVisitAddsUp checks the per-page callback against the bucket totals.
func TestVisitAddsUp(t *testing.T) {
	f, err := Open(specs[5].build(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	used := map[int]int64{}
	pagesSeen := map[int]int64{}
	ps := int64(f.PageSize())
	a, err := Analyze(f, AnalyzeOptions{Visit: func(p PageInfo) {
		used[p.Bucket] += p.UsedBytes
		pagesSeen[p.Bucket] += 1 + int64(p.Overflow)
		if parts := p.HeaderBytes + p.ElementBytes + p.KeyBytes + p.ValueBytes; parts != p.UsedBytes || p.HeaderBytes != 16 || p.ElementBytes != 16*int64(p.Count) {
			t.Errorf("page %d: header %d + elements %d + keys %d + values %d = %d, used %d", p.ID, p.HeaderBytes, p.ElementBytes, p.KeyBytes, p.ValueBytes, parts, p.UsedBytes)
		}
		if p.UsedBytes+p.FreeBytes != (1+int64(p.Overflow))*ps || p.FreeBytes < 0 {
			t.Errorf("page %d: used %d + free %d is not %d pages", p.ID, p.UsedBytes, p.FreeBytes, 1+p.Overflow)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range a.Buckets {
		if b.Inline {
			continue
		}
		if used[i] != b.UsedBytes || pagesSeen[i] != b.BranchPages+b.LeafPages+b.OverflowPages {
			t.Errorf("bucket %q: visits used %d bytes on %d pages, totals %d on %d", b.Name, used[i], pagesSeen[i], b.UsedBytes, b.BranchPages+b.LeafPages+b.OverflowPages)
		}
	}
}

// TestPageSizeFromSecondMeta corrupts meta 0 of files with page sizes other
// than the OS's: the page size must come from meta 1, as bbolt finds it.
func TestPageSizeFromSecondMeta(t *testing.T) {
	for _, ps := range []int{1024, 16384} {
		path := dbSpec{"ps", ps, true, nested}.build(t)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		b[MetaOffset] ^= 0xFF // meta 0's magic
		f, err := NewFile(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatalf("page size %d: %v", ps, err)
		}
		if f.PageSize() != ps || f.Metas()[0].Valid || !f.Metas()[1].Used {
			t.Errorf("page size %d: detected %d, metas %+v", ps, f.PageSize(), f.Metas())
		}
	}
}
