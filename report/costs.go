package report

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/dbinspect/dbinspect/internal/english"
	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/report/html"
	"github.com/dbinspect/dbinspect/report/predict"
	"github.com/dbinspect/dbinspect/wal"
)

// rangeInputs are the ranges the costs section prices: every live key,
// each top prefix (not the folded "(other)" row) and each namespace row.
func rangeInputs(s *mvcc.Summary) (all predict.RangeInput, prefixes, namespaces []predict.RangeInput) {
	all = predict.RangeInput{Prefix: "", Keys: int64(s.LiveKeys), Bytes: int64(s.LiveBytes)}
	conv := func(ps []mvcc.PrefixStat) []predict.RangeInput {
		var out []predict.RangeInput
		for _, p := range ps {
			if p.Prefix == "(other)" || p.LiveKeys == 0 {
				continue
			}
			out = append(out, predict.RangeInput{Prefix: p.Prefix, Resource: p.Resource, Namespace: p.Namespace, Keys: int64(p.LiveKeys), Bytes: int64(p.LiveBytes)})
		}
		return out
	}
	return all, conv(s.Prefixes), conv(s.PrefixesByNamespace)
}

// followerCosts prices a snapshot sent to a lagging follower, once the
// member (and its WAL's write rate) is known.
func (r *Report) followerCosts(in Input, pin predict.Inputs, o Options) {
	if r.Predict == nil || r.Predict.Ranges == nil {
		return
	}
	f := predict.FollowerInputs{NetworkMbps: o.NetworkMbps}
	switch {
	case o.WriteRate > 0:
		f.WriteRate, f.WriteRateSource = o.WriteRate, "--write-rate"
	case r.Member != nil && r.Member.WAL != nil:
		rate, why := walWriteRate(in, r.Member.WAL)
		if rate > 0 {
			f.WriteRate, f.WriteRateSource = rate, why
		} else {
			f.WriteRateSource = "assumed, the default (--write-rate sets it): " + why
		}
	}
	for _, b := range r.Analysis.Buckets {
		if string(b.Name) == "key" && len(b.Path) <= 1 {
			f.KeyBucketDepth = b.Depth
			if b.Keys > 0 {
				f.KeyBucketBytesPerPair = float64(b.AllocBytes) / float64(b.Keys)
			}
		}
	}
	fs := predict.Follower(pin, *r.Predict, f)
	r.Predict.Follower = &fs
}

// walWriteRate is the member's write rate from its WAL: raft entries
// carry no time, but each segment's file was last written when etcd cut
// the next one, so the entries between two segments' last indexes over the
// time between their modification times is the rate over that span (the
// live segment's mtime is its last write). 0 and why when the WAL cannot
// tell (one segment, or files whose times were not kept).
func walWriteRate(in Input, l *wal.Log) (float64, string) {
	stat := func(name string) (fs.FileInfo, error) { return os.Stat(filepath.Join(MemberDirOf(in), "wal", name)) }
	if in.MemberFS != nil {
		stat = func(name string) (fs.FileInfo, error) { return fs.Stat(in.MemberFS, path.Join("wal", name)) }
	}
	type point struct {
		index uint64
		t     time.Time
	}
	var pts []point
	for _, s := range l.Segments {
		if s.Entries == 0 {
			continue
		}
		st, err := stat(s.Name)
		if err != nil {
			return 0, fmt.Sprintf("the WAL segment %s could not be read: %v", s.Name, err)
		}
		pts = append(pts, point{s.LastIndex, st.ModTime()})
	}
	if len(pts) < 2 {
		return 0, "the WAL has fewer than two segments with entries, so no span of time"
	}
	a, b := pts[0], pts[len(pts)-1]
	dt := b.t.Sub(a.t).Seconds()
	if dt < 1 || b.index <= a.index {
		return 0, "the WAL segments' modification times span less than a second (times not kept, as in a copy)"
	}
	rate := float64(b.index-a.index) / dt
	return rate, fmt.Sprintf("the member's WAL: %s entries between the last entries of its first and last segments, %s apart (file modification times)",
		count(int64(b.index-a.index)), seconds(dt))
}

// docCosts is the JSON costs section: what reading the db costs etcd.
type docCosts struct {
	Ranges   docRangeCosts        `json:"ranges"`
	Follower *docFollowerSnapshot `json:"follower_snapshot,omitempty"`
}

// docFollowerSnapshot is predict.FollowerSnapshot as the JSON report
// writes it.
type docFollowerSnapshot struct {
	Version          string            `json:"version"`
	DbBytes          int64             `json:"db_bytes"`
	ApplySeconds     float64           `json:"apply_seconds"`
	WriteRate        float64           `json:"write_rate"`
	WriteRateSource  string            `json:"write_rate_source"`
	SnapshotCount    int64             `json:"snapshot_count"`
	CatchUpEntries   int64             `json:"catch_up_entries"`
	MinWindowEntries int64             `json:"min_window_entries"`
	MaxWindowEntries int64             `json:"max_window_entries"`
	Sends            []docFollowerSend `json:"sends"`
	SaveSeconds      float64           `json:"save_seconds"`
	SaveLimitedBy    string            `json:"save_limited_by"`
	SaveGrowthBytes  int64             `json:"save_growth_bytes"`
	SavePinnedBytes  int64             `json:"save_pinned_bytes"`
	SendStream       float64           `json:"send_stream_seconds"`
	SaveStream       float64           `json:"save_stream_seconds"`
	Model            docModel          `json:"model"`
}

// docFollowerSend is predict.FollowerSend as the JSON report writes it.
type docFollowerSend struct {
	NetworkMbps    float64 `json:"network_mbps"`
	SendSeconds    float64 `json:"send_seconds"`
	LimitedBy      string  `json:"limited_by"`
	TotalSeconds   float64 `json:"total_seconds"`
	EntriesWritten int64   `json:"entries_written"`
	CatchUp        string  `json:"catch_up"`
}

func toFollowerSend(v predict.FollowerSend) docFollowerSend { return docFollowerSend(v) }

func toFollowerSnapshot(v predict.FollowerSnapshot) docFollowerSnapshot {
	return docFollowerSnapshot{
		Version: v.Version, DbBytes: v.DbBytes, ApplySeconds: v.ApplySeconds, WriteRate: v.WriteRate, WriteRateSource: v.WriteRateSource,
		SnapshotCount: v.SnapshotCount, CatchUpEntries: v.CatchUpEntries, MinWindowEntries: v.MinWindowEntries, MaxWindowEntries: v.MaxWindowEntries,
		Sends: docSlice(v.Sends, toFollowerSend), SaveSeconds: v.SaveSeconds, SaveLimitedBy: v.SaveLimitedBy, SaveGrowthBytes: v.SaveGrowthBytes,
		SavePinnedBytes: v.SavePinnedBytes, SendStream: v.SendStreamSeconds, SaveStream: v.SaveStreamSeconds, Model: toModel(v.Model),
	}
}

// docRangeCosts is predict.RangeCosts as the JSON report writes it.
type docRangeCosts struct {
	Version    string          `json:"version"`
	Limit      int64           `json:"limit"`
	GRPC       []docGRPCLimits `json:"grpc_limits"`
	All        docRangeCost    `json:"all"`
	Prefixes   []docRangeCost  `json:"prefixes"`
	Namespaces []docRangeCost  `json:"namespaces,omitempty"`
	Model      docModel        `json:"model"`
}

// docGRPCLimits is predict.GRPCLimits as the JSON report writes it.
type docGRPCLimits struct {
	Version         string `json:"version"`
	ServerSendBytes int64  `json:"server_max_send_bytes"`
	ServerRecvBytes int64  `json:"server_max_recv_bytes"`
	ClientRecvBytes int64  `json:"client_max_recv_bytes"`
	ClientSendBytes int64  `json:"client_max_send_bytes"`
}

// docRangeCost is predict.RangeCost as the JSON report writes it.
type docRangeCost struct {
	Prefix            string  `json:"prefix"`
	Resource          string  `json:"resource,omitempty"`
	Namespace         string  `json:"namespace,omitempty"`
	Keys              int64   `json:"keys"`
	ResponseBytes     int64   `json:"response_bytes"`
	ServerMemoryBytes int64   `json:"server_memory_bytes"`
	Seconds           float64 `json:"seconds"`
	CountOnlySeconds  float64 `json:"count_only_seconds"`
	FirstPageSeconds  float64 `json:"first_page_seconds"`
	Pages             int64   `json:"pages"`
	PagedSeconds      float64 `json:"paged_seconds"`
	ExceedsGRPCLimit  bool    `json:"exceeds_grpc_limit"`
}

func toRangeCost(v predict.RangeCost) docRangeCost    { return docRangeCost(v) }
func toGRPCLimits(v predict.GRPCLimits) docGRPCLimits { return docGRPCLimits(v) }

// costsDoc is the costs section of p, nil when it has none.
func costsDoc(p *predict.Prediction) *docCosts {
	if p == nil || p.Ranges == nil {
		return nil
	}
	v := p.Ranges
	return &docCosts{Ranges: docRangeCosts{
		Version:    v.Version,
		Limit:      v.Limit,
		GRPC:       docSlice(v.GRPC, toGRPCLimits),
		All:        toRangeCost(v.All),
		Prefixes:   docSlice(v.Prefixes, toRangeCost),
		Namespaces: docSlice(v.Namespaces, toRangeCost),
		Model:      toModel(v.Model),
	}, Follower: docPtr(p.Follower, toFollowerSnapshot)}
}

// maxCostNamespaces bounds the namespace rows the text and HTML show
// (the JSON has every row mvcc reported), largest response first.
const maxCostNamespaces = 10

// rangeCostsTable is the costs section's table, the one view the text and
// HTML draw: every live key, each prefix, then the namespaces with the
// largest responses.
func rangeCostsTable(rc *predict.RangeCosts) *table {
	tb := newTable("range", ">keys", ">response", ">server memory", ">server time", ">count-only", fmt.Sprintf(">--limit %d", rc.Limit), ">all pages", "")
	add := func(name string, c predict.RangeCost) {
		note := ""
		if c.ExceedsGRPCLimit {
			note = "over the gRPC limit: fails"
		}
		tb.add(name, count(c.Keys), ibytes(c.ResponseBytes), ibytes(c.ServerMemoryBytes), seconds(c.Seconds), seconds(c.CountOnlySeconds),
			seconds(c.FirstPageSeconds), fmt.Sprintf("%s (%s)", seconds(c.PagedSeconds), english.Plural(int(c.Pages), "page")), note)
	}
	add("(every key)", rc.All)
	for _, c := range rc.Prefixes {
		add(c.Prefix, c)
	}
	ns := append([]predict.RangeCost(nil), rc.Namespaces...)
	sort.SliceStable(ns, func(i, j int) bool { return ns[i].ResponseBytes > ns[j].ResponseBytes })
	for i, c := range ns {
		if i == maxCostNamespaces {
			break
		}
		add(c.Prefix, c)
	}
	return tb
}

// rangeCostsNotes are the lines under the table: the gRPC limits, what
// --limit does and does not save, and the paginated alternative.
func rangeCostsNotes(rc *predict.RangeCosts) []string {
	var lines []string
	if len(rc.GRPC) > 0 {
		g := rc.GRPC[0]
		var vs []string
		same := true
		for _, x := range rc.GRPC {
			vs = append(vs, x.Version)
			same = same && x.ServerSendBytes == g.ServerSendBytes && x.ClientRecvBytes == g.ClientRecvBytes && x.ServerRecvBytes == g.ServerRecvBytes && x.ClientSendBytes == g.ClientSendBytes
		}
		if same {
			lines = append(lines, fmt.Sprintf("gRPC limits (etcd %s alike, defaults): the server sends at most %s (%d bytes, no flag changes it), clientv3 receives at most %s; a request is at most %s (--max-request-bytes 1.5 MiB + 512 KiB), clientv3 sends at most %s",
				strings.Join(vs, ", "), ibytes(g.ServerSendBytes), g.ServerSendBytes, ibytes(g.ClientRecvBytes), ibytes(g.ServerRecvBytes), ibytes(g.ClientSendBytes)))
		}
	}
	lines = append(lines,
		fmt.Sprintf("server memory: all of it is live until the response is sent (the client holds the response and its decoded copy again); --limit %d still walks every key in range to count them (etcd 3.4.25 to 3.6 alike), so each page of a large prefix costs its whole index walk", rc.Limit),
		fmt.Sprintf("paginate: etcdctl get PREFIX --prefix --limit %d, then again from the last key returned to the prefix's end (etcdctl get LASTKEY PREFIX_END --limit %d, skipping LASTKEY; PREFIX_END is the prefix with its last byte plus one); Kubernetes clients list with limit and continue (kubectl --chunk-size=%d, client-go's pager)", rc.Limit, rc.Limit+1, rc.Limit),
		"a sorted range (--sort-by, --order) reads every key in range whatever its --limit")
	return lines
}

func (t *textWriter) costsSection(r *Report) {
	rc := r.Predict.Ranges
	t.heading(fmt.Sprintf("Costs of reading (etcd %s; an unpaginated range returns every key at once)", rc.Version))
	t.table(rangeCostsTable(rc))
	t.printf("\n")
	for _, l := range rangeCostsNotes(rc) {
		t.printf("  %s\n", l)
	}
	if f := r.Predict.Follower; f != nil {
		t.printf("\n  %s\n", followerTitle(f))
		t.table(followerTable(f))
		t.printf("\n")
		for _, l := range followerNotes(f) {
			t.printf("  %s\n", l)
		}
	}
}

func followerTitle(f *predict.FollowerSnapshot) string {
	return fmt.Sprintf("A snapshot to a lagging follower (etcd %s): the leader sends the whole db (%s), the follower applies it (%s), then catches up from the leader's raft log",
		f.Version, ibytes(f.DbBytes), seconds(f.ApplySeconds))
}

// streamNote says how fast the streams go when the network is not their
// limit.
func streamNote(f *predict.FollowerSnapshot) string {
	rate := func(secs float64) string {
		if secs <= 0 {
			return "?"
		}
		return fmt.Sprintf("%.0f Mbit/s", float64(f.DbBytes)*8/secs/1e6)
	}
	return fmt.Sprintf("a stream is no faster than its sender and receiver copy it (both on one host, the receiver's fsync not included): a send to a follower %s, a snapshot save %s", rate(f.SendStreamSeconds), rate(f.SaveStreamSeconds))
}

// limitText words what bounds a stream.
func limitText(limit string) string {
	if limit == predict.LimitStream {
		return "stream"
	}
	return "network"
}

// catchUpText words a FollowerSend's verdict.
func catchUpText(s string) string {
	switch s {
	case predict.CatchUpYes:
		return "catches up"
	case predict.CatchUpPossible:
		return "may loop: sent a snapshot again"
	case predict.CatchUpLoop:
		return "loops: never catches up"
	}
	return s
}

// followerTable is the one view of the sends the text and HTML draw.
func followerTable(f *predict.FollowerSnapshot) *table {
	tb := newTable(">network", ">send", "send limited by", ">send + apply", ">entries written meanwhile", "follower")
	for _, s := range f.Sends {
		tb.add(fmt.Sprintf("%g Mbit/s", s.NetworkMbps), seconds(s.SendSeconds), limitText(s.LimitedBy), seconds(s.TotalSeconds), count(s.EntriesWritten), catchUpText(s.CatchUp))
	}
	return tb
}

func followerNotes(f *predict.FollowerSnapshot) []string {
	window := fmt.Sprintf("the leader keeps %s entries after the snapshot's index (--snapshot-count %s, %s catch-up entries)", count(f.MinWindowEntries), count(f.SnapshotCount), count(f.CatchUpEntries))
	if f.MaxWindowEntries > f.MinWindowEntries+int64(100) {
		window = fmt.Sprintf("the leader keeps from %s to %s entries after the snapshot's index, depending on where its --snapshot-count %s cycle was (%s catch-up entries)", count(f.MinWindowEntries), count(f.MaxWindowEntries), count(f.SnapshotCount), count(f.CatchUpEntries))
	}
	return []string{
		fmt.Sprintf("write rate %g entries/s (%s); %s", f.WriteRate, f.WriteRateSource, window),
		"the follower catches up only if the leader still holds the entries after the snapshot's index when it has applied it; else the leader sends it a snapshot again, and again",
		fmt.Sprintf("etcdctl snapshot save at %g Mbit/s: about %s (limited by the %s), during which the db grows by about %s at this write rate, %s of it because of the save (the pages its read transaction keeps from reuse)", f.Sends[0].NetworkMbps, seconds(f.SaveSeconds), limitText(f.SaveLimitedBy), ibytes(f.SaveGrowthBytes), ibytes(f.SavePinnedBytes)),
		streamNote(f),
	}
}

func followerHTMLTable(f *predict.FollowerSnapshot) html.Table {
	tb := htmlTableOf(followerTitle(f), followerTable(f))
	for _, l := range followerNotes(f) {
		tb.Rows = append(tb.Rows, append([]string{l}, make([]string, len(tb.Header)-1)...))
	}
	return tb
}

func rangeCostsHTMLTable(rc *predict.RangeCosts) html.Table {
	tb := htmlTableOf(fmt.Sprintf("Costs of reading (etcd %s): an unpaginated range per prefix and namespace", rc.Version), rangeCostsTable(rc))
	for _, l := range rangeCostsNotes(rc) {
		tb.Rows = append(tb.Rows, append([]string{l}, make([]string, len(tb.Header)-1)...))
	}
	return tb
}
