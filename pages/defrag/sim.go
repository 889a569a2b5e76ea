package defrag

import (
	"fmt"
	"sort"

	"github.com/dbinspect/dbinspect/pages"
)

// Constants of etcd's defrag (server/storage/backend/backend.go defragdb,
// identical in 3.5, 3.6 and 3.7) and of bbolt's page layout.
const (
	// commitEvery is etcd's defragLimit: the temporary db commits
	// after this many puts (the first tx holds it, later ones one more).
	commitEvery = 10000
	// DefragFillPercent is what etcd sets on every bucket it copies.
	DefragFillPercent = 0.9

	simPageHeader   = 16
	simElementSize  = 16
	simBucketHeader = 16
	simMinKeys      = 2
	simRootFill     = 0.5      // bbolt's DefaultFillPercent, kept by the root bucket
	simAllocSize    = 16 << 20 // bbolt DefaultAllocSize: file growth step
	simMmapStep     = 1 << 30
)

// Options tunes Simulate. The zero value is etcd's defrag.
type Options struct {
	// FillPercent for every copied bucket; 0 means 0.9 (etcd).
	FillPercent float64
	// CommitEvery puts; 0 means 10000 (etcd).
	CommitEvery int
	// Keep, when set, drops the pairs it returns false for, e.g. the
	// revisions a compaction would remove. k and v are only valid during
	// the call.
	Keep func(bucket string, k, v []byte) bool
	// KeepKey is Keep for a filter that decides from the key alone; it
	// lets the simulation of a *File (a LengthReader) go
	// without values. It applies when
	// Keep is nil. k is only valid during the call.
	KeepKey func(bucket string, k []byte) bool
}

// Bucket is the simulated shape of one copied bucket.
type Bucket struct {
	Name        string `json:"name"`
	Pairs       int64  `json:"pairs"`
	Inline      bool   `json:"inline"`
	LeafPages   uint64 `json:"leaf_pages"` // including overflow pages
	BranchPages uint64 `json:"branch_pages"`
	Depth       int    `json:"depth"`
}

// Result is the predicted outcome of etcd's defrag.
type Result struct {
	PageSize      int      `json:"page_size"`
	HighWaterPgid uint64   `json:"high_water_pgid"`
	DbSizeBytes   int64    `json:"db_size_bytes"` // etcd's DbSize after defrag: pgid x page size
	FileBytes     int64    `json:"file_bytes"`    // size on disk, by bbolt's growth rule
	FreePages     uint64   `json:"free_pages"`    // free and pending after the last commit
	Commits       int      `json:"commits"`       // bbolt transactions the copy takes
	Pairs         int64    `json:"pairs"`         // pairs copied
	Buckets       []Bucket `json:"buckets"`       // in copy order
	Model         string   `json:"model"`         // what was simulated
	Assumptions   []string `json:"assumptions"`   // what it takes for granted
}

// Simulate predicts the db etcd's defrag would write from the pairs r
// yields, without writing anything: it replays defragdb's puts (bucket by
// bucket, in key order, a commit every 10000 puts) through bbolt's node
// split and spill rules, its array freelist (which the temporary db uses)
// and its mmap and file growth rules. Only key and value lengths are used.
func Simulate(r pages.KVReader, pageSize int, opts Options) (*Result, error) {
	res, err := SimulateAll(r, pageSize, opts)
	if err != nil {
		return nil, err
	}
	return res[0], nil
}

// SimulateAll runs one Simulate per options from a single read
// of the pairs: each pair is read once and offered to every simulation.
func SimulateAll(r pages.KVReader, pageSize int, opts ...Options) ([]*Result, error) {
	if pageSize < 1024 || pageSize > 1<<20 || pageSize&(pageSize-1) != 0 {
		return nil, fmt.Errorf("defrag simulation: page size %d is not a power of two between 1 KiB and 1 MiB", pageSize)
	}
	if len(opts) == 0 {
		opts = []Options{{}}
	}
	opts = append([]Options(nil), opts...)
	for i := range opts {
		if opts[i].FillPercent == 0 {
			opts[i].FillPercent = DefragFillPercent
		}
		if opts[i].CommitEvery <= 0 {
			opts[i].CommitEvery = commitEvery
		}
	}
	names, err := r.BucketNames()
	if err != nil {
		return nil, fmt.Errorf("defrag simulation: listing buckets: %w", err)
	}
	if !sort.StringsAreSorted(names) {
		names = append([]string(nil), names...)
		sort.Strings(names)
	}
	sims := make([]*simRun, len(opts))
	for i, o := range opts {
		sims[i] = &simRun{db: newSimDB(pageSize, o.FillPercent), opts: o}
		sims[i].db.begin()
	}
	// Only lengths matter, unless a filter needs the values.
	f, lengthOnly := r.(pages.LengthReader)
	for _, o := range opts {
		lengthOnly = lengthOnly && o.Keep == nil
	}
	for _, name := range names {
		for _, s := range sims {
			s.bucket = s.db.createBucket(name)
		}
		var err error
		if lengthOnly {
			err = f.ForEachLen(name, func(k []byte, vlen int) error {
				for _, s := range sims {
					s.put(name, k, nil, vlen)
				}
				return nil
			})
		} else {
			err = r.ForEach(name, func(k, v []byte) error {
				for _, s := range sims {
					s.put(name, k, v, len(v))
				}
				return nil
			})
		}
		if err != nil {
			// A damaged bucket makes any size prediction wrong: say so
			// rather than predict from part of the data.
			return nil, fmt.Errorf("defrag simulation: reading bucket %q: %w", name, err)
		}
	}
	out := make([]*Result, len(sims))
	for i, s := range sims {
		s.db.commit()
		out[i] = s.db.result(s.opts)
	}
	return out, nil
}

// simRun is one simulation of SimulateAll.
type simRun struct {
	db     *simDB
	opts   Options
	bucket *simBucket
	count  int // puts in the open transaction
}

func (s *simRun) put(name string, k, v []byte, vlen int) {
	switch {
	case s.opts.Keep != nil:
		if !s.opts.Keep(name, k, v) {
			return
		}
	case s.opts.KeepKey != nil:
		if !s.opts.KeepKey(name, k) {
			return
		}
	}
	s.count++
	if s.count > s.opts.CommitEvery {
		s.db.commit()
		s.db.begin()
		s.count = 0
	}
	s.db.put(s.bucket, len(k), vlen)
}

// simInode is one element of a node: its page element size and key length.
type simInode struct{ size, keyLen int }

// simNode is the rightmost node of one tree level, the only node of that
// level etcd's in-order copy ever touches again.
type simNode struct {
	inodes []simInode
	pgid   uint64
	pages  uint64
}

type simLevel struct {
	open        simNode
	closedPages uint64 // pages of the nodes left behind
}

type simBucket struct {
	name   string
	pairs  int64
	inline bool
	dirty  bool
	levels []*simLevel // levels[0] holds leaves; the last level is the root
}

// simPage is a run of pages owned by a node.
type simPage struct{ pgid, pages uint64 }

type simDB struct {
	ps         int
	fill       float64
	highWater  uint64
	free       []uint64 // sorted free ids (array freelist)
	pending    []uint64
	datasz     int64
	filesz     int64
	commits    int
	buckets    []*simBucket
	byName     map[string]*simBucket
	rootPages  []simPage // pages of the root bucket's tree
	freelistPg uint64    // 0 once freed
}

func newSimDB(ps int, fill float64) *simDB {
	s := &simDB{ps: ps, fill: fill, highWater: 4, byName: map[string]*simBucket{}}
	// bbolt init: metas 0 and 1, freelist page 2, empty root leaf 3.
	s.freelistPg = 2
	s.rootPages = []simPage{{pgid: 3, pages: 1}}
	s.filesz = int64(4 * ps)
	s.datasz = simMmapSize(s.filesz, ps)
	return s
}

func (s *simDB) begin() {
	if len(s.pending) == 0 {
		return
	}
	s.free = append(s.free, s.pending...)
	sort.Slice(s.free, func(i, j int) bool { return s.free[i] < s.free[j] })
	s.pending = s.pending[:0]
}

func (s *simDB) release(p simPage) {
	for i := uint64(0); i < p.pages; i++ {
		s.pending = append(s.pending, p.pgid+i)
	}
}

// allocate follows bbolt's array freelist (first run of n ids, lowest
// first), then the high-water mark with mmap growth.
func (s *simDB) allocate(n uint64) uint64 {
	var initial, prev uint64
	for i, id := range s.free {
		if prev == 0 || id-prev != 1 {
			initial = id
		}
		if id-initial+1 == n {
			start := i + 1 - int(n)
			s.free = append(s.free[:start], s.free[i+1:]...)
			return initial
		}
		prev = id
	}
	id := s.highWater
	if minsz := int64(id+n+1) * int64(s.ps); minsz >= s.datasz {
		s.datasz = simMmapSize(max(s.filesz, minsz), s.ps)
	}
	s.highWater += n
	return id
}

func (s *simDB) createBucket(name string) *simBucket {
	b := &simBucket{name: name, inline: true, levels: []*simLevel{{}}}
	s.buckets = append(s.buckets, b)
	s.byName[name] = b
	return b
}

func (s *simDB) put(b *simBucket, kLen, vLen int) {
	lv := b.levels[0]
	lv.open.inodes = append(lv.open.inodes, simInode{size: simElementSize + kLen + vLen, keyLen: kLen})
	b.pairs++
	b.dirty = true
}

func simNodeBytes(in []simInode) int {
	sz := simPageHeader
	for _, e := range in {
		sz += e.size
	}
	return sz
}

func (s *simDB) pagesFor(in []simInode) uint64 {
	return uint64((simNodeBytes(in) + s.ps - 1) / s.ps)
}

// split cuts a node the way bbolt's node.split does: greedy from the left,
// a piece ends before the element that would pass pageSize x fill, every
// piece keeps at least two elements, and a node under a page stays whole.
func simSplit(in []simInode, ps int, fill float64) [][]simInode {
	fill = min(max(fill, 0.1), 1.0)
	threshold := int(float64(ps) * fill)
	var out [][]simInode
	// The remaining bytes are kept as a running total: recomputing them
	// for every piece made a commit quadratic in its puts.
	total := simNodeBytes(in)
	for {
		if len(in) <= 2*simMinKeys || total < ps {
			return append(out, in)
		}
		idx, sz := 0, simPageHeader
		for i := 0; i < len(in)-simMinKeys; i++ {
			idx = i
			if i >= simMinKeys && sz+in[i].size > threshold {
				break
			}
			sz += in[i].size
		}
		out = append(out, in[:idx])
		for _, e := range in[:idx] {
			total -= e.size
		}
		in = in[idx:]
	}
}

// spillBucket writes a touched bucket at commit, as bbolt's Bucket.spill
// and node.spill do: inline if it fits a quarter page, otherwise its
// rightmost path (the only nodes an in-order copy touches), leaves first,
// freeing each node's old pages and splitting it into new ones.
func (s *simDB) spillBucket(b *simBucket) {
	leaf := &b.levels[0].open
	if len(b.levels) == 1 && simNodeBytes(leaf.inodes) <= s.ps/4 {
		if leaf.pgid != 0 {
			s.release(simPage{leaf.pgid, leaf.pages})
			leaf.pgid, leaf.pages = 0, 0
		}
		b.inline = true
		return
	}
	b.inline = false
	for l := 0; l < len(b.levels); l++ {
		lv := b.levels[l]
		pieces := simSplit(lv.open.inodes, s.ps, s.fill)
		if lv.open.pgid != 0 {
			s.release(simPage{lv.open.pgid, lv.open.pages})
		}
		ids := make([]simPage, len(pieces))
		for i, p := range pieces {
			n := s.pagesFor(p)
			ids[i] = simPage{s.allocate(n), n}
		}
		for _, p := range ids[:len(ids)-1] {
			lv.closedPages += p.pages
		}
		if len(pieces) > 1 {
			if l == len(b.levels)-1 {
				// The root split: bbolt adds a parent holding every piece.
				parent := &simLevel{}
				for _, p := range pieces {
					parent.open.inodes = append(parent.open.inodes, simInode{size: simElementSize + p[0].keyLen, keyLen: p[0].keyLen})
				}
				b.levels = append(b.levels, parent)
			} else {
				parent := &b.levels[l+1].open
				for _, p := range pieces[1:] {
					parent.inodes = append(parent.inodes, simInode{size: simElementSize + p[0].keyLen, keyLen: p[0].keyLen})
				}
			}
		}
		// The last piece stays open. It moves to the front of the node's
		// own buffer (the pieces are parts of it, done with by now), so the
		// next commit's puts append without growing a new slice.
		last := pieces[len(pieces)-1]
		lv.open = simNode{inodes: append(lv.open.inodes[:0], last...), pgid: ids[len(ids)-1].pgid, pages: ids[len(ids)-1].pages}
	}
}

func (b *simBucket) valueBytes() int {
	if !b.inline {
		return simBucketHeader
	}
	return simBucketHeader + simNodeBytes(b.levels[0].open.inodes)
}

// spillRoot rewrites the root bucket. It is kept whole (every etcd db has a
// few dozen buckets at most), split at bbolt's default fill of 0.5.
func (s *simDB) spillRoot() {
	for _, p := range s.rootPages {
		s.release(p)
	}
	s.rootPages = s.rootPages[:0]
	names := make([]string, 0, len(s.buckets))
	for _, b := range s.buckets {
		names = append(names, b.name)
	}
	sort.Strings(names)
	level := make([]simInode, 0, len(names))
	for _, n := range names {
		level = append(level, simInode{size: simElementSize + len(n) + s.byName[n].valueBytes(), keyLen: len(n)})
	}
	for {
		pieces := simSplit(level, s.ps, simRootFill)
		for _, p := range pieces {
			n := s.pagesFor(p)
			s.rootPages = append(s.rootPages, simPage{s.allocate(n), n})
		}
		if len(pieces) == 1 {
			return
		}
		level = level[:0:0]
		for _, p := range pieces {
			level = append(level, simInode{size: simElementSize + p[0].keyLen, keyLen: p[0].keyLen})
		}
	}
}

func (s *simDB) commit() {
	opgid := s.highWater
	for _, b := range s.buckets {
		if b.dirty {
			s.spillBucket(b)
			b.dirty = false
		}
	}
	s.spillRoot()
	if s.freelistPg != 0 {
		s.release(simPage{s.freelistPg, 1})
		s.freelistPg = 0
	}
	if s.highWater > opgid {
		s.grow(int64(s.highWater+1) * int64(s.ps))
	}
	s.commits++
}

// grow follows bbolt's DB.grow: the file is the mmap size while that is at
// most 16 MiB, afterwards the needed size plus 16 MiB.
func (s *simDB) grow(sz int64) {
	if sz <= s.filesz {
		return
	}
	if s.datasz <= simAllocSize {
		sz = s.datasz
	} else {
		sz += simAllocSize
	}
	s.filesz = sz
}

// mmapSize is bbolt's DB.mmapSize: powers of two from 32 KiB to 1 GiB, then
// whole GiBs rounded to the page size.
func simMmapSize(size int64, ps int) int64 {
	for i := uint(15); i <= 30; i++ {
		if size <= 1<<i {
			return 1 << i
		}
	}
	if r := size % simMmapStep; r > 0 {
		size += simMmapStep - r
	}
	if size%int64(ps) != 0 {
		size = (size/int64(ps) + 1) * int64(ps)
	}
	return size
}

func (s *simDB) result(opts Options) *Result {
	res := &Result{
		PageSize:      s.ps,
		HighWaterPgid: s.highWater,
		DbSizeBytes:   int64(s.highWater) * int64(s.ps),
		FileBytes:     s.filesz,
		FreePages:     uint64(len(s.free) + len(s.pending)),
		Commits:       s.commits,
		Model: fmt.Sprintf("replay of etcd's defragdb into bbolt's node split/spill rules: buckets in name order, keys in order, "+
			"FillPercent %.2f, a commit every %d puts, array freelist, inline buckets up to a quarter page, bbolt's mmap and file growth", opts.FillPercent, opts.CommitEvery),
		Assumptions: []string{
			"the page size of the defragmented db equals the source's (etcd creates the temporary db with the OS page size, 4096 on Linux amd64/arm64)",
			"the root bucket is rewritten whole at each commit (bbolt rewrites only the touched path; differs only when the root bucket spans several pages)",
			"nested buckets are not copied (etcd has none)",
			"bbolt 1.3.x (etcd 3.4 and 3.5), 1.4.x (3.6) and 1.5.x (3.7) split and allocate alike for this append-only copy",
		},
	}
	for _, b := range s.buckets {
		res.Pairs += b.pairs
		db := Bucket{Name: b.name, Pairs: b.pairs, Inline: b.inline}
		if !b.inline {
			db.Depth = len(b.levels)
			for i, lv := range b.levels {
				p := lv.closedPages + lv.open.pages
				if i == 0 {
					db.LeafPages = p
				} else {
					db.BranchPages += p
				}
			}
		}
		res.Buckets = append(res.Buckets, db)
	}
	return res
}
