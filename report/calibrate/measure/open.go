package measure

import (
	"fmt"
	"math"
	"os"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// openShape is one bbolt file measureOpen writes: values of valueLen
// bytes under etcd's 17-byte revision keys, in one "key" bucket.
type openShape struct {
	name     string
	keys     int
	valueLen int
}

// openCounts are the figures of a file the open model is charged on,
// counted as report/predict counts them from the page walk.
type openCounts struct {
	nodes, overflow, elements float64 // branch and leaf pages, overflow pages, their elements
	bytes                     float64
}

// measureOpen times bbolt's Open of an etcd db as etcd opens it (see
// etcdBoltOptions): with the freelist not in the file, Open walks every
// reachable page (bbolt's freepages(): a check of each node and of each
// page of its overflow run, and of the key order of every element,
// recording each page in a map) before it returns. The cost per node, per
// overflow page and per element is solved from three files that differ
// in how their pages are made: many small values a page, a few 1000-byte
// values a page, and 10,000-byte values on overflow runs. The populate
// part (populatePerByte x file size) is taken out first: the startup
// model charges it apart.
func measureOpen(dir string, scale func(int) int, populatePerByte float64) (perNode, perOverflow, perElem, secs float64, err error) {
	shapes := []openShape{
		{"small values", scale(600000), 30},
		{"1000-byte values", scale(100000), 1000},
		{"overflow values", scale(15000), 10000},
	}
	var nodes, overflow, elements, ts [3]float64
	for i, sh := range shapes {
		path := fmt.Sprintf("%s/open-%d.db", dir, i)
		counts, err := writeOpenShape(path, sh)
		if err != nil {
			return 0, 0, 0, secs, fmt.Errorf("writing a bbolt file of %s: %w", sh.name, err)
		}
		t, err := timeOpen(path, 5)
		os.Remove(path)
		if err != nil {
			return 0, 0, 0, secs, err
		}
		secs += 5 * t
		nodes[i], overflow[i], elements[i] = counts.nodes, counts.overflow, counts.elements
		ts[i] = max(t-counts.bytes*populatePerByte, 0)
	}
	perNode, perOverflow, perElem = solveThree(nodes, overflow, elements, ts)
	return perNode, perOverflow, perElem, secs, nil
}

// writeOpenShape writes a bbolt file of sh as etcd's backend writes its
// key bucket (writeScratchDB: sequential revision keys, fill percent 0.9
// as in UnsafeSeqPut, freelist not synced) and counts its pages and
// elements.
func writeOpenShape(path string, sh openShape) (openCounts, error) {
	os.Remove(path)
	if _, err := writeScratchDB(path, sh.keys, sh.valueLen); err != nil {
		return openCounts{}, err
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		return openCounts{}, err
	}
	var st bolt.BucketStats
	err = db.View(func(tx *bolt.Tx) error {
		st = tx.Bucket([]byte("key")).Stats()
		return nil
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return openCounts{}, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return openCounts{}, err
	}
	// The root bucket's leaf (one element, the "key" bucket) beside the
	// bucket's own nodes; every node but the bucket's root is one
	// element of a branch.
	nodes := float64(st.BranchPageN+st.LeafPageN) + 1
	return openCounts{
		nodes:    nodes,
		overflow: float64(st.BranchOverflowN + st.LeafOverflowN),
		elements: float64(st.KeyN) + nodes - 1,
		bytes:    float64(fi.Size()),
	}, nil
}

// timeOpen is the median of runs timed Opens of path with etcd's options
// (the file was just written, so it is in the page cache, as a warm
// restart finds it).
func timeOpen(path string, runs int) (float64, error) {
	var ts []float64
	for range runs {
		start := time.Now()
		db, err := bolt.Open(path, 0o600, etcdBoltOptions())
		d := time.Since(start).Seconds()
		if err != nil {
			return 0, fmt.Errorf("opening %s as etcd does: %w", path, err)
		}
		if err := db.Close(); err != nil {
			return 0, err
		}
		ts = append(ts, d)
	}
	slices.Sort(ts)
	return ts[len(ts)/2], nil
}

// etcdBoltOptions are the bbolt options etcd's backend opens its db with
// (server/storage/backend/backend.go, config_linux.go): a 10 GiB initial
// mmap, the hashmap freelist, no freelist in the file, and MAP_POPULATE
// on Linux (etcdMmapFlags).
func etcdBoltOptions() *bolt.Options {
	o := &bolt.Options{
		NoFreelistSync: true,
		FreelistType:   bolt.FreelistMapType,
		MmapFlags:      etcdMmapFlags,
	}
	if math.MaxInt > 1<<32 {
		o.InitialMmapSize = 10 << 30
	}
	return o
}
