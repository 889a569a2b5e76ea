package trend

import (
	"fmt"
	"time"

	humanize "github.com/dustin/go-humanize"
)

// Thresholds of the findings, documented in docs/json-schema.md.
const (
	// steadyR2 is how well a line must fit the db sizes to call the
	// growth steady.
	steadyR2 = 0.8
	// stoppedSteps is how many trailing steps without a compaction, while
	// the revision moves, make compaction_stopped.
	stoppedSteps = 2
	// defragFreeShare is the share of free pages in the last db that makes
	// a series without a size drop worth defrag_never_run.
	defragFreeShare = 0.2
	// fasterFactor: a prefix grows faster than the rest when its share of
	// the series' byte growth is at least half and at least this many
	// times its share of the bytes at the start.
	fasterFactor = 2
	// growth8GiBWarnDays and growth8GiBInfoDays: growth_toward_8gib is a
	// warning when 8 GiB is that near (or reached), info within a year.
	growth8GiBWarnDays = 90
	growth8GiBInfoDays = 365
)

func (t *Trend) add(sev, code, msg, advice string, ev map[string]any) {
	t.Findings = append(t.Findings, Finding{Severity: sev, Code: code, Message: msg, Advice: advice, Evidence: ev})
}

func (t *Trend) findings(quota int64) {
	if t.Mixed {
		t.add("warning", "mixed_clusters", fmt.Sprintf("the series holds files of %d clusters; %d file(s) of other clusters are left out of the trend", len(t.Clusters), len(t.Excluded)),
			"trend one cluster's backups at a time: name only its files, or keep each cluster's backups in their own directory",
			map[string]any{"clusters": len(t.Clusters), "excluded": len(t.Excluded), "trended_cluster_id": t.Cluster})
	}
	if len(t.Failed) > 0 {
		t.add("warning", "members_unreadable", fmt.Sprintf("%d file(s) of the series could not be trended (each is listed with its reason); the trend covers the rest", len(t.Failed)),
			"check each listed file with 'dbinspect check FILE'", map[string]any{"failed": len(t.Failed)})
	}
	for _, e := range t.Events {
		if e.Kind == EventRevisionBack {
			t.add("warning", "revision_went_back", e.Detail, "if a member was restored from an older backup, trend the files from the restore on; else check the times (--time-from)",
				map[string]any{"from": e.From, "to": e.To})
		}
	}
	t.growthFinding(quota)
	t.growth8GiBFinding(quota)
	t.prefixFinding()
	t.compactionFinding()
	t.defragFinding()
	t.kubeFindings()
}

// projection is the projection to target ("quota" or "8GiB"), or nil.
func (t *Trend) projection(target string) *Projection {
	for i := range t.Project {
		if t.Project[i].Target == target {
			return &t.Project[i]
		}
	}
	return nil
}

// steadyDays is, for a projection of steady growth (at least 3 points, a
// growing slope, R² at least steadyR2), the days from the last member to
// the target (0 when reached); ok is false when the growth is not steady
// or the line never reaches it.
func (t *Trend) steadyDays(p *Projection) (days float64, ok bool) {
	if p == nil {
		return 0, false
	}
	f := p.Fit
	if f.Points < 3 || !(f.Slope > 0) || f.R2 < steadyR2 {
		return 0, false
	}
	if p.Reached {
		return 0, true
	}
	if p.At == nil {
		return 0, false
	}
	return p.At.Sub(t.Members[len(t.Members)-1].Time).Hours() / 24, true
}

func (t *Trend) growthFinding(quota int64) {
	p := t.projection("quota")
	in, ok := t.steadyDays(p)
	if !ok {
		return
	}
	f := p.Fit
	ev := map[string]any{"slope_bytes_per_day": f.Slope, "slope_standard_error": f.SlopeSE, "r2": f.R2, "quota_bytes": quota}
	advice := "find what grows (the prefixes above), compact and defragment, or raise --quota-backend-bytes before it is reached (etcd refuses writes at the quota: NOSPACE)"
	if p.Reached {
		t.add("critical", "growth_toward_quota", fmt.Sprintf("db size grows steadily (%s a day, R² %.2f) and the fitted size is at the quota (%s)", ibytesf(f.Slope), f.R2, humanize.IBytes(uint64(quota))), advice, ev)
		return
	}
	sev := ""
	switch {
	case in <= 30:
		sev = "critical"
	case in <= 90:
		sev = "warning"
	case in <= 365:
		sev = "info"
	default:
		return
	}
	ev["days_to_quota"] = in
	t.add(sev, "growth_toward_quota", fmt.Sprintf("db size grows steadily (%s a day ± %s, R² %.2f): the quota (%s) is reached around %s (%s), %.0f days after the last file",
		ibytesf(f.Slope), ibytesf(f.SlopeSE), f.R2, humanize.IBytes(uint64(quota)), p.At.Format("2006-01-02"), rangeText(*p), in), advice, ev)
}

// growth8GiBFinding is growth_toward_8gib: steady growth toward the 8 GiB
// etcd advises not to exceed, when no quota stops the db first (the quota
// is disabled or above 8 GiB; else growth_toward_quota speaks). 8 GiB is
// advice, not a limit etcd enforces: at most a warning.
func (t *Trend) growth8GiBFinding(quota int64) {
	if quota > 0 && quota <= AdvisedMaxBytes {
		return
	}
	p := t.projection("8GiB")
	in, ok := t.steadyDays(p)
	if !ok {
		return
	}
	f := p.Fit
	ev := map[string]any{"slope_bytes_per_day": f.Slope, "slope_standard_error": f.SlopeSE, "r2": f.R2, "target_bytes": int64(AdvisedMaxBytes), "quota_bytes": quota}
	why := "with the quota disabled nothing stops it"
	if quota > 0 {
		why = fmt.Sprintf("the %s quota is above it", humanize.IBytes(uint64(quota)))
	}
	advice := "find what grows (the prefixes above), compact and defragment: past 8 GiB etcd's startup, defrag and snapshot times grow with the db, and " + why
	if p.Reached {
		t.add("warning", "growth_toward_8gib", fmt.Sprintf("db size grows steadily (%s a day, R² %.2f) and the fitted size is past the 8 GiB etcd advises; %s", ibytesf(f.Slope), f.R2, why), advice, ev)
		return
	}
	sev := ""
	switch {
	case in <= growth8GiBWarnDays:
		sev = "warning"
	case in <= growth8GiBInfoDays:
		sev = "info"
	default:
		return
	}
	ev["days_to_8gib"] = in
	t.add(sev, "growth_toward_8gib", fmt.Sprintf("db size grows steadily (%s a day ± %s, R² %.2f): 8 GiB, the size etcd advises not to exceed, is reached around %s (%s), %.0f days after the last file; %s",
		ibytesf(f.Slope), ibytesf(f.SlopeSE), f.R2, p.At.Format("2006-01-02"), rangeText(*p), in, why), advice, ev)
}

// rangeText is the projection's date range in words.
func rangeText(p Projection) string {
	day := func(x *time.Time) string {
		if x == nil {
			return "never at that slope"
		}
		return x.Format("2006-01-02")
	}
	if p.Fit.Points < 3 {
		return "two points, no uncertainty"
	}
	return "between " + day(p.Earliest) + " and " + day(p.Latest)
}

func ibytesf(v float64) string {
	if v < 0 {
		return "-" + humanize.IBytes(uint64(-v))
	}
	return humanize.IBytes(uint64(v))
}

func (t *Trend) prefixFinding() {
	if len(t.Prefixes.ByBytes) == 0 || len(t.Members) < 2 {
		return
	}
	first, last := t.Members[0], t.Members[len(t.Members)-1]
	// Every prefix's growth, not only the top list's.
	names := map[string]bool{}
	var firstBytes int64
	for _, p := range first.Prefixes {
		names[p.Prefix] = true
		firstBytes += p.Bytes
	}
	for _, p := range last.Prefixes {
		names[p.Prefix] = true
	}
	var grown int64
	for name := range names {
		if d := bytesOf(last, name) - bytesOf(first, name); d > 0 {
			grown += d
		}
	}
	top := t.Prefixes.ByBytes[0]
	if len(names) < 2 || grown <= 0 {
		return
	}
	growthShare := float64(top.BytesDelta) / float64(grown)
	startShare := 0.0
	if firstBytes > 0 {
		startShare = float64(top.BytesFirst) / float64(firstBytes)
	}
	if growthShare < 0.5 || growthShare < fasterFactor*startShare {
		return
	}
	t.add("info", "prefix_grows_faster", fmt.Sprintf("%q grew by %s, %.0f%% of the growth of all prefixes, from %.0f%% of their bytes at the first file",
		top.Prefix, humanize.IBytes(uint64(top.BytesDelta)), 100*growthShare, 100*startShare),
		"this prefix drives the growth: look at who writes it (and, for history, how often it is rewritten)",
		map[string]any{"prefix": top.Prefix, "bytes_delta": top.BytesDelta, "growth_share": growthShare, "start_share": startShare})
}

func bytesOf(m Summary, prefix string) int64 {
	var n int64
	for _, p := range m.Prefixes {
		if p.Prefix == prefix {
			n += p.Bytes
		}
	}
	return n
}

func (t *Trend) compactionFinding() {
	n := len(t.Steps)
	idle := 0
	var revs int64
	for i := n - 1; i >= 0; i-- {
		s := t.Steps[i]
		if s.Compacted || s.RevisionBack || s.RevisionDelta == 0 {
			break
		}
		idle++
		revs += s.RevisionDelta
	}
	if idle < stoppedSteps {
		return
	}
	since := t.Members[n-idle]
	last := t.Members[n]
	everMoved := idle < n
	msg := fmt.Sprintf("the compact revision (%d) has not moved over the last %d files (%.1f days, %d revisions since %s)",
		last.CompactRevision, idle+1, days(since.Time, last.Time), revs, since.Given)
	if !everMoved {
		msg = fmt.Sprintf("the compact revision (%d) did not move over the whole series (%d files, %.1f days) while the revision grew by %d",
			last.CompactRevision, n+1, days(since.Time, last.Time), revs)
	}
	t.add("warning", "compaction_stopped", msg,
		"history grows until compacted: check the compactor (kube-apiserver compacts every 5 minutes; etcd's --auto-compaction-*), or compact by hand ('etcdctl compact')",
		map[string]any{"compact_revision": last.CompactRevision, "steps": idle, "revisions": revs, "compacted_before": everMoved})
}

func (t *Trend) defragFinding() {
	if len(t.Steps) < 2 || t.Overall.Defrags > 0 {
		return
	}
	last := t.Members[len(t.Members)-1]
	free := last.DbSizeBytes - last.InUseBytes
	if last.DbSizeBytes <= 0 || float64(free) < defragFreeShare*float64(last.DbSizeBytes) {
		return
	}
	t.add("info", "defrag_never_run", fmt.Sprintf("the db size never dropped over %d files (%.1f days): no defrag in the series, and %s (%.0f%%) of the last db is free pages",
		len(t.Members), t.Overall.Days, humanize.IBytes(uint64(free)), 100*float64(free)/float64(last.DbSizeBytes)),
		"defragment (one member at a time) to give the free pages back and lower the size the quota counts",
		map[string]any{"free_bytes": free, "db_size_bytes": last.DbSizeBytes})
}
