package pages

import (
	"fmt"
)

// AnalyzeOptions tune Analyze.
type AnalyzeOptions struct {
	// PageMap asks for a per-page map (kind and owning bucket of every
	// page), 5 bytes per page of the file.
	PageMap bool
	// Progress, if set, is called now and then with the bytes walked so far
	// and the bytes the walk will cover.
	Progress func(doneBytes, totalBytes int64)
	// Visit, if set, is called for every branch and leaf node read, in
	// the order read.
	Visit func(PageInfo)
}

// PageInfo describes one branch or leaf node as the walk read it.
type PageInfo struct {
	ID       uint64
	Kind     PageKind // KindBranch or KindLeaf
	Bucket   int      // index in Analysis.Buckets (its Path is the owner)
	Depth    int      // 0 at the bucket's root
	Overflow uint32
	Count    int // elements
	// UsedBytes = HeaderBytes + ElementBytes + KeyBytes + ValueBytes: the
	// page header, the element table, and the key and value bytes.
	UsedBytes, HeaderBytes, ElementBytes, KeyBytes, ValueBytes int64
	// FreeBytes is the rest of the node's pages: (1 + Overflow) × page
	// size - UsedBytes.
	FreeBytes int64
}

// Analysis is everything Analyze learnt about a file: the census, buckets,
// free pages and the problems of the structural check.
type Analysis struct {
	File     FileReport     `json:"file"`
	Meta     MetaReport     `json:"meta"`
	Pages    PageCensus     `json:"pages"`
	Buckets  []BucketStats  `json:"buckets"`
	Freelist FreelistReport `json:"freelist"`
	// Truncation is set when the file ends before the high-water mark.
	Truncation    *Truncation   `json:"truncation,omitempty"`
	Problems      []Problem     `json:"problems"`
	ProblemCounts ProblemCounts `json:"problem_counts"`
	// Complete is false when part of the file could not be read: then
	// figures cover only what was read and the free set may include pages of
	// unreadable subtrees.
	Complete bool `json:"complete"`

	// Free are the free page runs: ids in [2, high-water) that nothing
	// reaches, sorted and merged.
	Free []Span `json:"-"`
	// PageMap is set when AnalyzeOptions.PageMap was.
	PageMap *PageMap `json:"-"`
}

// FileReport describes the file as a whole.
type FileReport struct {
	SizeBytes  int64           `json:"size_bytes"`  // whole file on disk
	BboltBytes int64           `json:"bbolt_bytes"` // without a snapshot trailer
	PageSize   int             `json:"page_size"`
	Snapshot   SnapshotTrailer `json:"snapshot"`
}

// MetaReport is the chosen meta and the status of both.
type MetaReport struct {
	Meta
	FreelistPersisted bool          `json:"freelist_persisted"`
	Used              uint64        `json:"used_page_id"` // 0 or 1
	Metas             [2]MetaStatus `json:"metas"`
}

// PageCensus counts pages by what they hold.
type PageCensus struct {
	// Total is the number of whole pages in the file (bbolt part).
	Total  int64      `json:"total"`
	ByType PageCounts `json:"by_type"`
	// TailBytes is a partial page at the end of the file, if any.
	TailBytes int64 `json:"tail_bytes"`
	// HighWaterBytes is meta.pgid × page size: etcd's DbSize, bbolt's tx.Size().
	HighWaterBytes int64 `json:"high_water_bytes"`
	// FreeBytes is FreePageN × page size as bbolt counts it at open: the
	// persisted list's length if there is one, else the computed free pages.
	FreeBytes int64 `json:"free_bytes"`
	// InUseBytes is etcd's DbSizeInUse for this file: HighWaterBytes -
	// FreeBytes. A running etcd reports slightly more: pages freed by its
	// last commits are still pending there and count as in use.
	InUseBytes int64 `json:"in_use_bytes"`
	// Reachable are the branch, leaf and overflow pages of all trees.
	Reachable int64 `json:"reachable"`
	// Elements are the branch and leaf elements on those pages: the work
	// bbolt's freepages() walk does at open when no freelist is persisted.
	Elements int64 `json:"elements"`
	// RunLengths counts tree nodes by their length in pages (1 + overflow):
	// the allocation sizes this db needs.
	RunLengths map[uint64]int64 `json:"run_lengths"`
}

// PageCounts counts pages by kind. Meta through Unallocated and Unreadable
// add up to PageCensus.Total; Missing are pages below the high-water mark
// that lie past the end of a truncated file.
type PageCounts struct {
	Meta        int64 `json:"meta"`
	Freelist    int64 `json:"freelist"`
	Branch      int64 `json:"branch"`
	Leaf        int64 `json:"leaf"`
	Overflow    int64 `json:"overflow"`
	Free        int64 `json:"free"`
	Unallocated int64 `json:"unallocated"` // at or past the high-water mark
	Unreadable  int64 `json:"unreadable"`  // referenced but damaged
	Missing     int64 `json:"missing"`
}

// Sum is the number of pages in the file that the counts cover.
func (c PageCounts) Sum() int64 {
	return c.Meta + c.Freelist + c.Branch + c.Leaf + c.Overflow + c.Free + c.Unallocated + c.Unreadable
}

// BucketStats are one bucket's own figures, without its nested buckets
// (add those through Parent to get bbolt's Bucket.Stats).
type BucketStats struct {
	Name string `json:"name"` // path joined with "/"; "" for the root tree
	// NameB64 is Name's exact bytes when they are not valid UTF-8 (JSON
	// would turn each bad byte into U+FFFD).
	NameB64 string   `json:"name_b64,omitempty"`
	Path    []string `json:"path,omitempty"` // names from the root-level bucket down
	Parent  int      `json:"parent"`         // index in Analysis.Buckets, -1 for the root tree
	IsRoot  bool     `json:"root,omitempty"` // the tree that holds the root-level buckets
	// RootPage is 0 for an inline bucket.
	RootPage uint64 `json:"root_pgid"`
	Inline   bool   `json:"inline"`
	// Keys counts leaf elements, nested bucket entries included (as bbolt's KeyN).
	Keys             int64 `json:"keys"`
	SubBuckets       int64 `json:"sub_buckets"`
	InlineSubBuckets int64 `json:"inline_sub_buckets"`
	Depth            int   `json:"depth"`
	BranchPages      int64 `json:"branch_pages"`
	LeafPages        int64 `json:"leaf_pages"`
	OverflowPages    int64 `json:"overflow_pages"`
	BranchOverflow   int64 `json:"branch_overflow_pages"`
	LeafOverflow     int64 `json:"leaf_overflow_pages"`
	// AllocBytes are the bytes of its pages; UsedBytes the bytes holding
	// headers, elements, keys and values (for an inline bucket, its page
	// inside the parent's value).
	AllocBytes   int64   `json:"alloc_bytes"`
	UsedBytes    int64   `json:"used_bytes"`
	BranchUsed   int64   `json:"branch_used_bytes"`
	LeafUsed     int64   `json:"leaf_used_bytes"`
	KeyBytes     int64   `json:"key_bytes"`
	ValueBytes   int64   `json:"value_bytes"`
	FillRatio    float64 `json:"fill_ratio"` // UsedBytes / AllocBytes; 0 for inline
	MissingPages int64   `json:"missing_pages,omitempty"`
	// RunLengths counts this bucket's nodes by length in pages.
	RunLengths map[uint64]int64 `json:"run_lengths,omitempty"`
}

// Truncation describes a file that ends before its high-water mark.
type Truncation struct {
	ExpectedBytes   int64    `json:"expected_bytes"` // high-water mark × page size
	ActualBytes     int64    `json:"actual_bytes"`
	MissingBytes    int64    `json:"missing_bytes"`
	AffectedBuckets []string `json:"affected_buckets"`
}

// PageKind is what a page holds, for the page map.
type PageKind uint8

// Page kinds.
const (
	KindFree PageKind = iota
	KindMeta
	KindFreelist
	KindBranch
	KindLeaf
	KindOverflow
	KindUnallocated
	KindUnreadable
	numKinds
)

var kindNames = [numKinds]string{"free", "meta", "freelist", "branch", "leaf", "overflow", "unallocated", "unreadable"}

func (k PageKind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// PageMap has one entry per page below the high-water mark (and inside the
// file); the pages from len(Kinds) to Pages are the unallocated tail.
type PageMap struct {
	Kinds   []PageKind
	Buckets []int32 // index in Analysis.Buckets, -1 when none
	Pages   uint64  // whole pages in the file
}

// Kind is the kind of page id, KindUnallocated past the map.
func (m *PageMap) Kind(id uint64) PageKind {
	if id < uint64(len(m.Kinds)) {
		return m.Kinds[id]
	}
	return KindUnallocated
}

// Analyze walks every tree of the file once and returns the census, bucket
// figures, free pages and the problems found. It reads the file in
// ascending page order level by level, with memory proportional to the
// widest tree level plus one bit per page. Damage is reported in
// Analysis.Problems; the error is only for I/O failures.
func Analyze(f *File, opts AnalyzeOptions) (a *Analysis, err error) {
	defer f.Guard()(&err)
	w := newWalker(f, opts)
	defer w.rd.release()
	if err := w.run(); err != nil {
		return nil, err
	}
	return w.a, nil
}
