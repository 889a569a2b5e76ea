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
	// fasterFactor: a prefix (or kind) grows faster than the rest when it
	// holds at least half of the series' byte growth and its bytes grew by
	// at least this many times the factor of the rest's (fasterThanRest).
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
	t.kindFinding()
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

// faster is the one rule of prefix_grows_faster and k8s_kind_grows_faster:
// of named byte counts at the first and last member, the one that grew
// most holds at least half of all the growth (of those that grew), and
// grew by a factor (last / first) at least fasterFactor times that of the
// rest taken together. A name absent at first grew infinitely: it counts
// as faster unless the rest also started from nothing.
type faster struct {
	Name                string
	First, Last, Delta  int64
	GrowthShare         float64
	Factor, RestFactor  float64 // last / first; 0 when first is 0
	RestFirst, RestLast int64
}

func fasterThanRest(first, last map[string]int64) (faster, bool) {
	names := map[string]bool{}
	var f faster
	var grown, allFirst, allLast int64
	for n, v := range first {
		names[n] = true
		allFirst += v
	}
	for n, v := range last {
		names[n] = true
		allLast += v
	}
	if len(names) < 2 {
		return f, false
	}
	for n := range names {
		d := last[n] - first[n]
		if d > 0 {
			grown += d
		}
		if d > f.Delta || d == f.Delta && d > 0 && n < f.Name {
			f.Name, f.Delta = n, d
		}
	}
	if f.Delta <= 0 {
		return f, false
	}
	f.First, f.Last = first[f.Name], last[f.Name]
	f.RestFirst, f.RestLast = allFirst-f.First, allLast-f.Last
	f.GrowthShare = float64(f.Delta) / float64(grown)
	if f.GrowthShare < 0.5 {
		return f, false
	}
	if f.First > 0 {
		f.Factor = float64(f.Last) / float64(f.First)
	}
	if f.RestFirst > 0 {
		f.RestFactor = float64(f.RestLast) / float64(f.RestFirst)
	}
	switch {
	case f.RestFirst == 0:
		return f, false // the rest started from nothing: no factor to beat
	case f.First == 0:
		return f, true
	default:
		return f, f.Factor >= fasterFactor*f.RestFactor
	}
}

// evidence is the rule's figures; a factor is left out when its start was
// zero (it is infinite).
func (f faster) evidence(key string) map[string]any {
	ev := map[string]any{key: f.Name, "bytes_first": f.First, "bytes_last": f.Last, "bytes_delta": f.Delta, "growth_share": f.GrowthShare,
		"rest_bytes_first": f.RestFirst, "rest_bytes_last": f.RestLast, "rest_growth_factor": f.RestFactor}
	if f.First > 0 {
		ev["growth_factor"] = f.Factor
	}
	return ev
}

// factorText is "8.1x" or "from nothing".
func (f faster) factorText() string {
	if f.First == 0 {
		return "from nothing"
	}
	return fmt.Sprintf("%.1fx", f.Factor)
}

func (t *Trend) prefixFinding() {
	if len(t.Members) < 2 {
		return
	}
	first, last := map[string]int64{}, map[string]int64{}
	for _, p := range t.Members[0].Prefixes {
		first[p.Prefix] += p.Bytes
	}
	for _, p := range t.Members[len(t.Members)-1].Prefixes {
		last[p.Prefix] += p.Bytes
	}
	f, ok := fasterThanRest(first, last)
	if !ok {
		return
	}
	t.add("info", "prefix_grows_faster", fmt.Sprintf("%q grew by %s (%s), %.0f%% of the growth of all prefixes, while the rest grew %.1fx",
		f.Name, humanize.IBytes(uint64(f.Delta)), f.factorText(), 100*f.GrowthShare, f.RestFactor),
		"this prefix drives the growth: look at who writes it (and, for history, how often it is rewritten)", f.evidence("prefix"))
}

// kindFinding is k8s_kind_grows_faster: the rule of prefix_grows_faster on
// the live value bytes of the Kubernetes kinds.
func (t *Trend) kindFinding() {
	if t.Kube == nil {
		return
	}
	n := len(t.Members)
	first, last := map[string]int64{}, map[string]int64{}
	label := map[string]string{}
	for _, k := range t.Kube.Kinds {
		id := k.sortKey()
		first[id], last[id] = k.ValueBytes[0], k.ValueBytes[n-1]
		label[id] = k.APIVersion + "/" + k.Kind
		if k.Kind == "" {
			label[id] = "(" + k.Hidden + ")"
		}
	}
	f, ok := fasterThanRest(first, last)
	if !ok {
		return
	}
	f.Name = label[f.Name]
	t.add("info", "k8s_kind_grows_faster", fmt.Sprintf("Kubernetes kind %s grew by %s of live values (%s), %.0f%% of the growth of all kinds, while the rest grew %.1fx",
		f.Name, humanize.IBytes(uint64(f.Delta)), f.factorText(), 100*f.GrowthShare, f.RestFactor),
		"this kind drives the growth: look for the controller or operator that creates its objects, and for oversized objects (the report's largest per kind)", f.evidence("kind"))
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
