package trend

import "time"

// Summary is all trend keeps of one file of the series: a few figures and
// one row per prefix, never a key.
type Summary struct {
	Given string    `json:"given"` // the path as named
	Time  time.Time `json:"time"`
	// TimeSource says where Time came from: "name" (a timestamp in the
	// file name) or "mtime" (the file's modification time).
	TimeSource string `json:"time_source"`
	// Revision and CompactRevision are etcd's (mvcc.Summary).
	Revision        int64 `json:"revision"`
	CompactRevision int64 `json:"compact_revision"`
	// ClusterID is derived from the member IDs as etcd derives a new
	// cluster's ID (ClusterID); MemberIDs are the members bucket's.
	ClusterID string   `json:"cluster_id"`
	MemberIDs []string `json:"member_ids"`
	// DbSizeBytes is etcd's DbSize (high-water mark x page size), what the
	// quota is checked against; InUseBytes excludes free pages.
	DbSizeBytes  int64 `json:"db_size_bytes"`
	InUseBytes   int64 `json:"in_use_bytes"`
	LiveKeys     int64 `json:"live_keys"`
	LiveBytes    int64 `json:"live_bytes"`
	HistoryBytes int64 `json:"history_bytes"`
	// Prefixes are the scan's prefixes (bounded by its MaxPrefixes, the
	// rest folded into "(other)").
	Prefixes []PrefixSummary `json:"-"`
	// Kube is the file's Kubernetes objects, nil when it has none.
	Kube *KubeSummary `json:"-"`
	// Partial, when set, says the file was read only in part (damage):
	// its figures cover what could be read, so Analyze lists it in
	// Trend.Failed instead of trending it.
	Partial string `json:"-"`
}

// PrefixSummary is one prefix of one file.
type PrefixSummary struct {
	Prefix   string
	LiveKeys int64
	Bytes    int64 // live + history bytes of the key bucket
}

// Failure is a member of the series that could not be trended.
type Failure struct {
	Given  string `json:"given"`
	Reason string `json:"reason"`
}

// Options tune Analyze.
type Options struct {
	// QuotaBytes is etcd's --quota-backend-bytes (0: etcd's 2 GiB default;
	// negative: no quota, as etcd takes any negative value).
	QuotaBytes int64
	// TopN bounds each list of top-growing prefixes (default 10).
	TopN int
}

// DefaultQuotaBytes is etcd's default --quota-backend-bytes; AdvisedMaxBytes
// the size etcd's docs advise not to exceed.
const (
	DefaultQuotaBytes = 2 << 30
	AdvisedMaxBytes   = 8 << 30
)

// Trend is the whole analysis of a series.
type Trend struct {
	// Members are the trended files, in revision order.
	Members []Summary `json:"members"`
	// Failed are the files that could not be read, or carry no time.
	Failed []Failure `json:"failed"`
	// Clusters lists every cluster seen, largest first; Excluded the files
	// of clusters other than the trended one (Cluster).
	Cluster  string         `json:"cluster_id"`
	Clusters []ClusterCount `json:"clusters"`
	Mixed    bool           `json:"mixed_clusters"`
	Excluded []Failure      `json:"excluded"`

	Steps    []Step       `json:"steps"`
	Overall  Overall      `json:"overall"`
	Prefixes PrefixGrowth `json:"prefixes"`
	Events   []Event      `json:"events"`
	Project  []Projection `json:"projections"`
	Findings []Finding    `json:"findings"`
	// Kube is the members' Kubernetes objects by kind and resource, nil
	// when no member has any.
	Kube    *KubeTrend    `json:"kubernetes,omitempty"`
	Notes   []string      `json:"notes,omitempty"`
	Options OptionsEchoed `json:"options"`
}

// OptionsEchoed are the options the figures depend on.
type OptionsEchoed struct {
	// QuotaBytes is the quota projected to: 0 when QuotaDisabled.
	QuotaBytes    int64 `json:"quota_bytes"`
	QuotaDisabled bool  `json:"quota_disabled"`
}

// ClusterCount is one cluster ID and how many files of the series it has.
type ClusterCount struct {
	ID    string `json:"id"`
	Files int    `json:"files"`
}

// Step is what changed from one member to the next.
type Step struct {
	From string `json:"from"`
	To   string `json:"to"`
	Change
	Compacted    bool `json:"compacted"` // the compact revision moved
	Defragmented bool `json:"defragmented"`
	RevisionBack bool `json:"revision_went_back"`
}

// Change is what changed between two members: of a Step, or Overall.
type Change struct {
	Days float64 `json:"days"`
	// RevisionsPerDay is absent when no time passed between the two files
	// or the revision went back.
	RevisionDelta   int64    `json:"revision_delta"`
	RevisionsPerDay *float64 `json:"revisions_per_day,omitempty"`
	DbSizeDelta     int64    `json:"db_size_delta"`
	InUseDelta      int64    `json:"in_use_delta"`
	LiveKeysDelta   int64    `json:"live_keys_delta"`
	HistoryDelta    int64    `json:"history_bytes_delta"`
}

// Overall is first to last member.
type Overall struct {
	First string `json:"first"`
	Last  string `json:"last"`
	Change
	Compactions int `json:"compactions"`
	Defrags     int `json:"defrags"`
}

// PrefixGrowth ranks prefixes by their change from the first member to the
// last (a prefix absent from a member counts zero there).
type PrefixGrowth struct {
	ByBytes []PrefixTrend `json:"by_bytes"`
	ByKeys  []PrefixTrend `json:"by_keys"`
}

// PrefixTrend is one prefix over the series.
type PrefixTrend struct {
	Prefix      string   `json:"prefix"`
	KeysFirst   int64    `json:"live_keys_first"`
	KeysLast    int64    `json:"live_keys_last"`
	KeysDelta   int64    `json:"live_keys_delta"`
	BytesFirst  int64    `json:"bytes_first"`
	BytesLast   int64    `json:"bytes_last"`
	BytesDelta  int64    `json:"bytes_delta"`
	KeysPerDay  *float64 `json:"live_keys_per_day,omitempty"`
	BytesPerDay *float64 `json:"bytes_per_day,omitempty"`
	// Bytes is the prefix's bytes in each member, in member order.
	Bytes []int64 `json:"bytes"`
}

// Event kinds.
const (
	EventCompaction   = "compaction"
	EventDefrag       = "defrag"
	EventRevisionBack = "revision_went_back"
)

// Event is something inferred between two members.
type Event struct {
	Kind   string `json:"kind"`
	From   string `json:"from"`
	To     string `json:"to"`
	Detail string `json:"detail"`
}

// Projection is when a figure's fitted line reaches a target size.
type Projection struct {
	Metric      string  `json:"metric"` // db_size
	Target      string  `json:"target"` // quota or 8GiB
	TargetBytes int64   `json:"target_bytes"`
	Fit         LineFit `json:"fit"`
	// Reached is true when the last member is already at or past it.
	Reached bool `json:"reached"`
	// At is the central estimate; Earliest and Latest use the slope plus
	// and minus two standard errors. A nil time means never at that slope
	// (not growing).
	At       *time.Time `json:"at,omitempty"`
	Earliest *time.Time `json:"earliest,omitempty"`
	Latest   *time.Time `json:"latest,omitempty"`
	Note     string     `json:"note"`
}

// LineFit is a least-squares line y = Intercept + Slope * days since From.
type LineFit struct {
	From      time.Time `json:"from"`
	Points    int       `json:"points"`
	Slope     float64   `json:"slope_per_day"`
	Intercept float64   `json:"intercept"`
	// SlopeSE is the standard error of the slope (0 with two points,
	// where no spread can be estimated); R2 the coefficient of
	// determination.
	SlopeSE float64 `json:"slope_standard_error"`
	R2      float64 `json:"r2"`
}

// Finding is one rule that fired, shaped like report.Finding.
type Finding struct {
	Severity string         `json:"severity"`
	Code     string         `json:"code"`
	Message  string         `json:"message"`
	Evidence map[string]any `json:"evidence"`
	Advice   string         `json:"advice"`
}
