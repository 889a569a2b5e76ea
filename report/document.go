package report

// The JSON report's own types: each is a lower package's struct as the
// report writes it (docs/json-schema.md), copied field by field with the
// same JSON names (the member section's, from wal, in document_member.go).
// A field renamed, retyped or added in pages, mvcc, predict or wal does not
// reach the JSON until it is added here, so the schema
// changes only where report says so (TestSchemaDocumented checks each
// field is documented). Named string and number types become their
// underlying kinds: the JSON is the same.

import (
	"encoding/hex"

	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/pages"
	"github.com/dbinspect/dbinspect/pages/defrag"
	"github.com/dbinspect/dbinspect/pages/freelist"
	"github.com/dbinspect/dbinspect/report/predict"
)

// docFileReport is pages.FileReport as the JSON report writes it.
type docFileReport struct {
	SizeBytes  int64              `json:"size_bytes"`
	BboltBytes int64              `json:"bbolt_bytes"`
	PageSize   int                `json:"page_size"`
	Snapshot   docSnapshotTrailer `json:"snapshot"`
}

// docMetaReport is pages.MetaReport as the JSON report writes it.
type docMetaReport struct {
	docMeta
	FreelistPersisted bool             `json:"freelist_persisted"`
	Used              uint64           `json:"used_page_id"`
	Metas             [2]docMetaStatus `json:"metas"`
}

// docPageCensus is pages.PageCensus as the JSON report writes it.
type docPageCensus struct {
	Total          int64            `json:"total"`
	ByType         docPageCounts    `json:"by_type"`
	TailBytes      int64            `json:"tail_bytes"`
	HighWaterBytes int64            `json:"high_water_bytes"`
	FreeBytes      int64            `json:"free_bytes"`
	InUseBytes     int64            `json:"in_use_bytes"`
	Reachable      int64            `json:"reachable"`
	Elements       int64            `json:"elements"`
	RunLengths     map[uint64]int64 `json:"run_lengths"`
}

// docBucketStats is pages.BucketStats as the JSON report writes it.
type docBucketStats struct {
	Name             string           `json:"name"`
	NameB64          string           `json:"name_b64,omitempty"`
	Path             []string         `json:"path,omitempty"`
	Parent           int              `json:"parent"`
	IsRoot           bool             `json:"root,omitempty"`
	RootPage         uint64           `json:"root_pgid"`
	Inline           bool             `json:"inline"`
	Keys             int64            `json:"keys"`
	SubBuckets       int64            `json:"sub_buckets"`
	InlineSubBuckets int64            `json:"inline_sub_buckets"`
	Depth            int              `json:"depth"`
	BranchPages      int64            `json:"branch_pages"`
	LeafPages        int64            `json:"leaf_pages"`
	OverflowPages    int64            `json:"overflow_pages"`
	BranchOverflow   int64            `json:"branch_overflow_pages"`
	LeafOverflow     int64            `json:"leaf_overflow_pages"`
	AllocBytes       int64            `json:"alloc_bytes"`
	UsedBytes        int64            `json:"used_bytes"`
	BranchUsed       int64            `json:"branch_used_bytes"`
	LeafUsed         int64            `json:"leaf_used_bytes"`
	KeyBytes         int64            `json:"key_bytes"`
	ValueBytes       int64            `json:"value_bytes"`
	FillRatio        float64          `json:"fill_ratio"`
	MissingPages     int64            `json:"missing_pages,omitempty"`
	RunLengths       map[uint64]int64 `json:"run_lengths,omitempty"`
}

// docFreelistReport is pages.FreelistReport as the JSON report writes it.
type docFreelistReport struct {
	Persisted          bool   `json:"persisted"`
	PageID             uint64 `json:"page_id,omitempty"`
	Pages              int64  `json:"pages,omitempty"`
	Readable           bool   `json:"readable"`
	Listed             int64  `json:"listed"`
	ListedButReachable int64  `json:"listed_but_reachable"`
	Leaked             int64  `json:"leaked"`
	OutOfRange         int64  `json:"out_of_range"`
	Duplicates         int64  `json:"duplicates"`
}

// docTruncation is pages.Truncation as the JSON report writes it.
type docTruncation struct {
	ExpectedBytes   int64    `json:"expected_bytes"`
	ActualBytes     int64    `json:"actual_bytes"`
	MissingBytes    int64    `json:"missing_bytes"`
	AffectedBuckets []string `json:"affected_buckets"`
}

// docProblem is pages.Problem as the JSON report writes it.
type docProblem struct {
	Severity string `json:"severity"`
	Code     string `json:"code"`
	PageID   uint64 `json:"page_id"`
	Bucket   string `json:"bucket,omitempty"`
	Message  string `json:"message"`
}

// docProblemCounts is pages.ProblemCounts as the JSON report writes it.
type docProblemCounts struct {
	Errors   int64 `json:"errors"`
	Warnings int64 `json:"warnings"`
	Omitted  int64 `json:"omitted"`
}

// docFragmentation is freelist.Fragmentation as the JSON report writes it.
type docFragmentation struct {
	PageSize               int              `json:"page_size"`
	HighWater              uint64           `json:"high_water_pages"`
	FreePages              uint64           `json:"free_pages"`
	Spans                  int              `json:"spans"`
	LargestSpanPages       uint64           `json:"largest_span_pages"`
	Histogram              []docSpanBucket  `json:"histogram"`
	SinglePageShare        float64          `json:"single_page_share"`
	LargestSpanShare       float64          `json:"largest_span_share"`
	Index                  float64          `json:"index"`
	IndexDefinition        string           `json:"index_definition"`
	Runs                   []docRunFit      `json:"runs"`
	FreelistPersisted      bool             `json:"freelist_persisted"`
	PersistedFreelistPages uint64           `json:"persisted_freelist_pages"`
	Rebuild                docRebuildCost   `json:"rebuild_at_open"`
	Array                  docArrayReport   `json:"array"`
	Hashmap                docHashmapReport `json:"hashmap"`
}

// docMVCCSummary is mvcc.Summary as the JSON report writes it.
type docMVCCSummary struct {
	Revision                 int64               `json:"revision"`
	LastStoredRevision       int64               `json:"last_stored_revision"`
	CompactRevision          int64               `json:"compact_revision"`
	ScheduledCompactRevision int64               `json:"scheduled_compact_revision"`
	ConsistentIndex          uint64              `json:"consistent_index"`
	Term                     uint64              `json:"term"`
	StorageVersion           string              `json:"storage_version"`
	Meta                     docMVCCMeta         `json:"meta"`
	WrittenBy                string              `json:"written_by"`
	TotalRevisions           uint64              `json:"total_revisions"`
	Tombstones               uint64              `json:"tombstones"`
	LiveKeys                 uint64              `json:"live_keys"`
	DeletedKeys              uint64              `json:"deleted_keys"`
	MultiGenerationKeys      uint64              `json:"multi_generation_keys"`
	RevisionsPerKey          docDistribution     `json:"revisions_per_key"`
	RevisionsPerKeyHistogram []docCountBucket    `json:"revisions_per_key_histogram"`
	KeyBucketBytes           uint64              `json:"key_bucket_bytes"`
	LiveBytes                uint64              `json:"live_bytes"`
	HistoryBytes             uint64              `json:"history_bytes"`
	LargestValueBytes        uint64              `json:"largest_value_bytes"`
	TopKeys                  docTopKeys          `json:"top_keys"`
	Compaction               docCompactionWhatIf `json:"compaction"`
	Prefixes                 []docPrefixStat     `json:"prefixes"`
	PrefixesByNamespace      []docPrefixStat     `json:"prefixes_by_namespace,omitempty"`
	Kube                     *docKubeSummary     `json:"kubernetes,omitempty"`
	Index                    docIndexShape       `json:"index"`
	Restore                  docRestoreWork      `json:"restore"`
	RaftTail                 []docRaftWindow     `json:"raft_tail"`
	Leases                   docLeaseSummary     `json:"leases"`
	Auth                     docAuthSummary      `json:"auth"`
	Members                  []docMember         `json:"members"`
	RemovedMembers           []string            `json:"removed_members"`
	Cluster                  docClusterInfo      `json:"cluster"`
	Alarms                   []docAlarm          `json:"alarms"`
	Buckets                  []docBucketStat     `json:"buckets"`
	UnknownBuckets           []string            `json:"unknown_buckets"`
	Etcdutl                  docEtcdutlStatus    `json:"etcdutl"`
	Malformed                docMalformedEntries `json:"malformed"`
	ReadErrors               []string            `json:"read_errors,omitempty"`
	Filter                   *docFilterStat      `json:"filter,omitempty"`
	Notes                    []string            `json:"notes,omitempty"`
}

// docFilterStat is mvcc.FilterStat as the JSON report writes it.
type docFilterStat struct {
	Prefix       string `json:"prefix,omitempty"`
	Namespace    string `json:"namespace,omitempty"`
	Keys         uint64 `json:"keys"`
	LiveKeys     uint64 `json:"live_keys"`
	Revisions    uint64 `json:"revisions"`
	LiveBytes    uint64 `json:"live_bytes"`
	HistoryBytes uint64 `json:"history_bytes"`
}

func toFilterStat(v mvcc.FilterStat) docFilterStat { return docFilterStat(v) }

// docPrediction is predict.Prediction as the JSON report writes it.
type docPrediction struct {
	Version                string                 `json:"version"`
	StartupSeconds         float64                `json:"startup_seconds"`
	StartupBreakdown       docStartupBreakdown    `json:"startup_breakdown"`
	MmapBytes              int64                  `json:"mmap_bytes"`
	RSSBytes               int64                  `json:"rss_bytes"`
	RSSSteadyBytes         int64                  `json:"rss_steady_bytes"`
	TreeIndexBytes         int64                  `json:"treeindex_bytes"`
	RaftLogBytes           int64                  `json:"raftlog_bytes"`
	DbSizeBytes            int64                  `json:"db_size_bytes"`
	DefragSizeBytes        int64                  `json:"defrag_size_bytes"`
	DefragFileBytes        int64                  `json:"defrag_file_bytes"`
	DefragSavingsBytes     int64                  `json:"defrag_savings_bytes"`
	DefragSeconds          float64                `json:"defrag_seconds"`
	CompactAt              int64                  `json:"compact_at,omitempty"`
	CompactDefragSizeBytes int64                  `json:"compact_defrag_size_bytes"`
	CompactDefragFileBytes int64                  `json:"compact_defrag_file_bytes"`
	Quota                  docQuotaPrediction     `json:"quota"`
	Restore                docRestoreSizing       `json:"restore"`
	ByVersion              []docVersionPrediction `json:"by_version"`
	Models                 []docModel             `json:"models"`
	Calibration            string                 `json:"calibration"`
	LowerBound             bool                   `json:"lower_bound,omitempty"`
	VersionAssumed         bool                   `json:"version_assumed,omitempty"`
	MemoryNotIncluded      []docNotIncluded       `json:"memory_not_included"`
}

// docNotIncluded is predict.NotIncluded as the JSON report writes it.
type docNotIncluded struct {
	Part    string   `json:"part"`
	Why     string   `json:"why"`
	Metrics []string `json:"metrics"`
	Command string   `json:"command"`
}

func toNotIncluded(v predict.NotIncluded) docNotIncluded { return docNotIncluded(v) }

// docExactResult is defrag.ExactResult as the JSON report writes it.
type docExactResult struct {
	PageSize      int     `json:"page_size"`
	HighWaterPgid uint64  `json:"high_water_pgid"`
	DbSizeBytes   int64   `json:"db_size_bytes"`
	FileBytes     int64   `json:"file_bytes"`
	FreePages     int     `json:"free_pages"`
	Pairs         int64   `json:"pairs"`
	CopySeconds   float64 `json:"copy_seconds"`
	DefragSeconds float64 `json:"defrag_seconds"`
	Model         string  `json:"model"`
}

// docSnapshotTrailer is pages.SnapshotTrailer as the JSON report writes it:
// the digest in hex.
type docSnapshotTrailer struct {
	Present bool   `json:"present"`
	Offset  int64  `json:"offset,omitempty"`
	SHA256  string `json:"sha256,omitempty"`
}

// docMeta is pages.Meta as the JSON report writes it.
type docMeta struct {
	Magic     uint32 `json:"magic"`
	Version   uint32 `json:"version"`
	PageSize  uint32 `json:"page_size"`
	Flags     uint32 `json:"flags"`
	Root      uint64 `json:"root_pgid"`
	Sequence  uint64 `json:"sequence"`
	Freelist  uint64 `json:"freelist_pgid"`
	HighWater uint64 `json:"high_water_pgid"`
	TxID      uint64 `json:"txid"`
	Checksum  uint64 `json:"checksum"`
}

// docMetaStatus is pages.MetaStatus as the JSON report writes it.
type docMetaStatus struct {
	PageID uint64  `json:"page_id"`
	Valid  bool    `json:"valid"`
	Reason string  `json:"reason,omitempty"`
	Used   bool    `json:"used"`
	Meta   docMeta `json:"meta"`
}

// docPageCounts is pages.PageCounts as the JSON report writes it.
type docPageCounts struct {
	Meta        int64 `json:"meta"`
	Freelist    int64 `json:"freelist"`
	Branch      int64 `json:"branch"`
	Leaf        int64 `json:"leaf"`
	Overflow    int64 `json:"overflow"`
	Free        int64 `json:"free"`
	Unallocated int64 `json:"unallocated"`
	Unreadable  int64 `json:"unreadable"`
	Missing     int64 `json:"missing"`
}

// docSpanBucket is freelist.SpanBucket as the JSON report writes it.
type docSpanBucket struct {
	MinPages uint64 `json:"min_pages"`
	MaxPages uint64 `json:"max_pages"`
	Spans    int    `json:"spans"`
	Pages    uint64 `json:"pages"`
}

// docRunFit is freelist.RunFit as the JSON report writes it.
type docRunFit struct {
	RunPages       uint64  `json:"run_pages"`
	Nodes          int64   `json:"nodes"`
	Fits           uint64  `json:"fits"`
	ShortSpanShare float64 `json:"short_span_share"`
	UnusableShare  float64 `json:"unusable_share"`
}

// docRebuildCost is freelist.RebuildCost as the JSON report writes it.
type docRebuildCost struct {
	Needed          bool   `json:"needed"`
	PagesWalked     int64  `json:"pages_walked"`
	ElementsChecked int64  `json:"elements_checked"`
	FreeIDs         uint64 `json:"free_ids"`
}

// docArrayReport is freelist.ArrayReport as the JSON report writes it.
type docArrayReport struct {
	MemoryBytes int64             `json:"memory_bytes"`
	Runs        []docArrayRunCost `json:"runs"`
	Replay      docReplayResult   `json:"replay"`
}

// docHashmapReport is freelist.HashmapReport as the JSON report writes it.
type docHashmapReport struct {
	MemoryBytes    int64               `json:"memory_bytes"`
	DistinctSizes  int                 `json:"distinct_sizes"`
	Runs           []docHashmapRunCost `json:"runs"`
	Replays        []docReplayResult   `json:"replays"`
	GrowthPagesMin uint64              `json:"growth_pages_min"`
	GrowthPagesMax uint64              `json:"growth_pages_max"`
	EndSpansMin    int                 `json:"end_spans_min"`
	EndSpansMax    int                 `json:"end_spans_max"`
	EndIndexMin    float64             `json:"end_index_min"`
	EndIndexMax    float64             `json:"end_index_max"`
	EndLargestMin  uint64              `json:"end_largest_span_pages_min"`
	EndLargestMax  uint64              `json:"end_largest_span_pages_max"`
}

// docMVCCMeta is mvcc.Meta as the JSON report writes it.
type docMVCCMeta struct {
	Present                  bool          `json:"present"`
	ConsistentIndex          uint64        `json:"consistent_index"`
	Term                     uint64        `json:"term"`
	HasTerm                  bool          `json:"has_term"`
	ScheduledCompactRevision int64         `json:"scheduled_compact_revision"`
	FinishedCompactRevision  int64         `json:"finished_compact_revision"`
	UnfinishedCompaction     bool          `json:"unfinished_compaction"`
	ConfState                *docConfState `json:"conf_state,omitempty"`
	StorageVersion           string        `json:"storage_version,omitempty"`
	EtcdVersions             string        `json:"etcd_versions"`
	UnknownKeys              []string      `json:"unknown_keys,omitempty"`
	Problems                 []string      `json:"problems,omitempty"`
}

// docDistribution is mvcc.Distribution as the JSON report writes it.
type docDistribution struct {
	P50 uint64 `json:"p50"`
	P90 uint64 `json:"p90"`
	P99 uint64 `json:"p99"`
	Max uint64 `json:"max"`
}

// docCountBucket is mvcc.CountBucket as the JSON report writes it.
type docCountBucket struct {
	Min       uint64 `json:"min"`
	Max       uint64 `json:"max"`
	Keys      uint64 `json:"keys"`
	Revisions uint64 `json:"revisions"`
}

// docTopKeys is mvcc.TopKeys as the JSON report writes it.
type docTopKeys struct {
	ByRevisions           []docKeyStat `json:"by_revisions"`
	ByHistoryBytes        []docKeyStat `json:"by_history_bytes"`
	ByValueBytes          []docKeyStat `json:"by_value_bytes"`
	ByValueTimesRevisions []docKeyStat `json:"by_value_times_revisions"`
}

// docCompactionWhatIf is mvcc.CompactionWhatIf as the JSON report writes it.
type docCompactionWhatIf struct {
	Revision         int64  `json:"revision"`
	RemovedRevisions uint64 `json:"removed_revisions"`
	RemovedBytes     uint64 `json:"removed_bytes"`
	ScannedRevisions uint64 `json:"scanned_revisions"`
}

// docPrefixStat is mvcc.PrefixStat as the JSON report writes it.
type docPrefixStat struct {
	Prefix       string  `json:"prefix"`
	PrefixB64    string  `json:"prefix_b64,omitempty"`
	Resource     string  `json:"resource,omitempty"`
	Namespace    string  `json:"namespace,omitempty"`
	Keys         uint64  `json:"keys"`
	LiveKeys     uint64  `json:"live_keys"`
	Revisions    uint64  `json:"revisions"`
	LiveBytes    uint64  `json:"live_bytes"`
	HistoryBytes uint64  `json:"history_bytes"`
	Share        float64 `json:"share"`
	ShareOfFile  float64 `json:"share_of_file,omitempty"`
}

// docKubeSummary is mvcc.KubeSummary as the JSON report writes it.
type docKubeSummary struct {
	Objects    uint64            `json:"objects"`
	ValueBytes uint64            `json:"value_bytes"`
	Encodings  []docKubeEncoding `json:"encodings"`
	Kinds      []docKubeKind     `json:"kinds"`
	Encryption []docKubeKey      `json:"encryption"`
	Resources  []docKubeGroup    `json:"resources"`
	Namespaces []docKubeGroup    `json:"namespaces"`
	Note       string            `json:"note,omitempty"`
}

// docIndexShape is mvcc.IndexShape as the JSON report writes it.
type docIndexShape struct {
	Keys                 uint64 `json:"keys"`
	KeyAllocBytes        uint64 `json:"key_alloc_bytes"`
	Generations          uint64 `json:"generations"`
	GenerationAllocBytes uint64 `json:"generation_alloc_bytes"`
	RevisionAllocBytes   uint64 `json:"revision_alloc_bytes"`
}

// docRestoreWork is mvcc.RestoreWork as the JSON report writes it.
type docRestoreWork struct {
	Revisions            uint64               `json:"revisions"`
	KeyBytes             uint64               `json:"key_bytes"`
	ValueBytes           uint64               `json:"value_bytes"`
	Tombstones           uint64               `json:"tombstones"`
	IgnoredTombstones    uint64               `json:"ignored_tombstones"`
	LeasedKeys           uint64               `json:"leased_keys"`
	LeasedKeyAllocBytes  uint64               `json:"leased_key_alloc_bytes"`
	UnfinishedCompaction bool                 `json:"unfinished_compaction"`
	Rerun                *docCompactionWhatIf `json:"rerun,omitempty"`
}

// docRaftWindow is mvcc.RaftWindow as the JSON report writes it.
type docRaftWindow struct {
	Entries      int    `json:"entries"`
	Available    int    `json:"available"`
	PayloadBytes uint64 `json:"payload_bytes"`
}

// docLeaseSummary is mvcc.LeaseSummary as the JSON report writes it.
type docLeaseSummary struct {
	Count                uint64          `json:"count"`
	TTL                  docDistribution `json:"ttl_seconds"`
	MinTTL               int64           `json:"min_ttl_seconds"`
	WithRemainingTTL     uint64          `json:"with_remaining_ttl"`
	KeysPerLease         docDistribution `json:"keys_per_lease"`
	AttachedKeys         uint64          `json:"attached_keys"`
	LeasesWithoutKeys    uint64          `json:"leases_without_keys"`
	KeysWithMissingLease uint64          `json:"keys_with_missing_lease"`
	MissingLeases        uint64          `json:"missing_leases"`
	Top                  []docLeaseStat  `json:"top,omitempty"`
	Malformed            uint64          `json:"malformed"`
}

// docAuthSummary is mvcc.AuthSummary as the JSON report writes it.
type docAuthSummary struct {
	Enabled          bool   `json:"enabled"`
	Revision         uint64 `json:"revision"`
	Users            uint64 `json:"users"`
	UsersNoPassword  uint64 `json:"users_no_password"`
	Roles            uint64 `json:"roles"`
	RootUser         bool   `json:"root_user"`
	RootRole         bool   `json:"root_role"`
	MalformedEntries uint64 `json:"malformed_entries"`
}

// docMember is mvcc.Member as the JSON report writes it.
type docMember struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	PeerURLs   []string `json:"peer_urls"`
	ClientURLs []string `json:"client_urls"`
	IsLearner  bool     `json:"is_learner"`
	Problem    string   `json:"problem,omitempty"`
}

// docClusterInfo is mvcc.ClusterInfo as the JSON report writes it.
type docClusterInfo struct {
	Version          string `json:"version,omitempty"`
	DowngradeTarget  string `json:"downgrade_target,omitempty"`
	DowngradeEnabled bool   `json:"downgrade_enabled"`
	Problem          string `json:"problem,omitempty"`
}

// docAlarm is mvcc.Alarm as the JSON report writes it.
type docAlarm struct {
	MemberID string `json:"member_id"`
	Type     string `json:"type"`
}

// docBucketStat is mvcc.BucketStat as the JSON report writes it.
type docBucketStat struct {
	Name       string `json:"name"`
	Keys       uint64 `json:"keys"`
	KeyBytes   uint64 `json:"key_bytes"`
	ValueBytes uint64 `json:"value_bytes"`
	Known      bool   `json:"known"`
}

// docEtcdutlStatus is mvcc.EtcdutlStatus as the JSON report writes it.
type docEtcdutlStatus struct {
	Hash         uint32 `json:"hash"`
	Revision     int64  `json:"revision"`
	TotalKeys    uint64 `json:"total_keys"`
	TotalKeysV35 uint64 `json:"total_keys_v3_5"`
	TotalSize    int64  `json:"total_size"`
	Version      string `json:"version,omitempty"`
	Why          string `json:"why,omitempty"`
}

// docMalformedEntries is mvcc.MalformedEntries as the JSON report writes it.
type docMalformedEntries struct {
	Count uint64              `json:"count"`
	First []docMalformedEntry `json:"first,omitempty"`
}

// docStartupBreakdown is predict.StartupBreakdown as the JSON report writes it.
type docStartupBreakdown struct {
	Fixed           float64 `json:"fixed"`
	Populate        float64 `json:"populate"`
	FreelistRebuild float64 `json:"freelist_rebuild"`
	LeaseRecovery   float64 `json:"lease_recovery"`
	IndexRestore    float64 `json:"index_restore"`
	LeaseAttach     float64 `json:"lease_attach"`
	CompactionRerun float64 `json:"compaction_rerun_async"`
}

// docQuotaPrediction is predict.QuotaPrediction as the JSON report writes it.
type docQuotaPrediction struct {
	QuotaBytes          int64   `json:"quota_bytes"`
	Default             bool    `json:"default"`
	Disabled            bool    `json:"disabled"`
	DbSizeBytes         int64   `json:"db_size_bytes"`
	UsedFraction        float64 `json:"used_fraction"`
	HeadroomBytes       int64   `json:"headroom_bytes"`
	AfterDefragHeadroom int64   `json:"after_defrag_headroom_bytes"`
	OverQuota           bool    `json:"over_quota"`
	AboveMax            bool    `json:"above_max"`
	MaxQuotaBytes       int64   `json:"max_quota_bytes"`
}

// docRestoreSizing is predict.RestoreSizing as the JSON report writes it.
type docRestoreSizing struct {
	DiskBytes       int64    `json:"disk_bytes"`
	DbFileBytes     int64    `json:"db_file_bytes"`
	WALBytes        int64    `json:"wal_bytes"`
	DefragCopyBytes int64    `json:"defrag_copy_bytes"`
	MemoryBytes     int64    `json:"memory_bytes"`
	Notes           []string `json:"notes"`
}

// docVersionPrediction is predict.VersionPrediction as the JSON report writes it.
type docVersionPrediction struct {
	Version          string              `json:"version"`
	StartupSeconds   float64             `json:"startup_seconds"`
	StartupBreakdown docStartupBreakdown `json:"startup_breakdown"`
	Memory           docMemoryPrediction `json:"memory"`
	Lessor           docLessorMemory     `json:"lessor"`
}

// docLessorMemory is predict.LessorMemory as the JSON report writes it.
type docLessorMemory struct {
	Leases           int64 `json:"leases"`
	LeasedKeys       int64 `json:"leased_keys"`
	LeaseObjectBytes int64 `json:"lease_object_bytes"`
	ItemSetBytes     int64 `json:"item_set_bytes"`
	LeaseMapBytes    int64 `json:"lease_map_bytes"`
	ItemMapBytes     int64 `json:"item_map_bytes"`
	KeyStringBytes   int64 `json:"key_string_bytes"`
	ExpiryQueueBytes int64 `json:"expiry_queue_bytes"`
	FollowerBytes    int64 `json:"follower_bytes"`
	LeaderBytes      int64 `json:"leader_bytes"`
	LongTTLLeases    int64 `json:"long_ttl_leases"`
	CheckpointBytes  int64 `json:"checkpoint_bytes"`
}

// docModel is predict.Model as the JSON report writes it.
type docModel struct {
	Name        string           `json:"name"`
	Model       string           `json:"model"`
	Inputs      map[string]int64 `json:"inputs,omitempty"`
	Assumptions []string         `json:"assumptions"`
}

// docArrayRunCost is freelist.ArrayRunCost as the JSON report writes it.
type docArrayRunCost struct {
	RunPages           uint64  `json:"run_pages"`
	IDsScannedFirst    uint64  `json:"ids_scanned_first"`
	IDsScannedAvg      float64 `json:"ids_scanned_avg"`
	IDsScannedWhenFull uint64  `json:"ids_scanned_when_full"`
}

// docReplayResult is freelist.ReplayResult as the JSON report writes it.
type docReplayResult struct {
	Seed           int64        `json:"seed,omitempty"`
	WriteBytes     int64        `json:"write_bytes"`
	Transactions   int64        `json:"transactions"`
	PagesAllocated uint64       `json:"pages_allocated"`
	PagesReused    uint64       `json:"pages_reused"`
	GrowthPages    uint64       `json:"growth_pages"`
	GrowthBytes    int64        `json:"growth_bytes"`
	EndFreePages   uint64       `json:"end_free_pages"`
	EndSpans       int          `json:"end_spans"`
	EndLargest     uint64       `json:"end_largest_span_pages"`
	EndIndex       float64      `json:"end_index"`
	Work           docAllocWork `json:"work"`
	Truncated      bool         `json:"truncated,omitempty"`
}

// docHashmapRunCost is freelist.HashmapRunCost as the JSON report writes it.
type docHashmapRunCost struct {
	RunPages             uint64  `json:"run_pages"`
	ExactMatch           bool    `json:"exact_match"`
	SizesVisitedFirst    float64 `json:"sizes_visited_first"`
	SizesVisitedWhenFull int     `json:"sizes_visited_when_full"`
	MapWritesFirst       float64 `json:"map_writes_first"`
}

// docConfState is mvcc.ConfState as the JSON report writes it.
type docConfState struct {
	Voters         []uint64 `json:"voters,omitempty"`
	Learners       []uint64 `json:"learners,omitempty"`
	VotersOutgoing []uint64 `json:"voters_outgoing,omitempty"`
	LearnersNext   []uint64 `json:"learners_next,omitempty"`
	AutoLeave      bool     `json:"auto_leave"`
}

// docKeyStat is mvcc.KeyStat as the JSON report writes it.
type docKeyStat struct {
	Key            string `json:"key"`
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

// docKubeEncoding is mvcc.KubeEncoding as the JSON report writes it.
type docKubeEncoding struct {
	Encoding   string `json:"encoding"`
	Objects    uint64 `json:"objects"`
	ValueBytes uint64 `json:"value_bytes"`
}

// docKubeKind is mvcc.KubeKind as the JSON report writes it.
type docKubeKind struct {
	APIVersion string   `json:"api_version,omitempty"`
	Kind       string   `json:"kind,omitempty"`
	Hidden     string   `json:"hidden,omitempty"`
	Objects    uint64   `json:"objects"`
	ValueBytes uint64   `json:"value_bytes"`
	Largest    []uint64 `json:"largest,omitempty"`
}

// docKubeKey is mvcc.KubeKey as the JSON report writes it.
type docKubeKey struct {
	Provider        string `json:"provider"`
	Version         string `json:"version"`
	KeyName         string `json:"key_name"`
	Objects         uint64 `json:"objects"`
	ValueBytes      uint64 `json:"value_bytes"`
	LastModRevision int64  `json:"last_mod_revision"`
}

// docKubeGroup is mvcc.KubeGroup as the JSON report writes it.
type docKubeGroup struct {
	Resource   string            `json:"resource"`
	Namespace  string            `json:"namespace,omitempty"`
	Objects    uint64            `json:"objects"`
	ValueBytes uint64            `json:"value_bytes"`
	Plain      uint64            `json:"plain"`
	Encrypted  uint64            `json:"encrypted"`
	Unknown    uint64            `json:"unknown"`
	Encodings  []docKubeEncoding `json:"encodings"`
	Kinds      []docKubeKind     `json:"kinds"`
	Encryption []docKubeKey      `json:"encryption"`
}

// docLeaseStat is mvcc.LeaseStat as the JSON report writes it.
type docLeaseStat struct {
	ID   string `json:"id"`
	TTL  int64  `json:"ttl_seconds"`
	Keys uint64 `json:"keys"`
}

// docMalformedEntry is mvcc.MalformedEntry as the JSON report writes it.
type docMalformedEntry struct {
	Index     uint64 `json:"index"`
	BucketKey string `json:"bucket_key_hex"`
	Page      uint64 `json:"page,omitempty"`
	Reason    string `json:"reason"`
}

// docMemoryPrediction is predict.MemoryPrediction as the JSON report writes it.
type docMemoryPrediction struct {
	MmapBytes          int64 `json:"mmap_bytes"`
	FileResidentBytes  int64 `json:"file_resident_bytes"`
	TreeIndexBytes     int64 `json:"treeindex_bytes"`
	LeaseBytes         int64 `json:"lease_bytes"`
	RestoreBufferBytes int64 `json:"restore_buffer_bytes"`
	HeapBytes          int64 `json:"heap_bytes"`
	RSSBytes           int64 `json:"rss_bytes"`
	RaftLogBytes       int64 `json:"raftlog_bytes"`
	RaftLogEntries     int   `json:"raftlog_entries"`
	RSSSteadyBytes     int64 `json:"rss_steady_bytes"`
}

// docAllocWork is freelist.AllocWork as the JSON report writes it.
type docAllocWork struct {
	Allocations  int64   `json:"allocations"`
	Failed       int64   `json:"failed"`
	IDsScanned   uint64  `json:"ids_scanned,omitempty"`
	SizesVisited float64 `json:"sizes_visited,omitempty"`
	Splits       int64   `json:"splits,omitempty"`
	MapWrites    float64 `json:"map_writes,omitempty"`
}

func toFileReport(v pages.FileReport) docFileReport {
	return docFileReport{
		SizeBytes:  v.SizeBytes,
		BboltBytes: v.BboltBytes,
		PageSize:   v.PageSize,
		Snapshot:   toSnapshotTrailer(v.Snapshot),
	}
}

func toMetaReport(v pages.MetaReport) docMetaReport {
	return docMetaReport{
		docMeta:           toMeta(v.Meta),
		FreelistPersisted: v.FreelistPersisted,
		Used:              v.Used,
		Metas: func() (a [2]docMetaStatus) {
			for i, x := range v.Metas {
				a[i] = toMetaStatus(x)
			}
			return a
		}(),
	}
}

func toPageCensus(v pages.PageCensus) docPageCensus {
	return docPageCensus{
		Total:          v.Total,
		ByType:         toPageCounts(v.ByType),
		TailBytes:      v.TailBytes,
		HighWaterBytes: v.HighWaterBytes,
		FreeBytes:      v.FreeBytes,
		InUseBytes:     v.InUseBytes,
		Reachable:      v.Reachable,
		Elements:       v.Elements,
		RunLengths:     v.RunLengths,
	}
}

func toBucketStats(v pages.BucketStats) docBucketStats {
	return docBucketStats(v)
}

func toFreelistReport(v pages.FreelistReport) docFreelistReport {
	return docFreelistReport(v)
}

func toTruncation(v pages.Truncation) docTruncation {
	return docTruncation(v)
}

func toProblem(v pages.Problem) docProblem {
	return docProblem(v)
}

func toProblemCounts(v pages.ProblemCounts) docProblemCounts {
	return docProblemCounts(v)
}

func toFragmentation(v freelist.Fragmentation) docFragmentation {
	return docFragmentation{
		PageSize:               v.PageSize,
		HighWater:              v.HighWater,
		FreePages:              v.FreePages,
		Spans:                  v.Spans,
		LargestSpanPages:       v.LargestSpanPages,
		Histogram:              docSlice(v.Histogram, toSpanBucket),
		SinglePageShare:        v.SinglePageShare,
		LargestSpanShare:       v.LargestSpanShare,
		Index:                  v.Index,
		IndexDefinition:        v.IndexDefinition,
		Runs:                   docSlice(v.Runs, toRunFit),
		FreelistPersisted:      v.FreelistPersisted,
		PersistedFreelistPages: v.PersistedFreelistPages,
		Rebuild:                toRebuildCost(v.Rebuild),
		Array:                  toArrayReport(v.Array),
		Hashmap:                toHashmapReport(v.Hashmap),
	}
}

func toMVCCSummary(v mvcc.Summary) docMVCCSummary {
	return docMVCCSummary{
		Revision:                 v.Revision,
		LastStoredRevision:       v.LastStoredRevision,
		CompactRevision:          v.CompactRevision,
		ScheduledCompactRevision: v.ScheduledCompactRevision,
		ConsistentIndex:          v.ConsistentIndex,
		Term:                     v.Term,
		StorageVersion:           v.StorageVersion,
		Meta:                     toMVCCMeta(v.Meta),
		WrittenBy:                v.WrittenBy,
		TotalRevisions:           v.TotalRevisions,
		Tombstones:               v.Tombstones,
		LiveKeys:                 v.LiveKeys,
		DeletedKeys:              v.DeletedKeys,
		MultiGenerationKeys:      v.MultiGenerationKeys,
		RevisionsPerKey:          toDistribution(v.RevisionsPerKey),
		RevisionsPerKeyHistogram: docSlice(v.RevisionsPerKeyHistogram, toCountBucket),
		KeyBucketBytes:           v.KeyBucketBytes,
		LiveBytes:                v.LiveBytes,
		HistoryBytes:             v.HistoryBytes,
		LargestValueBytes:        v.LargestValueBytes,
		TopKeys:                  toTopKeys(v.TopKeys),
		Compaction:               toCompactionWhatIf(v.Compaction),
		Prefixes:                 docSlice(v.Prefixes, toPrefixStat),
		PrefixesByNamespace:      docSlice(v.PrefixesByNamespace, toPrefixStat),
		Kube:                     docPtr(v.Kube, toKubeSummary),
		Index:                    toIndexShape(v.Index),
		Restore:                  toRestoreWork(v.Restore),
		RaftTail:                 docSlice(v.RaftTail, toRaftWindow),
		Leases:                   toLeaseSummary(v.Leases),
		Auth:                     toAuthSummary(v.Auth),
		Members:                  docSlice(v.Members, toMember),
		RemovedMembers:           v.RemovedMembers,
		Cluster:                  toClusterInfo(v.Cluster),
		Alarms:                   docSlice(v.Alarms, toAlarm),
		Buckets:                  docSlice(v.Buckets, toBucketStat),
		UnknownBuckets:           v.UnknownBuckets,
		Etcdutl:                  toEtcdutlStatus(v.Etcdutl),
		Malformed:                toMalformedEntries(v.Malformed),
		ReadErrors:               v.ReadErrors,
		Filter:                   docPtr(v.Filter, toFilterStat),
		Notes:                    v.Notes,
	}
}

func toPrediction(v predict.Prediction) docPrediction {
	return docPrediction{
		Version:                v.Version,
		StartupSeconds:         v.StartupSeconds,
		StartupBreakdown:       toStartupBreakdown(v.StartupBreakdown),
		MmapBytes:              v.MmapBytes,
		RSSBytes:               v.RSSBytes,
		RSSSteadyBytes:         v.RSSSteadyBytes,
		TreeIndexBytes:         v.TreeIndexBytes,
		RaftLogBytes:           v.RaftLogBytes,
		DbSizeBytes:            v.DbSizeBytes,
		DefragSizeBytes:        v.DefragSizeBytes,
		DefragFileBytes:        v.DefragFileBytes,
		DefragSavingsBytes:     v.DefragSavingsBytes,
		DefragSeconds:          v.DefragSeconds,
		CompactAt:              v.CompactAt,
		CompactDefragSizeBytes: v.CompactDefragSizeBytes,
		CompactDefragFileBytes: v.CompactDefragFileBytes,
		Quota:                  toQuotaPrediction(v.Quota),
		Restore:                toRestoreSizing(v.Restore),
		ByVersion:              docSlice(v.ByVersion, toVersionPrediction),
		Models:                 docSlice(v.Models, toModel),
		Calibration:            v.Calibration,
		LowerBound:             v.LowerBound,
		VersionAssumed:         v.VersionAssumed,
		MemoryNotIncluded:      docSlice(v.MemoryNotIncluded, toNotIncluded),
	}
}

func toExactResult(v defrag.ExactResult) docExactResult {
	return docExactResult{
		PageSize:      v.PageSize,
		HighWaterPgid: v.HighWaterPgid,
		DbSizeBytes:   v.DbSizeBytes,
		FileBytes:     v.FileBytes,
		FreePages:     v.FreePages,
		Pairs:         v.Pairs,
		CopySeconds:   v.CopySeconds,
		DefragSeconds: v.DefragSeconds,
		Model:         v.Model,
	}
}

func toSnapshotTrailer(v pages.SnapshotTrailer) docSnapshotTrailer {
	t := docSnapshotTrailer{
		Present: v.Present,
		Offset:  v.Offset,
	}
	if v.Present {
		t.SHA256 = hex.EncodeToString(v.SHA256[:])
	}
	return t
}

func toMeta(v pages.Meta) docMeta {
	return docMeta{
		Magic:     v.Magic,
		Version:   v.Version,
		PageSize:  v.PageSize,
		Flags:     v.Flags,
		Root:      v.Root,
		Sequence:  v.Sequence,
		Freelist:  v.Freelist,
		HighWater: v.HighWater,
		TxID:      v.TxID,
		Checksum:  v.Checksum,
	}
}

func toMetaStatus(v pages.MetaStatus) docMetaStatus {
	return docMetaStatus{
		PageID: v.PageID,
		Valid:  v.Valid,
		Reason: v.Reason,
		Used:   v.Used,
		Meta:   toMeta(v.Meta),
	}
}

func toPageCounts(v pages.PageCounts) docPageCounts {
	return docPageCounts(v)
}

func toSpanBucket(v freelist.SpanBucket) docSpanBucket {
	return docSpanBucket(v)
}

func toRunFit(v freelist.RunFit) docRunFit {
	return docRunFit(v)
}

func toRebuildCost(v freelist.RebuildCost) docRebuildCost {
	return docRebuildCost(v)
}

func toArrayReport(v freelist.ArrayReport) docArrayReport {
	return docArrayReport{
		MemoryBytes: v.MemoryBytes,
		Runs:        docSlice(v.Runs, toArrayRunCost),
		Replay:      toReplayResult(v.Replay),
	}
}

func toHashmapReport(v freelist.HashmapReport) docHashmapReport {
	return docHashmapReport{
		MemoryBytes:    v.MemoryBytes,
		DistinctSizes:  v.DistinctSizes,
		Runs:           docSlice(v.Runs, toHashmapRunCost),
		Replays:        docSlice(v.Replays, toReplayResult),
		GrowthPagesMin: v.GrowthPagesMin,
		GrowthPagesMax: v.GrowthPagesMax,
		EndSpansMin:    v.EndSpansMin,
		EndSpansMax:    v.EndSpansMax,
		EndIndexMin:    v.EndIndexMin,
		EndIndexMax:    v.EndIndexMax,
		EndLargestMin:  v.EndLargestMin,
		EndLargestMax:  v.EndLargestMax,
	}
}

func toMVCCMeta(v mvcc.Meta) docMVCCMeta {
	return docMVCCMeta{
		Present:                  v.Present,
		ConsistentIndex:          v.ConsistentIndex,
		Term:                     v.Term,
		HasTerm:                  v.HasTerm,
		ScheduledCompactRevision: v.ScheduledCompactRevision,
		FinishedCompactRevision:  v.FinishedCompactRevision,
		UnfinishedCompaction:     v.UnfinishedCompaction,
		ConfState:                docPtr(v.ConfState, toConfState),
		StorageVersion:           v.StorageVersion,
		EtcdVersions:             v.EtcdVersions,
		UnknownKeys:              v.UnknownKeys,
		Problems:                 v.Problems,
	}
}

func toDistribution(v mvcc.Distribution) docDistribution {
	return docDistribution(v)
}

func toCountBucket(v mvcc.CountBucket) docCountBucket {
	return docCountBucket(v)
}

func toTopKeys(v mvcc.TopKeys) docTopKeys {
	return docTopKeys{
		ByRevisions:           docSlice(v.ByRevisions, toKeyStat),
		ByHistoryBytes:        docSlice(v.ByHistoryBytes, toKeyStat),
		ByValueBytes:          docSlice(v.ByValueBytes, toKeyStat),
		ByValueTimesRevisions: docSlice(v.ByValueTimesRevisions, toKeyStat),
	}
}

func toCompactionWhatIf(v mvcc.CompactionWhatIf) docCompactionWhatIf {
	return docCompactionWhatIf(v)
}

func toPrefixStat(v mvcc.PrefixStat) docPrefixStat {
	return docPrefixStat{
		Prefix:       v.Prefix,
		PrefixB64:    v.PrefixB64,
		Resource:     v.Resource,
		Namespace:    v.Namespace,
		Keys:         v.Keys,
		LiveKeys:     v.LiveKeys,
		Revisions:    v.Revisions,
		LiveBytes:    v.LiveBytes,
		HistoryBytes: v.HistoryBytes,
		Share:        v.Share,
		ShareOfFile:  v.ShareOfFile,
	}
}

func toKubeSummary(v mvcc.KubeSummary) docKubeSummary {
	return docKubeSummary{
		Objects:    v.Objects,
		ValueBytes: v.ValueBytes,
		Encodings:  docSlice(v.Encodings, toKubeEncoding),
		Kinds:      docSlice(v.Kinds, toKubeKind),
		Encryption: docSlice(v.Encryption, toKubeKey),
		Resources:  docSlice(v.Resources, toKubeGroup),
		Namespaces: docSlice(v.Namespaces, toKubeGroup),
		Note:       v.Note,
	}
}

func toIndexShape(v mvcc.IndexShape) docIndexShape {
	return docIndexShape(v)
}

func toRestoreWork(v mvcc.RestoreWork) docRestoreWork {
	return docRestoreWork{
		Revisions:            v.Revisions,
		KeyBytes:             v.KeyBytes,
		ValueBytes:           v.ValueBytes,
		Tombstones:           v.Tombstones,
		IgnoredTombstones:    v.IgnoredTombstones,
		LeasedKeys:           v.LeasedKeys,
		LeasedKeyAllocBytes:  v.LeasedKeyAllocBytes,
		UnfinishedCompaction: v.UnfinishedCompaction,
		Rerun:                docPtr(v.Rerun, toCompactionWhatIf),
	}
}

func toRaftWindow(v mvcc.RaftWindow) docRaftWindow {
	return docRaftWindow(v)
}

func toLeaseSummary(v mvcc.LeaseSummary) docLeaseSummary {
	return docLeaseSummary{
		Count:                v.Count,
		TTL:                  toDistribution(v.TTL),
		MinTTL:               v.MinTTL,
		WithRemainingTTL:     v.WithRemainingTTL,
		KeysPerLease:         toDistribution(v.KeysPerLease),
		AttachedKeys:         v.AttachedKeys,
		LeasesWithoutKeys:    v.LeasesWithoutKeys,
		KeysWithMissingLease: v.KeysWithMissingLease,
		MissingLeases:        v.MissingLeases,
		Top:                  docSlice(v.Top, toLeaseStat),
		Malformed:            v.Malformed,
	}
}

func toAuthSummary(v mvcc.AuthSummary) docAuthSummary {
	return docAuthSummary(v)
}

func toMember(v mvcc.Member) docMember {
	return docMember(v)
}

func toClusterInfo(v mvcc.ClusterInfo) docClusterInfo {
	return docClusterInfo(v)
}

func toAlarm(v mvcc.Alarm) docAlarm {
	return docAlarm(v)
}

func toBucketStat(v mvcc.BucketStat) docBucketStat {
	return docBucketStat(v)
}

func toEtcdutlStatus(v mvcc.EtcdutlStatus) docEtcdutlStatus {
	return docEtcdutlStatus(v)
}

func toMalformedEntries(v mvcc.MalformedEntries) docMalformedEntries {
	return docMalformedEntries{
		Count: v.Count,
		First: docSlice(v.First, toMalformedEntry),
	}
}

func toStartupBreakdown(v predict.StartupBreakdown) docStartupBreakdown {
	return docStartupBreakdown(v)
}

func toQuotaPrediction(v predict.QuotaPrediction) docQuotaPrediction {
	return docQuotaPrediction(v)
}

func toRestoreSizing(v predict.RestoreSizing) docRestoreSizing {
	return docRestoreSizing(v)
}

func toVersionPrediction(v predict.VersionPrediction) docVersionPrediction {
	return docVersionPrediction{
		Version:          v.Version,
		StartupSeconds:   v.StartupSeconds,
		StartupBreakdown: toStartupBreakdown(v.StartupBreakdown),
		Memory:           toMemoryPrediction(v.Memory),
		Lessor:           docLessorMemory(v.Lessor),
	}
}

func toModel(v predict.Model) docModel {
	return docModel(v)
}

func toArrayRunCost(v freelist.ArrayRunCost) docArrayRunCost {
	return docArrayRunCost(v)
}

func toReplayResult(v freelist.ReplayResult) docReplayResult {
	return docReplayResult{
		Seed:           v.Seed,
		WriteBytes:     v.WriteBytes,
		Transactions:   v.Transactions,
		PagesAllocated: v.PagesAllocated,
		PagesReused:    v.PagesReused,
		GrowthPages:    v.GrowthPages,
		GrowthBytes:    v.GrowthBytes,
		EndFreePages:   v.EndFreePages,
		EndSpans:       v.EndSpans,
		EndLargest:     v.EndLargest,
		EndIndex:       v.EndIndex,
		Work:           toAllocWork(v.Work),
		Truncated:      v.Truncated,
	}
}

func toHashmapRunCost(v freelist.HashmapRunCost) docHashmapRunCost {
	return docHashmapRunCost(v)
}

func toConfState(v mvcc.ConfState) docConfState {
	return docConfState(v)
}

func toKeyStat(v mvcc.KeyStat) docKeyStat {
	return docKeyStat(v)
}

func toKubeEncoding(v mvcc.KubeEncoding) docKubeEncoding {
	return docKubeEncoding(v)
}

func toKubeKind(v mvcc.KubeKind) docKubeKind {
	return docKubeKind(v)
}

func toKubeKey(v mvcc.KubeKey) docKubeKey {
	return docKubeKey(v)
}

func toKubeGroup(v mvcc.KubeGroup) docKubeGroup {
	return docKubeGroup{
		Resource:   v.Resource,
		Namespace:  v.Namespace,
		Objects:    v.Objects,
		ValueBytes: v.ValueBytes,
		Plain:      v.Plain,
		Encrypted:  v.Encrypted,
		Unknown:    v.Unknown,
		Encodings:  docSlice(v.Encodings, toKubeEncoding),
		Kinds:      docSlice(v.Kinds, toKubeKind),
		Encryption: docSlice(v.Encryption, toKubeKey),
	}
}

func toLeaseStat(v mvcc.LeaseStat) docLeaseStat {
	return docLeaseStat(v)
}

func toMalformedEntry(v mvcc.MalformedEntry) docMalformedEntry {
	return docMalformedEntry{
		Index:     v.Index,
		BucketKey: v.BucketKey,
		Page:      v.Page,
		Reason:    v.Reason,
	}
}

func toMemoryPrediction(v predict.MemoryPrediction) docMemoryPrediction {
	return docMemoryPrediction(v)
}

func toAllocWork(v freelist.AllocWork) docAllocWork {
	return docAllocWork(v)
}

// docPtr converts a pointer, nil kept nil.
func docPtr[T, D any](v *T, to func(T) D) *D {
	if v == nil {
		return nil
	}
	d := to(*v)
	return &d
}

// docSlice converts a slice, nil kept nil (null in the JSON, not []).
func docSlice[T, D any](v []T, to func(T) D) []D {
	if v == nil {
		return nil
	}
	out := make([]D, len(v))
	for i, x := range v {
		out[i] = to(x)
	}
	return out
}
