package report

import (
	"fmt"
	"sort"
	"strings"

	"github.com/dbinspect/dbinspect/internal/english"
	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/report/html"
	"github.com/dbinspect/dbinspect/report/predict"
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

// docCosts is the JSON costs section: what reading the db costs etcd.
type docCosts struct {
	Ranges docRangeCosts `json:"ranges"`
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
	}}
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
}

func rangeCostsHTMLTable(rc *predict.RangeCosts) html.Table {
	tb := htmlTableOf(fmt.Sprintf("Costs of reading (etcd %s): an unpaginated range per prefix and namespace", rc.Version), rangeCostsTable(rc))
	for _, l := range rangeCostsNotes(rc) {
		tb.Rows = append(tb.Rows, append([]string{l}, make([]string, len(tb.Header)-1)...))
	}
	return tb
}
