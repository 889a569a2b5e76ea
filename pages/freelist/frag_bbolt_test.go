package freelist

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/dbinspect/dbinspect/pages"
	bolt "go.etcd.io/bbolt"
)

// Differential harness: real bbolt v1.4.3 is the oracle for the models.

const oraclePageSize = 4096

// buildFragmentedDB writes a small db whose free pages form spans of mixed
// lengths: values of 400 bytes to 4 pages in one bucket, then about half
// the keys deleted. Written with NoFreelistSync, as etcd on Linux does.
func buildFragmentedDB(t testing.TB, seed uint64, keys int) string {
	return buildDB(t, seed, keys, 4*oraclePageSize, 2)
}

// buildScatteredDB is like buildFragmentedDB with small values and most
// keys deleted, which leaves many short spans of many sizes.
func buildScatteredDB(t testing.TB, seed uint64, keys int) string {
	return buildDB(t, seed, keys, oraclePageSize, 3)
}

func buildDB(t testing.TB, seed uint64, keys, maxValue, keepOneIn int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "frag.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{PageSize: oraclePageSize, NoFreelistSync: true, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rng := rand.New(rand.NewPCG(seed, 7))
	put := func(lo, hi int) error {
		return db.Update(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("data"))
			if err != nil {
				return err
			}
			for i := lo; i < hi; i++ {
				v := make([]byte, 400+rng.IntN(maxValue))
				if err := b.Put([]byte(fmt.Sprintf("k%05d", i)), v); err != nil {
					return err
				}
			}
			return nil
		})
	}
	for i := 0; i < keys; i += 10 {
		if err := put(i, min(i+10, keys)); err != nil {
			t.Fatal(err)
		}
	}
	order := rng.Perm(keys)[:keys-keys/keepOneIn]
	for i := 0; i < len(order); i += 15 {
		err := db.Update(func(tx *bolt.Tx) error {
			b := tx.Bucket([]byte("data"))
			for _, k := range order[i:min(i+15, len(order))] {
				if err := b.Delete([]byte(fmt.Sprintf("k%05d", k))); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// copyFile gives each oracle run its own file.
func copyOracleFile(t testing.TB, src string) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return dst
}

// oracle is a bbolt db opened the way etcd opens it, with a chosen freelist.
type oracle struct {
	t    testing.TB
	path string
	db   *bolt.DB
	tx   int // write transactions run by allocate
}

func openOracle(t testing.TB, path string, typ bolt.FreelistType) *oracle {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{PageSize: oraclePageSize, NoFreelistSync: true, NoSync: true, FreelistType: typ})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &oracle{t: t, path: path, db: db}
}

// state reads bbolt's high-water mark and every free or pending page.
func (o *oracle) state() (highWater uint64, free []pages.Span) {
	o.t.Helper()
	err := o.db.View(func(tx *bolt.Tx) error {
		highWater = uint64(tx.Size()) / oraclePageSize
		var ids []uint64
		for id := 2; uint64(id) < highWater; id++ {
			p, err := tx.Page(id)
			if err != nil {
				return err
			}
			if p.Type == "free" {
				ids = append(ids, uint64(id))
			}
		}
		free = spansFromIDs(ids)
		return nil
	})
	if err != nil {
		o.t.Fatal(err)
	}
	return highWater, free
}

// rootLeaf reads the root bucket's root page and its length from the
// current meta page of the file.
func (o *oracle) rootLeaf() pages.Span {
	o.t.Helper()
	b, err := os.ReadFile(o.path)
	if err != nil || len(b) < 2*oraclePageSize {
		o.t.Fatalf("read meta: %v", err)
	}
	m := b[16:]
	if binary.LittleEndian.Uint64(b[oraclePageSize+64:]) > binary.LittleEndian.Uint64(m[48:]) {
		m = b[oraclePageSize+16:]
	}
	root := binary.LittleEndian.Uint64(m[16:])
	var span pages.Span
	err = o.db.View(func(tx *bolt.Tx) error {
		p, err := tx.Page(int(root))
		if err != nil || p == nil {
			return fmt.Errorf("root page %d: %v", root, err)
		}
		if p.Type != "leaf" {
			return fmt.Errorf("root page %d is a %s; keep the oracle's root bucket in one leaf", root, p.Type)
		}
		span = pages.Span{Start: root, Len: uint64(p.OverflowCount) + 1}
		return nil
	})
	if err != nil {
		o.t.Fatal(err)
	}
	return span
}

// allocate runs one write transaction that creates a new bucket holding one
// value whose leaf needs exactly n pages, and returns where bbolt put that
// leaf. The transaction also rewrites the root bucket's leaf: bbolt spills
// the child bucket first (n pages), frees the old root leaf (pending) and
// then allocates the new root leaf.
func (o *oracle) allocate(n uint64) uint64 {
	o.t.Helper()
	o.tx++
	name := []byte(fmt.Sprintf("x%03d", o.tx))
	// leaf size = 16 header + 16 element + key + value; keep it well inside n pages.
	v := make([]byte, int(n)*oraclePageSize-32-1-200)
	err := o.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket(name)
		if err != nil {
			return err
		}
		return b.Put([]byte("v"), v)
	})
	if err != nil {
		o.t.Fatal(err)
	}
	var root uint64
	err = o.db.View(func(tx *bolt.Tx) error {
		root = uint64(tx.Bucket(name).Root())
		p, err := tx.Page(int(root))
		if err != nil {
			return err
		}
		if got := uint64(p.OverflowCount) + 1; got != n {
			return fmt.Errorf("bucket %s leaf has %d pages, want %d", name, got, n)
		}
		return nil
	})
	if err != nil {
		o.t.Fatal(err)
	}
	return root
}

// oracleStep is what one oracle transaction did.
type oracleStep struct {
	n          uint64
	leaf, root uint64 // first pages of the n-page leaf and of the new root leaf
	grew       bool   // some allocation of this tx came from the high-water mark
}

// oracleRun is what bbolt did with a sequence of transactions.
type oracleRun struct {
	free      []pages.Span // free pages at open (rebuilt by walking the tree)
	highWater uint64
	root      pages.Span // root bucket's leaf at open
	steps     []oracleStep
	endFree   []pages.Span // free and pending pages after the last transaction
	endHW     uint64
}

// runOracle replays sizes through bbolt and records each transaction.
func runOracle(t testing.TB, path string, typ bolt.FreelistType, sizes []uint64) oracleRun {
	t.Helper()
	o := openOracle(t, path, typ)
	var r oracleRun
	r.highWater, r.free = o.state()
	r.root = o.rootLeaf()
	hw := r.highWater
	for _, n := range sizes {
		leaf := o.allocate(n)
		root := o.rootLeaf()
		newHW, _ := o.state()
		r.steps = append(r.steps, oracleStep{n: n, leaf: leaf, root: root.Start, grew: newHW > hw})
		hw = newHW
	}
	r.endHW, r.endFree = o.state()
	return r
}

// firstGrowth is the index of the first transaction that grew the file, or -1.
func (r oracleRun) firstGrowth() int {
	for i, st := range r.steps {
		if st.grew {
			return i
		}
	}
	return -1
}

// modelTx runs the oracle's transaction shape on a model.
func modelTx(w *txWriter, n uint64, oldRoot pages.Span) (leaf, root uint64, grew bool) {
	w.Begin()
	leaf, r1 := w.Allocate(n)
	w.Free(oldRoot)
	root, r2 := w.Allocate(oldRoot.Len)
	return leaf, root, !r1 || !r2
}

// freeWithPending is the model's view comparable with bbolt's "free" pages.
func freeWithPending(w *txWriter) []pages.Span {
	return normalize(append(w.Model.Spans(), w.Pending()...), 0, ^uint64(0))
}

// oracleSizes is a mix of run lengths, repeated until the free space is
// used up and the file grows.
func oracleSizes(count int) []uint64 {
	pattern := []uint64{1, 3, 2, 1, 5, 1, 2, 4, 1, 8, 2, 1, 3}
	out := make([]uint64, count)
	for i := range out {
		out[i] = pattern[i%len(pattern)]
	}
	return out
}

// fillOnce creates count buckets in one write transaction, each holding one
// value whose leaf needs n pages, and returns how many of those leaves bbolt
// placed below the high-water mark, i.e. in free space. Nothing is released
// inside a transaction, so this is exactly "runs of n that fit before the
// file grows", whatever order bbolt spills the buckets in.
func fillOnce(t testing.TB, path string, typ bolt.FreelistType, n uint64, count int) (reused int, free []pages.Span) {
	t.Helper()
	o := openOracle(t, path, typ)
	hw, free := o.state()
	v := make([]byte, int(n)*oraclePageSize-32-1-200)
	err := o.db.Update(func(tx *bolt.Tx) error {
		for i := range count {
			b, err := tx.CreateBucket([]byte(fmt.Sprintf("f%05d", i)))
			if err != nil {
				return err
			}
			if err := b.Put([]byte("v"), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = o.db.View(func(tx *bolt.Tx) error {
		for i := range count {
			if uint64(tx.Bucket([]byte(fmt.Sprintf("f%05d", i))).Root()) < hw {
				reused++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return reused, free
}

// openOracleState reads a db's high-water mark and free spans through bbolt.
func openOracleState(t testing.TB, path string, typ bolt.FreelistType) (uint64, []pages.Span) {
	t.Helper()
	o := openOracle(t, path, typ)
	hw, free := o.state()
	if err := o.db.Close(); err != nil {
		t.Fatal(err)
	}
	return hw, free
}
