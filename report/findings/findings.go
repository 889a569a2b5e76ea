package findings

import (
	"fmt"
	"slices"
	"sort"

	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/report/predict"
	humanize "github.com/dustin/go-humanize"
)

// Finding is one rule that fired: how bad, a stable code, what was seen,
// the numbers behind it and one line of advice.
type Finding struct {
	Severity string         `json:"severity"` // info, warning or critical
	Code     string         `json:"code"`     // stable snake_case
	Message  string         `json:"message"`
	Evidence map[string]any `json:"evidence"`
	Advice   string         `json:"advice"`
}

// Severities, from least to most severe.
const (
	SeverityInfo     = "info"
	SeverityWarning  = "warning"
	SeverityCritical = "critical"
)

// SeverityRank orders severities: info 1, warning 2, critical 3, else 0.
func SeverityRank(s string) int {
	switch s {
	case SeverityInfo:
		return 1
	case SeverityWarning:
		return 2
	case SeverityCritical:
		return 3
	}
	return 0
}

// Inputs is what the rules read besides the predictions.
type Inputs struct {
	Predict    predict.Inputs
	Prediction predict.Prediction

	// MetaValid tells which of the two meta pages validated.
	MetaValid [2]bool
	// SnapshotHashChecked is set for a file saved by 'etcdctl snapshot
	// save' whose SHA-256 trailer was checked; SnapshotHashOK is the result.
	SnapshotHashChecked bool
	SnapshotHashOK      bool
	Alarms              []string // e.g. "NOSPACE", "CORRUPT"
	MalformedEntries    int64    // key-bucket entries etcd could not restore
	MalformedLeases     int64    // lease-bucket entries that are not etcd leases
	ReadErrors          []string // damaged pages met while reading

	// The prefix holding the most revisions.
	TopPrefix          string
	TopPrefixRevisions int64
	// The lease with the most keys attached.
	LargestLeaseID   string // hex, as etcdctl prints it
	LargestLeaseKeys int64
	// The key whose latest value x revisions is largest (what fills the raft log).
	HotKey           string
	HotKeyValueBytes int64
	HotKeyRevisions  int64
}

// Thresholds of the rules; named so the tests and the docs can cite them.
const (
	nearQuotaFraction       = 0.8
	mostlyFreeFraction      = 0.5
	mostlyFreeMinBytes      = 16 << 20
	fragmentedSpans         = 10000
	raftLogWarnBytes        = 1 << 30
	largeValueBytes         = 100 << 10
	largeValueRevisions     = 100
	historyPrefixShare      = 0.5
	historyPrefixMinRevs    = 100000
	leaseManyKeys           = 10000
	slowStartupSeconds      = 10
	uncompactedRevsPerKey   = 10
	uncompactedMinRevisions = 1000000
	// An unpaginated range over a prefix is expensive when etcd must
	// allocate this much to answer it, or return this many keys.
	expensiveRangeMemoryBytes = 256 << 20
	expensiveRangeKeys        = 100000
)

type rule func(in Inputs) *Finding

// rules run in this order; each returns nil when it does not fire.
var rules = []rule{
	ruleMetaInvalid,
	ruleSnapshotHash,
	ruleReadErrors,
	ruleMalformed,
	ruleMalformedLeases,
	ruleAlarm,
	ruleQuota,
	ruleQuotaAboveMax,
	ruleUnfinishedCompaction,
	ruleMostlyFree,
	ruleFragmentedFreelist,
	ruleRaftLog,
	ruleLargeHotValues,
	ruleHistoryPrefix,
	ruleLeaseManyKeys,
	ruleSlowStartup,
	ruleUncompacted,
	ruleRangeOverGRPCLimit,
	ruleExpensiveRange,
	ruleFollowerLoop,
}

// Evaluate runs every rule and returns the findings that fired,
// most severe first (rule order within a severity).
func Evaluate(in Inputs) []Finding {
	var out []Finding
	for _, r := range rules {
		if f := r(in); f != nil {
			out = append(out, *f)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return SeverityRank(out[i].Severity) > SeverityRank(out[j].Severity) })
	return out
}

func ibytesOf(n int64) string {
	if n < 0 {
		return "-" + humanize.IBytes(uint64(-n))
	}
	return humanize.IBytes(uint64(n))
}

func ruleMetaInvalid(in Inputs) *Finding {
	switch {
	case in.MetaValid[0] && in.MetaValid[1]:
		return nil
	case !in.MetaValid[0] && !in.MetaValid[1]:
		return &Finding{SeverityCritical, "meta_invalid", "neither meta page validates: bbolt and etcd will refuse to open this file",
			map[string]any{"meta0_valid": false, "meta1_valid": false},
			"restore from another snapshot or member; this file cannot be opened"}
	}
	bad := 0
	if in.MetaValid[0] {
		bad = 1
	}
	return &Finding{SeverityWarning, "meta_invalid", fmt.Sprintf("meta page %d does not validate; bbolt will use the other one", bad),
		map[string]any{"meta0_valid": in.MetaValid[0], "meta1_valid": in.MetaValid[1]},
		"the file opens, but the last commit may be lost: compare the revision with the cluster before restoring"}
}

func ruleSnapshotHash(in Inputs) *Finding {
	if !in.SnapshotHashChecked || in.SnapshotHashOK {
		return nil
	}
	return &Finding{SeverityCritical, "snapshot_hash_mismatch", "the snapshot's SHA-256 trailer does not match its content",
		map[string]any{"hash_checked": true, "hash_ok": false},
		"the file was damaged after 'etcdctl snapshot save': take a new snapshot (restore refuses it without --skip-hash-check)"}
}

func ruleReadErrors(in Inputs) *Finding {
	if len(in.ReadErrors) == 0 {
		return nil
	}
	ev := map[string]any{"errors": len(in.ReadErrors), "first": in.ReadErrors[0]}
	return &Finding{SeverityCritical, "damaged_pages", fmt.Sprintf("%d damaged page(s) or subtrees could not be read", len(in.ReadErrors)), ev,
		"do not restore this file; etcd may panic on these pages: use another snapshot or member"}
}

func ruleMalformed(in Inputs) *Finding {
	if in.MalformedEntries == 0 {
		return nil
	}
	return &Finding{SeverityCritical, "malformed_revisions", fmt.Sprintf("%d key-bucket entries cannot be decoded; etcd's restore panics on them", in.MalformedEntries),
		map[string]any{"malformed_entries": in.MalformedEntries},
		"do not restore this file into etcd: use another snapshot or member"}
}

// ruleMalformedLeases: etcd's lease recovery (schema.MustUnsafeGetAllLeases)
// panics on a lease value that does not unmarshal, so a bucket named like
// etcd's holding foreign data stops etcd from starting.
func ruleMalformedLeases(in Inputs) *Finding {
	if in.MalformedLeases == 0 {
		return nil
	}
	return &Finding{SeverityCritical, "malformed_leases", fmt.Sprintf("%d lease-bucket entries are not etcd leases; etcd's lease recovery panics on a value that does not decode", in.MalformedLeases),
		map[string]any{"malformed_leases": in.MalformedLeases},
		"do not restore this file into etcd: something other than etcd wrote to its lease bucket; use another snapshot or member"}
}

func ruleAlarm(in Inputs) *Finding {
	if len(in.Alarms) == 0 {
		return nil
	}
	msg := fmt.Sprintf("alarms persisted in the db: %v; etcd restores them at startup", in.Alarms)
	advice := "after fixing the cause (compact and defrag for NOSPACE), run 'etcdctl alarm disarm'"
	if slices.Contains(in.Alarms, "NOSPACE") {
		// etcd raises NOSPACE when a write would take the db past the
		// quota: the member's quota was at most its db size then.
		size := in.Prediction.Quota.DbSizeBytes
		msg += fmt.Sprintf("; NOSPACE means the member ran with a quota of at most its db size at the alarm (%s unless defragmented since)", ibytesOf(size))
		advice = fmt.Sprintf("compact and defragment to bring the db well under that quota, or raise --quota-backend-bytes above %s (at most 8 GiB advised); then run 'etcdctl alarm disarm': etcd keeps refusing writes until then", ibytesOf(size))
	}
	return &Finding{SeverityCritical, "alarm_raised", msg, map[string]any{"alarms": in.Alarms}, advice}
}

func ruleQuota(in Inputs) *Finding {
	q := in.Prediction.Quota
	if q.Disabled || q.QuotaBytes == 0 {
		return nil
	}
	ev := map[string]any{"db_size_bytes": q.DbSizeBytes, "quota_bytes": q.QuotaBytes, "used_fraction": q.UsedFraction,
		"defrag_size_bytes": in.Prediction.DefragSizeBytes}
	advice := "compact old revisions, then defragment; or raise --quota-backend-bytes (at most 8 GiB advised)"
	if in.Prediction.DefragSizeBytes > 0 && in.Prediction.DefragSizeBytes < nearQuotaFractionOf(q.QuotaBytes) {
		advice = fmt.Sprintf("a defrag alone would bring it to %s: defragment (etcdctl defrag), then disarm the alarm if raised", ibytesOf(in.Prediction.DefragSizeBytes))
	}
	switch {
	case q.OverQuota:
		return &Finding{SeverityCritical, "db_over_quota", fmt.Sprintf("db size %s is at or over the %s quota: etcd rejects writes (NOSPACE)", ibytesOf(q.DbSizeBytes), ibytesOf(q.QuotaBytes)), ev, advice}
	case q.UsedFraction >= nearQuotaFraction:
		return &Finding{SeverityWarning, "db_near_quota", fmt.Sprintf("db size %s is %s of the %s quota", ibytesOf(q.DbSizeBytes), percent(q.DbSizeBytes, q.QuotaBytes), ibytesOf(q.QuotaBytes)), ev, advice}
	}
	return nil
}

func nearQuotaFractionOf(q int64) int64 { return int64(nearQuotaFraction * float64(q)) }

func ruleQuotaAboveMax(in Inputs) *Finding {
	q := in.Prediction.Quota
	if !q.AboveMax {
		return nil
	}
	return &Finding{SeverityWarning, "quota_above_max", fmt.Sprintf("quota %s is above the %s etcd advises (it logs \"quota exceeds the maximum value\")", ibytesOf(q.QuotaBytes), ibytesOf(q.MaxQuotaBytes)),
		map[string]any{"quota_bytes": q.QuotaBytes, "max_quota_bytes": q.MaxQuotaBytes},
		"keep the quota at 8 GiB or less: larger dbs make startup, defrag and snapshots slow"}
}

func ruleUnfinishedCompaction(in Inputs) *Finding {
	p := in.Predict
	if p.ScheduledCompactRev <= p.FinishedCompactRev {
		return nil
	}
	return &Finding{SeverityWarning, "compaction_unfinished",
		fmt.Sprintf("compaction at revision %d was scheduled but not finished (finished: %d); etcd re-runs it after startup over %d revisions", p.ScheduledCompactRev, p.FinishedCompactRev, p.RevisionsToRecompact),
		map[string]any{"scheduled_compact_rev": p.ScheduledCompactRev, "finished_compact_rev": p.FinishedCompactRev,
			"revisions_to_recompact": p.RevisionsToRecompact, "rerun_seconds": in.Prediction.StartupBreakdown.CompactionRerun},
		"expect extra disk and CPU load just after startup; do not restart etcd again until the compaction completes"}
}

func ruleMostlyFree(in Inputs) *Finding {
	p := in.Predict
	size := int64(p.HighWaterPgid) * int64(p.PageSize)
	freeBytes := int64(p.FreePages) * int64(p.PageSize)
	// Past damage the pages no tree reached are not known to be free.
	if len(in.ReadErrors) > 0 || size == 0 || freeBytes < mostlyFreeMinBytes || float64(freeBytes) < mostlyFreeFraction*float64(size) {
		return nil
	}
	return &Finding{SeverityWarning, "mostly_free", fmt.Sprintf("%s of the %s db (%s) is free pages", ibytesOf(freeBytes), ibytesOf(size), percent(freeBytes, size)),
		map[string]any{"free_pages": p.FreePages, "free_bytes": freeBytes, "db_size_bytes": size, "defrag_size_bytes": in.Prediction.DefragSizeBytes},
		defragAdvice(freeBytes, in.Prediction.DefragSavingsBytes)}
}

func ruleFragmentedFreelist(in Inputs) *Finding {
	p := in.Predict
	if p.FreeSpans < fragmentedSpans {
		return nil
	}
	return &Finding{SeverityWarning, "fragmented_freelist", fmt.Sprintf("free space is split into %d runs of pages", p.FreeSpans),
		map[string]any{"free_spans": p.FreeSpans, "free_pages": p.FreePages},
		"multi-page allocations search a long freelist and grow the file instead; defragment"}
}

func ruleRaftLog(in Inputs) *Finding {
	var worst predict.VersionPrediction
	for _, v := range in.Prediction.ByVersion {
		if v.Memory.RaftLogBytes > worst.Memory.RaftLogBytes {
			worst = v
		}
	}
	if worst.Memory.RaftLogBytes < raftLogWarnBytes {
		return nil
	}
	return &Finding{SeverityWarning, "raft_log_memory", fmt.Sprintf("etcd %s would keep about %s of raft log in memory (%d recent entries at this write mix)", worst.Version, ibytesOf(worst.Memory.RaftLogBytes), worst.Memory.RaftLogEntries),
		map[string]any{"version": worst.Version, "raftlog_bytes": worst.Memory.RaftLogBytes, "entries": worst.Memory.RaftLogEntries},
		"lower --snapshot-count (3.4 and 3.5) or move large, often rewritten values out of etcd"}
}

func ruleLargeHotValues(in Inputs) *Finding {
	if in.HotKeyValueBytes < largeValueBytes || in.HotKeyRevisions < largeValueRevisions {
		return nil
	}
	// While those writes are among the last catch-up entries, each is a
	// whole copy of the value in etcd's in-memory raft log.
	inLog := min(in.HotKeyRevisions, int64(mvcc.RaftCatchUpEntries)) * in.HotKeyValueBytes
	return &Finding{SeverityWarning, "large_values_rewritten", fmt.Sprintf("key %q holds a %s value written %d times: up to %s of raft log in memory while those writes are recent", in.HotKey, ibytesOf(in.HotKeyValueBytes), in.HotKeyRevisions, ibytesOf(inLog)),
		map[string]any{"key": in.HotKey, "value_bytes": in.HotKeyValueBytes, "revisions": in.HotKeyRevisions, "raftlog_bytes_if_recent": inLog},
		"every write copies the whole value into the raft log and the history: split the value or write it less often"}
}

func ruleHistoryPrefix(in Inputs) *Finding {
	revs := in.Predict.Revisions
	if revs < historyPrefixMinRevs || in.TopPrefixRevisions < int64(historyPrefixShare*float64(revs)) {
		return nil
	}
	return &Finding{SeverityInfo, "history_concentrated", fmt.Sprintf("prefix %q holds %d of %d revisions (%s)", in.TopPrefix, in.TopPrefixRevisions, revs, percent(in.TopPrefixRevisions, revs)),
		map[string]any{"prefix": in.TopPrefix, "revisions": in.TopPrefixRevisions, "total_revisions": revs},
		"find the writer behind this prefix: its update rate drives the db's growth between compactions"}
}

func ruleLeaseManyKeys(in Inputs) *Finding {
	if in.LargestLeaseKeys < leaseManyKeys {
		return nil
	}
	return &Finding{SeverityWarning, "lease_many_keys", fmt.Sprintf("lease %s has %d keys attached", in.LargestLeaseID, in.LargestLeaseKeys),
		map[string]any{"lease_id": in.LargestLeaseID, "keys": in.LargestLeaseKeys},
		"its expiry deletes all of them in one transaction: spread keys over more leases"}
}

func ruleSlowStartup(in Inputs) *Finding {
	var worst predict.VersionPrediction
	for _, v := range in.Prediction.ByVersion {
		if v.StartupSeconds > worst.StartupSeconds {
			worst = v
		}
	}
	if worst.StartupSeconds < slowStartupSeconds {
		return nil
	}
	return &Finding{SeverityWarning, "slow_startup", fmt.Sprintf("etcd %s would take about %.0f s to start on this file", worst.Version, worst.StartupSeconds),
		map[string]any{"version": worst.Version, "startup_seconds": worst.StartupSeconds},
		"compact and defragment before restoring; raise liveness probe delays until then"}
}

func ruleUncompacted(in Inputs) *Finding {
	p := in.Predict
	if p.Revisions < uncompactedMinRevisions || p.Keys == 0 || p.Revisions < uncompactedRevsPerKey*p.Keys {
		return nil
	}
	return &Finding{SeverityInfo, "history_uncompacted", fmt.Sprintf("%d revisions for %d keys (%.0f per key)", p.Revisions, p.Keys, float64(p.Revisions)/float64(p.Keys)),
		map[string]any{"revisions": p.Revisions, "keys": p.Keys, "compact_defrag_size_bytes": in.Prediction.CompactDefragSizeBytes},
		"enable periodic compaction (--auto-compaction-retention) or compact at the current revision"}
}

// CountAtLeast counts findings at or above the named severity.
func CountAtLeast(fs []Finding, severity string) int {
	min := SeverityRank(severity)
	n := 0
	for _, f := range fs {
		if SeverityRank(f.Severity) >= min {
			n++
		}
	}
	return n
}

// rangeRows are the prefix and namespace rows of the range costs.
func rangeRows(in Inputs) []predict.RangeCost {
	rc := in.Prediction.Ranges
	if rc == nil {
		return nil
	}
	return append(append([]predict.RangeCost(nil), rc.Prefixes...), rc.Namespaces...)
}

func ruleExpensiveRange(in Inputs) *Finding {
	var hit []predict.RangeCost
	for _, c := range rangeRows(in) {
		if c.ServerMemoryBytes >= expensiveRangeMemoryBytes || c.Keys >= expensiveRangeKeys {
			hit = append(hit, c)
		}
	}
	if len(hit) == 0 {
		return nil
	}
	sort.SliceStable(hit, func(i, j int) bool { return hit[i].ServerMemoryBytes > hit[j].ServerMemoryBytes })
	w := hit[0]
	var names []string
	for _, c := range hit {
		names = append(names, c.Prefix)
	}
	msg := fmt.Sprintf("an unpaginated range over %q returns %d keys (%s) and makes etcd allocate about %s to answer it (about %s)", w.Prefix, w.Keys, ibytesOf(w.ResponseBytes), ibytesOf(w.ServerMemoryBytes), secondsOf(w.Seconds))
	if len(hit) > 1 {
		msg += fmt.Sprintf("; %d more prefixes or namespaces are expensive to read whole", len(hit)-1)
	}
	limit := in.Prediction.Ranges.Limit
	return &Finding{SeverityWarning, "expensive_unpaginated_range", msg,
		map[string]any{"prefix": w.Prefix, "keys": w.Keys, "response_bytes": w.ResponseBytes, "server_memory_bytes": w.ServerMemoryBytes, "seconds": w.Seconds, "prefixes": names,
			"memory_threshold_bytes": int64(expensiveRangeMemoryBytes), "keys_threshold": int64(expensiveRangeKeys)},
		fmt.Sprintf("read it in pages: etcdctl get PREFIX --prefix --limit %d, continuing from the last key; Kubernetes clients list with limit and continue (kubectl --chunk-size=%d, client-go's pager)", limit, limit)}
}

func ruleRangeOverGRPCLimit(in Inputs) *Finding {
	rc := in.Prediction.Ranges
	if rc == nil {
		return nil
	}
	var over []predict.RangeCost
	for _, c := range rangeRows(in) {
		if c.ExceedsGRPCLimit {
			over = append(over, c)
		}
	}
	sev := SeverityCritical
	if len(over) == 0 {
		if !rc.All.ExceedsGRPCLimit {
			return nil
		}
		// Only a range over every key is too large (a backup by get).
		sev = SeverityWarning
		over = []predict.RangeCost{rc.All}
	}
	sort.SliceStable(over, func(i, j int) bool { return over[i].ResponseBytes > over[j].ResponseBytes })
	w := over[0]
	name := w.Prefix
	if name == "" {
		name = "every key"
	}
	var names []string
	for _, c := range over {
		names = append(names, c.Prefix)
	}
	limitBytes := min(rc.GRPC[0].ServerSendBytes, rc.GRPC[0].ClientRecvBytes)
	return &Finding{sev, "range_exceeds_grpc_limit", fmt.Sprintf("an unpaginated range over %q would return %s, over gRPC's %s message limit: it fails (ResourceExhausted)", name, ibytesOf(w.ResponseBytes), ibytesOf(limitBytes)),
		map[string]any{"prefix": w.Prefix, "response_bytes": w.ResponseBytes, "limit_bytes": limitBytes, "prefixes": names},
		fmt.Sprintf("only a paginated read can return it: etcdctl get PREFIX --prefix --limit %d, continuing from the last key (kubectl --chunk-size=%d); for a backup use etcdctl snapshot save", rc.Limit, rc.Limit)}
}

func secondsOf(s float64) string {
	if s < 1 {
		return fmt.Sprintf("%.0f ms", s*1e3)
	}
	return fmt.Sprintf("%.1f s", s)
}

// followerSend is the send the follower rule judges: at --network-mbps
// when given (priced first), else at 1 Gbit/s.
func followerSend(f *predict.FollowerSnapshot) (predict.FollowerSend, bool) {
	if len(f.Sends) == 0 {
		return predict.FollowerSend{}, false
	}
	return f.Sends[0], true
}

func ruleFollowerLoop(in Inputs) *Finding {
	f := in.Prediction.Follower
	if f == nil {
		return nil
	}
	s, ok := followerSend(f)
	if !ok || s.CatchUp == predict.CatchUpYes {
		return nil
	}
	sev, what := SeverityInfo, "may not catch up"
	if s.CatchUp == predict.CatchUpLoop {
		sev, what = SeverityWarning, "would not catch up"
	}
	return &Finding{sev, "follower_snapshot_loop",
		fmt.Sprintf("a follower that falls behind %s: sending this db at %g Mbit/s and applying it take %s, while the leader writes %d entries at %g entries/s (it keeps %d to %d after the snapshot)",
			what, s.NetworkMbps, secondsOf(s.TotalSeconds), s.EntriesWritten, f.WriteRate, f.MinWindowEntries, f.MaxWindowEntries),
		map[string]any{"network_mbps": s.NetworkMbps, "send_seconds": s.SendSeconds, "apply_seconds": f.ApplySeconds, "entries_written": s.EntriesWritten,
			"write_rate": f.WriteRate, "min_window_entries": f.MinWindowEntries, "max_window_entries": f.MaxWindowEntries, "catch_up": s.CatchUp},
		"shrink the db first (compact, defrag), raise the entries the leader keeps (3.6: --snapshot-catchup-entries; 3.5: --snapshot-count), or add the member as a learner while writes are low"}
}
