package trend

import (
	"fmt"
	"sort"
	"time"
)

// Analyze trends the members of one series. Files of clusters other than
// the trended one (the cluster with most files; on a tie, the newest file's)
// are excluded and listed; damaged (Partial) members join the failed files,
// which are carried through as given.
func Analyze(members []Summary, failed []Failure, o Options) *Trend {
	disabled := o.QuotaBytes < 0
	switch {
	case disabled:
		o.QuotaBytes = 0
	case o.QuotaBytes == 0:
		o.QuotaBytes = DefaultQuotaBytes
	}
	if o.TopN <= 0 {
		o.TopN = 10
	}
	t := &Trend{Failed: append([]Failure{}, failed...), Excluded: []Failure{}, Steps: []Step{}, Events: []Event{},
		Project: []Projection{}, Findings: []Finding{}, Options: OptionsEchoed{QuotaBytes: o.QuotaBytes, QuotaDisabled: disabled}}
	// A damaged file's figures cover only what could be read: they would
	// bend the lines, so it is listed, not trended.
	var whole []Summary
	for _, m := range members {
		if m.Partial != "" {
			t.Failed = append(t.Failed, Failure{Given: m.Given, Reason: "damaged, read only in part (" + m.Partial + "); left out so its partial figures do not bend the trend"})
			continue
		}
		whole = append(whole, m)
	}
	t.Members = t.pickCluster(whole)
	sort.SliceStable(t.Members, func(i, j int) bool {
		a, b := t.Members[i], t.Members[j]
		if a.Revision != b.Revision {
			return a.Revision < b.Revision
		}
		if !a.Time.Equal(b.Time) {
			return a.Time.Before(b.Time)
		}
		return a.Given < b.Given
	})
	t.steps()
	t.overall()
	t.prefixes(o.TopN)
	t.kube()
	t.projections(o.QuotaBytes)
	t.findings(o.QuotaBytes)
	return t
}

// pickCluster keeps the trended cluster's members. A member without a
// cluster ID (no readable members bucket) stays with the trended cluster.
func (t *Trend) pickCluster(members []Summary) []Summary {
	count := map[string]int{}
	newest := map[string]time.Time{}
	for _, m := range members {
		if m.ClusterID == "" {
			continue
		}
		count[m.ClusterID]++
		if m.Time.After(newest[m.ClusterID]) {
			newest[m.ClusterID] = m.Time
		}
	}
	t.Clusters = []ClusterCount{}
	for id, n := range count {
		t.Clusters = append(t.Clusters, ClusterCount{ID: id, Files: n})
	}
	sort.Slice(t.Clusters, func(i, j int) bool {
		a, b := t.Clusters[i], t.Clusters[j]
		if a.Files != b.Files {
			return a.Files > b.Files
		}
		if !newest[a.ID].Equal(newest[b.ID]) {
			return newest[a.ID].After(newest[b.ID])
		}
		return a.ID < b.ID
	})
	if len(t.Clusters) == 0 {
		return append([]Summary{}, members...)
	}
	t.Cluster = t.Clusters[0].ID
	t.Mixed = len(t.Clusters) > 1
	var keep []Summary
	for _, m := range members {
		if m.ClusterID == "" || m.ClusterID == t.Cluster {
			keep = append(keep, m)
			continue
		}
		t.Excluded = append(t.Excluded, Failure{Given: m.Given,
			Reason: fmt.Sprintf("another cluster: cluster ID %s (members %v), not %s, the cluster of most files of the series", m.ClusterID, m.MemberIDs, t.Cluster)})
	}
	return keep
}

func perDay(delta float64, d float64) *float64 {
	if !(d > 0) {
		return nil
	}
	v := delta / d
	return &v
}

func (t *Trend) steps() {
	for i := 1; i < len(t.Members); i++ {
		a, b := t.Members[i-1], t.Members[i]
		// In revision order a member older in time than the one before it
		// means the revision went back over time: a restore of an older
		// backup, or names and clocks that are off.
		back := b.Time.Before(a.Time) && b.Revision > a.Revision
		s := Step{From: a.Given, To: b.Given, Change: changeBetween(a, b, back), RevisionBack: back}
		if s.RevisionBack {
			t.Events = append(t.Events, Event{Kind: EventRevisionBack, From: a.Given, To: b.Given,
				Detail: fmt.Sprintf("%s is dated %s, before %s (%s), yet holds the higher revision (%d > %d): over time the revision went back, a restore of an older backup or times that are off",
					a.Given, stamp(a.Time), b.Given, stamp(b.Time), b.Revision, a.Revision)})
		}
		if b.CompactRevision != a.CompactRevision {
			s.Compacted = true
			t.Events = append(t.Events, Event{Kind: EventCompaction, From: a.Given, To: b.Given,
				Detail: fmt.Sprintf("compact revision %d -> %d", a.CompactRevision, b.CompactRevision)})
		}
		// bbolt never lowers its high-water mark: a smaller db is a new
		// file, written by a defrag (or a restore).
		if b.DbSizeBytes < a.DbSizeBytes {
			s.Defragmented = true
			t.Events = append(t.Events, Event{Kind: EventDefrag, From: a.Given, To: b.Given,
				Detail: fmt.Sprintf("db size %d -> %d bytes (-%d)", a.DbSizeBytes, b.DbSizeBytes, a.DbSizeBytes-b.DbSizeBytes)})
		}
		t.Steps = append(t.Steps, s)
	}
}

// changeBetween is what changed from member a to b, the step's or the
// series'; no revision rate when the revision went back over time.
func changeBetween(a, b Summary, back bool) Change {
	c := Change{Days: days(a.Time, b.Time), RevisionDelta: b.Revision - a.Revision,
		DbSizeDelta: b.DbSizeBytes - a.DbSizeBytes, InUseDelta: b.InUseBytes - a.InUseBytes,
		LiveKeysDelta: b.LiveKeys - a.LiveKeys, HistoryDelta: b.HistoryBytes - a.HistoryBytes}
	if !back {
		c.RevisionsPerDay = perDay(float64(c.RevisionDelta), c.Days)
	}
	return c
}

func stamp(x time.Time) string { return x.UTC().Format(time.RFC3339) }

func (t *Trend) overall() {
	if len(t.Members) == 0 {
		return
	}
	a, b := t.Members[0], t.Members[len(t.Members)-1]
	o := Overall{First: a.Given, Last: b.Given}
	back := false
	for _, s := range t.Steps {
		if s.Compacted {
			o.Compactions++
		}
		if s.Defragmented {
			o.Defrags++
		}
		back = back || s.RevisionBack
	}
	o.Change = changeBetween(a, b, back)
	t.Overall = o
}

func (t *Trend) prefixes(topN int) {
	t.Prefixes = PrefixGrowth{ByBytes: []PrefixTrend{}, ByKeys: []PrefixTrend{}}
	n := len(t.Members)
	if n < 2 {
		return
	}
	rows := map[string]*PrefixTrend{}
	keys := map[string][]int64{}
	for i, m := range t.Members {
		for _, p := range m.Prefixes {
			r := rows[p.Prefix]
			if r == nil {
				r = &PrefixTrend{Prefix: p.Prefix, Bytes: make([]int64, n)}
				rows[p.Prefix] = r
				keys[p.Prefix] = make([]int64, n)
			}
			r.Bytes[i] += p.Bytes
			keys[p.Prefix][i] += p.LiveKeys
		}
	}
	var all []PrefixTrend
	d := t.Overall.Days
	for name, r := range rows {
		k := keys[name]
		r.KeysFirst, r.KeysLast = k[0], k[n-1]
		r.BytesFirst, r.BytesLast = r.Bytes[0], r.Bytes[n-1]
		r.KeysDelta, r.BytesDelta = r.KeysLast-r.KeysFirst, r.BytesLast-r.BytesFirst
		r.KeysPerDay, r.BytesPerDay = perDay(float64(r.KeysDelta), d), perDay(float64(r.BytesDelta), d)
		all = append(all, *r)
	}
	top := func(less func(a, b PrefixTrend) bool, grew func(PrefixTrend) bool) []PrefixTrend {
		sort.Slice(all, func(i, j int) bool {
			if less(all[i], all[j]) {
				return true
			}
			if less(all[j], all[i]) {
				return false
			}
			return all[i].Prefix < all[j].Prefix
		})
		out := []PrefixTrend{}
		for _, p := range all {
			if len(out) == topN {
				break
			}
			if grew(p) {
				out = append(out, p)
			}
		}
		return out
	}
	t.Prefixes.ByBytes = top(func(a, b PrefixTrend) bool { return a.BytesDelta > b.BytesDelta }, func(p PrefixTrend) bool { return p.BytesDelta > 0 })
	t.Prefixes.ByKeys = top(func(a, b PrefixTrend) bool { return a.KeysDelta > b.KeysDelta }, func(p PrefixTrend) bool { return p.KeysDelta > 0 })
}

// projections fit the db size (what etcd checks the quota against) over
// the members since the last defrag: a defrag starts a new line, and the
// current growth is the last line's. quota 0 is no quota: the line is
// projected to 8 GiB only.
func (t *Trend) projections(quota int64) {
	if len(t.Members) == 0 {
		return
	}
	from := 0
	for i, s := range t.Steps {
		if s.Defragmented || s.RevisionBack {
			from = i + 1
		}
	}
	seg := t.Members[from:]
	if len(seg) < 2 {
		if len(t.Members) >= 2 {
			t.Notes = append(t.Notes, "no projection: fewer than two files since the last defrag")
		} else {
			t.Notes = append(t.Notes, "no trend: it takes at least two files of one cluster")
		}
		return
	}
	t0 := seg[0].Time
	var x, y []float64
	for _, m := range seg {
		x = append(x, days(t0, m.Time))
		y = append(y, float64(m.DbSizeBytes))
	}
	f, ok := Fit(x, y)
	if !ok {
		t.Notes = append(t.Notes, "no projection: the files since the last defrag all carry the same time")
		return
	}
	f.From = t0
	last := x[len(x)-1]
	if quota > 0 {
		t.Project = append(t.Project, project(f, last, quota, "db_size", "quota"))
	}
	if quota != AdvisedMaxBytes {
		t.Project = append(t.Project, project(f, last, AdvisedMaxBytes, "db_size", "8GiB"))
	}
	if from > 0 {
		t.Notes = append(t.Notes, fmt.Sprintf("the projection fits the %d files from %s on (after the last defrag or restore)", len(seg), seg[0].Given))
	}
}
