package mvcc

// Summary is everything Scan learned from an etcd db. It holds sizes,
// counts, revisions and key names (hashed when Options.RedactKeys is set),
// never a stored value.
type Summary struct {
	// Revision is the revision etcd resumes at after restore: the main
	// revision of the last entry of the key bucket, raised to the finished
	// and scheduled compaction revisions (kvstore.go restore).
	Revision int64 `json:"revision"`
	// LastStoredRevision is the main revision of the last key of the key
	// bucket (what etcdutl prints); 0 when the bucket is empty.
	LastStoredRevision       int64  `json:"last_stored_revision"`
	CompactRevision          int64  `json:"compact_revision"`
	ScheduledCompactRevision int64  `json:"scheduled_compact_revision"`
	ConsistentIndex          uint64 `json:"consistent_index"`
	Term                     uint64 `json:"term"`
	StorageVersion           string `json:"storage_version"`
	Meta                     Meta   `json:"meta"`
	// WrittenBy is the etcd minor release that wrote the file ("3.4",
	// "3.5", "3.6", ...), from meta's markers and the cluster version; ""
	// when they do not say (no meta bucket, or 3.3 and older).
	WrittenBy string `json:"written_by"`

	TotalRevisions uint64 `json:"total_revisions"`
	Tombstones     uint64 `json:"tombstones"`
	// LiveKeys are keys whose latest revision is a put (etcd's count-only
	// Range at the current revision); DeletedKeys are the others.
	LiveKeys            uint64       `json:"live_keys"`
	DeletedKeys         uint64       `json:"deleted_keys"`
	MultiGenerationKeys uint64       `json:"multi_generation_keys"`
	RevisionsPerKey     Distribution `json:"revisions_per_key"`

	// RevisionsPerKeyHistogram groups keys by their revision count in
	// power-of-two buckets (1, 2-3, 4-7, ...) up to the largest count,
	// empty buckets included.
	RevisionsPerKeyHistogram []CountBucket `json:"revisions_per_key_histogram"`

	KeyBucketBytes      uint64           `json:"key_bucket_bytes"` // Σ bucket key + value bytes
	LiveBytes           uint64           `json:"live_bytes"`       // of the latest revision of live keys
	HistoryBytes        uint64           `json:"history_bytes"`    // every other revision
	LargestValueBytes   uint64           `json:"largest_value_bytes"`
	TopKeys             TopKeys          `json:"top_keys"`
	Compaction          CompactionWhatIf `json:"compaction"`
	Prefixes            []PrefixStat     `json:"prefixes"`
	PrefixesByNamespace []PrefixStat     `json:"prefixes_by_namespace,omitempty"`
	// Kube describes the live /registry/ objects by value class; nil when
	// the db has none (or Options.K8s is off).
	Kube           *KubeSummary     `json:"kubernetes,omitempty"`
	Index          IndexShape       `json:"index"`
	Restore        RestoreWork      `json:"restore"`
	RaftTail       []RaftWindow     `json:"raft_tail"`
	Leases         LeaseSummary     `json:"leases"`
	Auth           AuthSummary      `json:"auth"`
	Members        []Member         `json:"members"`
	RemovedMembers []string         `json:"removed_members"`
	Cluster        ClusterInfo      `json:"cluster"`
	Alarms         []Alarm          `json:"alarms"`
	Buckets        []BucketStat     `json:"buckets"`
	UnknownBuckets []string         `json:"unknown_buckets"`
	Etcdutl        EtcdutlStatus    `json:"etcdutl"`
	Malformed      MalformedEntries `json:"malformed"`
	ReadErrors     []string         `json:"read_errors,omitempty"`
	// Filter is what Options.Filter matched; nil without a filter.
	Filter  *FilterStat `json:"filter,omitempty"`
	Notes   []string    `json:"notes,omitempty"`
	Options Options     `json:"-"`
	// LiveKeySet is set when Options.LiveKeySet asks for it; it is never
	// written out (it holds key hashes, for comparing two scans in one
	// process).
	LiveKeySet *LiveKeySet `json:"-"`
	// RestoreOrder is set when Options.RestoreOrder asks for it (and the
	// order could be held); it is never written out.
	RestoreOrder *RestoreOrder `json:"-"`
}

// Distribution is a nearest-rank percentile summary.
type Distribution struct {
	P50 uint64 `json:"p50"`
	P90 uint64 `json:"p90"`
	P99 uint64 `json:"p99"`
	Max uint64 `json:"max"`
}

// CountBucket is one bucket of a histogram of counts: Keys keys have
// between Min and Max revisions (inclusive) and hold Revisions in all.
type CountBucket struct {
	Min       uint64 `json:"min"`
	Max       uint64 `json:"max"`
	Keys      uint64 `json:"keys"`
	Revisions uint64 `json:"revisions"`
}

// KeyStat describes one key. Version, CreateRevision and ModRevision are
// what etcd's Get would answer (zero for a deleted key).
type KeyStat struct {
	Key string `json:"key"`
	// KeyB64 is the key's exact bytes when they are not valid UTF-8:
	// JSON would turn each bad byte of Key into U+FFFD, so two keys could
	// print the same.
	KeyB64         string `json:"key_b64,omitempty"`
	Live           bool   `json:"live"`
	Revisions      uint64 `json:"revisions"`
	Generations    uint64 `json:"generations"`
	Version        int64  `json:"version"`
	CreateRevision int64  `json:"create_revision"`
	ModRevision    int64  `json:"mod_revision"`
	Lease          int64  `json:"lease,omitempty"`
	ValueBytes     uint64 `json:"value_bytes"`
	TotalBytes     uint64 `json:"total_bytes"`
	HistoryBytes   uint64 `json:"history_bytes"`
}

// TopKeys ranks keys; each list holds at most Options.TopN keys.
type TopKeys struct {
	ByRevisions    []KeyStat `json:"by_revisions"`
	ByHistoryBytes []KeyStat `json:"by_history_bytes"`
	ByValueBytes   []KeyStat `json:"by_value_bytes"`
	// ByValueTimesRevisions ranks by latest value size × revisions: large
	// values rewritten often are what fills the raft log.
	ByValueTimesRevisions []KeyStat `json:"by_value_times_revisions"`
}

// CompactionWhatIf is what an etcd compaction at Revision would delete
// from the key bucket. Bytes are bucket key + value bytes; the file only
// shrinks after a defrag.
type CompactionWhatIf struct {
	Revision         int64  `json:"revision"`
	RemovedRevisions uint64 `json:"removed_revisions"`
	RemovedBytes     uint64 `json:"removed_bytes"`
	// ScannedRevisions are the revisions at or below Revision, which
	// etcd's compaction walks in batches of 1000.
	ScannedRevisions uint64 `json:"scanned_revisions"`
}

// PrefixStat aggregates the keys under one prefix.
type PrefixStat struct {
	Prefix       string `json:"prefix"`
	PrefixB64    string `json:"prefix_b64,omitempty"` // exact bytes when Prefix is not valid UTF-8
	Resource     string `json:"resource,omitempty"`   // Kubernetes resource, e.g. "pods" or "cert-manager.io/certificates"
	Namespace    string `json:"namespace,omitempty"`  // Kubernetes namespace, "" when cluster scoped or unknown
	Keys         uint64 `json:"keys"`
	LiveKeys     uint64 `json:"live_keys"`
	Revisions    uint64 `json:"revisions"`
	LiveBytes    uint64 `json:"live_bytes"`
	HistoryBytes uint64 `json:"history_bytes"`
	// Share is (live + history bytes) over all key bucket bytes; ShareOfFile
	// divides by Options.DataSize when given (page overhead not counted).
	Share       float64 `json:"share"`
	ShareOfFile float64 `json:"share_of_file,omitempty"`

	kube kubeTally // live Kubernetes objects by value class (kube.go)
}

// IndexShape is the shape of etcd's in-memory treeIndex after restore
// (the same in 3.5 and 3.6). Alloc figures use Go's size classes.
type IndexShape struct {
	Keys uint64 `json:"keys"`
	// KeyAllocBytes is Σ size-class rounding of len(key): the key slice is
	// the fresh copy gogo's Unmarshal makes.
	KeyAllocBytes uint64 `json:"key_alloc_bytes"`
	Generations   uint64 `json:"generations"`
	// GenerationAllocBytes is Σ cap(generations) × 48 with append's caps.
	GenerationAllocBytes uint64 `json:"generation_alloc_bytes"`
	// RevisionAllocBytes is Σ over generations of cap(revs) × 16.
	RevisionAllocBytes uint64 `json:"revision_alloc_bytes"`
}

// RestoreWork is what etcd's restore reads and builds at startup.
type RestoreWork struct {
	Revisions  uint64 `json:"revisions"`
	KeyBytes   uint64 `json:"key_bytes"`   // Σ len(kv.Key) over all revisions
	ValueBytes uint64 `json:"value_bytes"` // Σ len(kv.Value) over all revisions
	Tombstones uint64 `json:"tombstones"`
	// IgnoredTombstones are deletes of an already deleted key, which etcd
	// logs ("tombstone encountered error") and skips.
	IgnoredTombstones uint64 `json:"ignored_tombstones"`
	// LeasedKeys are keys whose latest revision names a lease: etcd
	// attaches each one to its lease after restore.
	LeasedKeys uint64 `json:"leased_keys"`
	// LeasedKeyAllocBytes is what the leased keys' names take on Go's heap
	// as the lessor holds them: one string a key (restoreChunk's
	// string(kv.Key)) in its size class.
	LeasedKeyAllocBytes uint64 `json:"leased_key_alloc_bytes"`
	// UnfinishedCompaction is set when scheduled > finished compaction:
	// etcd re-runs that compaction right after startup.
	UnfinishedCompaction bool              `json:"unfinished_compaction"`
	Rerun                *CompactionWhatIf `json:"rerun,omitempty"`
}

// RaftWindow is the payload of the newest Entries main revisions.
type RaftWindow struct {
	Entries      int    `json:"entries"`
	Available    int    `json:"available"` // fewer when the bucket has fewer main revisions
	PayloadBytes uint64 `json:"payload_bytes"`
}

// BucketStat counts one root bucket.
type BucketStat struct {
	Name       string `json:"name"`
	Keys       uint64 `json:"keys"`
	KeyBytes   uint64 `json:"key_bytes"`
	ValueBytes uint64 `json:"value_bytes"`
	Known      bool   `json:"known"` // a bucket etcd creates
}

// EtcdutlStatus is what `etcdutl snapshot status` prints for the file.
type EtcdutlStatus struct {
	Hash     uint32 `json:"hash"`
	Revision int64  `json:"revision"`
	// TotalKeys is 3.6+'s count (user keys whose last revision is a put);
	// TotalKeysV35 is 3.4/3.5's (every pair of every bucket).
	TotalKeys    uint64 `json:"total_keys"`
	TotalKeysV35 uint64 `json:"total_keys_v3_5"`
	// TotalSize is bbolt's tx.Size(): high-water mark × page size, taken
	// from Options.DataSize (0 when the caller did not give it).
	TotalSize int64  `json:"total_size"`
	Version   string `json:"version,omitempty"`
	// Why says why Revision differs from Summary.Revision, if it does.
	Why string `json:"why,omitempty"`
}

// MalformedEntries counts key-bucket entries etcd could not restore.
type MalformedEntries struct {
	Count uint64 `json:"count"`
	// First lists up to 20 of them with their position.
	First []MalformedEntry `json:"first,omitempty"`
}

// MalformedEntry locates one bad entry: Index is its 0-based position in
// the key bucket, BucketKey the hex of its (revision) key, Page the leaf
// page that holds it when the reader can tell (0: unknown).
type MalformedEntry struct {
	Index     uint64 `json:"index"`
	BucketKey string `json:"bucket_key_hex"`
	Page      uint64 `json:"page,omitempty"`
	Reason    string `json:"reason"`

	key []byte // the bucket key, for locating its page after the scan
}
