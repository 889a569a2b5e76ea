package report

import (
	"bytes"
	"fmt"

	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/pages"
	"github.com/dbinspect/dbinspect/report/html"
)

// html.Data maps the report onto what the HTML page draws. Every figure
// comes from the same model as the text and JSON reports.
func (r *Report) htmlPageData() html.Data {
	d := html.Data{Title: "dbinspect: " + r.Input.Given}
	a := r.Analysis
	sum := summarize(r, r.Sections)
	if k := sum.Keys; k != nil {
		d.Subtitle = fmt.Sprintf("%s, revision %s, %s live keys", writtenByText(k), count(k.Revision), count(k.LiveKeys))
	}
	for _, l := range sum.Lines() {
		d.Summary = append(d.Summary, html.KV{Label: l.Label, Value: l.Text})
	}
	for _, f := range r.Findings {
		d.Findings = append(d.Findings, html.Finding{Severity: f.Severity, Code: f.Code, Message: f.Message, Advice: f.Advice})
	}
	d.PageMap = r.pageMapData()
	if f := r.Fragmentation; f != nil {
		for _, h := range f.Histogram {
			label := fmt.Sprint(h.MinPages)
			if h.MaxPages != h.MinPages {
				label = fmt.Sprintf("%d-%d", h.MinPages, h.MaxPages)
			}
			d.FreeSpanHistogram = append(d.FreeSpanHistogram, html.Bar{Label: label, Value: float64(h.Spans), Value2: float64(h.Pages)})
		}
		rows := fragTable(*f)
		if len(rows) > 1 {
			d.Tables = append(d.Tables, html.Table{Caption: "bbolt's array and hashmap freelists on this file's free pages", Header: rows[0], Rows: rows[1:]})
		}
	}
	if m := r.MVCC; m != nil {
		for _, p := range m.Prefixes {
			d.Prefixes = append(d.Prefixes, html.PrefixBar{Name: p.Prefix, LiveBytes: p.LiveBytes, HistoryBytes: p.HistoryBytes, Keys: p.Keys, Revisions: p.Revisions, ShareOfFile: p.ShareOfFile})
		}
		d.RevisionsPerKey = revisionsPerKeyBars(m)
		d.Tables = append(d.Tables, keyTables(m)...)
		if ns := m.PrefixesByNamespace; len(ns) > 0 {
			d.Tables = append(d.Tables, namespacesHTMLTable(ns))
		}
		addKube(&d, m)
	}
	d.Waterfall = append(d.Waterfall, html.Bar{Label: "file", Value: float64(a.File.SizeBytes)}, html.Bar{Label: "high water (DbSize)", Value: float64(a.Pages.HighWaterBytes)}, html.Bar{Label: "in use", Value: float64(a.Pages.InUseBytes)})
	if p := r.Predict; p != nil {
		if p.DefragSizeBytes > 0 {
			d.Waterfall = append(d.Waterfall, html.Bar{Label: "after defrag", Value: float64(p.DefragSizeBytes)})
		}
		if p.CompactDefragSizeBytes > 0 {
			d.Waterfall = append(d.Waterfall, html.Bar{Label: "after compaction + defrag", Value: float64(p.CompactDefragSizeBytes)})
		}
		for _, v := range p.ByVersion {
			b := v.StartupBreakdown
			d.StartupBreakdown = append(d.StartupBreakdown, html.StackedBar{Label: "etcd " + v.Version, Text: seconds(v.StartupSeconds), Segments: []html.Segment{
				{Label: "fixed start", Value: b.Fixed}, {Label: "populate", Value: b.Populate}, {Label: "freelist rebuild", Value: b.FreelistRebuild},
				{Label: "lease recovery", Value: b.LeaseRecovery}, {Label: "index restore", Value: b.IndexRestore}, {Label: "lease attach", Value: b.LeaseAttach},
			}})
			m := v.Memory
			d.MemoryBreakdown = append(d.MemoryBreakdown, html.StackedBar{Label: "etcd " + v.Version, Text: ibytes(m.RSSSteadyBytes), Segments: []html.Segment{
				{Label: "file resident", Value: float64(m.FileResidentBytes)}, {Label: "Go heap (index, leases, runtime)", Value: float64(m.HeapBytes)}, {Label: "raft log", Value: float64(m.RaftLogBytes)},
			}})
		}
		if hasLessor(p) {
			d.Tables = append(d.Tables, lessorHTMLTable(p))
		}
		if p.Ranges != nil {
			d.Tables = append(d.Tables, rangeCostsHTMLTable(p.Ranges))
		}
		if p.Follower != nil {
			d.Tables = append(d.Tables, followerHTMLTable(p.Follower))
		}
		if len(p.MemoryNotIncluded) > 0 {
			d.Tables = append(d.Tables, notIncludedHTMLTable(p.MemoryNotIncluded))
		}
	}
	d.Tables = append(d.Tables, memberHTMLTables(r)...)
	d.Tables = append(d.Tables, bucketTable(r))
	var js bytes.Buffer
	if err := writeJSON(&js, r); err == nil {
		d.JSON = js.Bytes()
	}
	return d
}

func bucketTable(r *Report) html.Table { return htmlTableOf("Buckets", bucketsTable(r)) }

// htmlTableOf carries a text table into the HTML page: same cells, and the
// right-aligned columns marked numeric.
func htmlTableOf(caption string, tb *table) html.Table {
	return html.Table{Caption: caption, Header: tb.header, Rows: tb.rows, Numeric: tb.right}
}

// pageMapData turns the per-page map into runs of classes: one class per
// root-level bucket (its branch, leaf and overflow pages), plus meta,
// freelist, free and the unallocated tail.
func (r *Report) pageMapData() html.PageMap {
	a := r.Analysis
	pm := r.Analysis.PageMap
	d := html.PageMap{PageSize: uint32(a.File.PageSize), Pages: uint64(a.Pages.Total)}
	if pm == nil {
		return d
	}
	classOf := map[string]uint8{}
	class := func(name string, free bool) uint8 {
		if c, ok := classOf[name]; ok {
			return c
		}
		if len(d.Classes) >= 250 {
			name = "other buckets"
			if c, ok := classOf[name]; ok {
				return c
			}
		}
		c := uint8(len(d.Classes))
		d.Classes = append(d.Classes, html.PageClass{Name: name, Free: free})
		classOf[name] = c
		return c
	}
	// Fixed classes first so their colours are stable.
	class("free", true)
	class("meta", false)
	class("freelist", false)
	class("unallocated", false)
	rootName := func(bi int32) string {
		for bi >= 0 && int(bi) < len(a.Buckets) {
			b := a.Buckets[bi]
			if b.Parent < 0 || a.Buckets[b.Parent].IsRoot {
				if b.IsRoot {
					return "root bucket"
				}
				return "bucket " + b.Name
			}
			bi = int32(b.Parent)
		}
		return "unknown"
	}
	nameCache := map[int32]uint8{}
	var run html.PageRun
	flush := func() {
		if run.Len > 0 {
			d.Runs = append(d.Runs, run)
		}
	}
	for i, k := range pm.Kinds {
		var c uint8
		switch k {
		case pages.KindFree:
			c = classOf["free"]
		case pages.KindMeta:
			c = classOf["meta"]
		case pages.KindFreelist:
			c = classOf["freelist"]
		case pages.KindUnallocated:
			c = classOf["unallocated"]
		case pages.KindUnreadable:
			c = class("unreadable", false)
		default:
			bi := int32(-1)
			if i < len(pm.Buckets) {
				bi = pm.Buckets[i]
			}
			cc, ok := nameCache[bi]
			if !ok {
				cc = class(rootName(bi), false)
				nameCache[bi] = cc
			}
			c = cc
		}
		if run.Len > 0 && run.Class == c && run.Start+run.Len == uint64(i) {
			run.Len++
			continue
		}
		flush()
		run = html.PageRun{Start: uint64(i), Len: 1, Class: c}
	}
	// The map stops at the high-water mark; the tail is one run.
	if end := uint64(len(pm.Kinds)); pm.Pages > end {
		if c := classOf["unallocated"]; run.Len > 0 && run.Class == c && run.Start+run.Len == end {
			run.Len += pm.Pages - end
		} else {
			flush()
			run = html.PageRun{Start: end, Len: pm.Pages - end, Class: c}
		}
	}
	flush()
	return d
}

// revisionsPerKeyBars draws the revisions-per-key histogram, one bar per
// power-of-two bucket ("1", "2-3", ...): Value is the keys in it, Value2
// the revisions they hold, which are html.Data's default series names.
func revisionsPerKeyBars(m *mvcc.Summary) []html.Bar {
	bars := make([]html.Bar, 0, len(m.RevisionsPerKeyHistogram))
	for _, b := range m.RevisionsPerKeyHistogram {
		label := fmt.Sprint(b.Min)
		if b.Max != b.Min {
			label = fmt.Sprintf("%d-%d", b.Min, b.Max)
		}
		bars = append(bars, html.Bar{Label: label, Value: float64(b.Keys), Value2: float64(b.Revisions)})
	}
	return bars
}

// namespacesHTMLTable is the text report's namespace table, id
// "table-namespaces", its "more" line as a last row.
func namespacesHTMLTable(ps []mvcc.PrefixStat) html.Table {
	t := htmlTableOf("Namespaces (namespaced Kubernetes resources, by namespace)", namespacesTable(ps[:min(len(ps), maxNamespaceRows)]))
	t.ID = "table-namespaces"
	if len(ps) > maxNamespaceRows {
		t.Rows = append(t.Rows, []string{moreNamespaces(len(ps) - maxNamespaceRows)})
	}
	return t
}

// keyTables are the key sections of the text report as HTML tables.
func keyTables(m *mvcc.Summary) []html.Table {
	var ts []html.Table
	top := func(caption string, ks []mvcc.KeyStat) {
		if len(ks) > 0 {
			ts = append(ts, htmlTableOf(caption, topKeysTable(ks)))
		}
	}
	top("Top keys by revisions", m.TopKeys.ByRevisions)
	top("Top keys by history bytes", m.TopKeys.ByHistoryBytes)
	top("Top keys by current value size", m.TopKeys.ByValueBytes)
	l := m.Leases
	ts = append(ts, html.Table{Caption: "Keys, leases, auth", Header: []string{"figure", "value"}, Rows: [][]string{
		{"compaction", compactionLine(m)},
		{"compaction what-if", fmt.Sprintf("compacting at %s removes %s revisions (%s)", count(m.Compaction.Revision), count(int64(m.Compaction.RemovedRevisions)), ibytes(int64(m.Compaction.RemovedBytes)))},
		{"leases", fmt.Sprintf("%s, %s keys attached, %s without keys", count(int64(l.Count)), count(int64(l.AttachedKeys)), count(int64(l.LeasesWithoutKeys)))},
		{"auth", fmt.Sprintf("enabled %v, %d users, %d roles", m.Auth.Enabled, m.Auth.Users, m.Auth.Roles)},
		{"members", fmt.Sprint(len(m.Members))},
		{snapshotStatusLabel(m), etcdutlLine(m)},
	}})
	return ts
}
