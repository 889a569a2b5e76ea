package predict

import (
	"fmt"
	"math"

	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/report/calibrate"
)

// RangeInput is one prefix a range can read: what the file holds under it.
type RangeInput struct {
	Prefix    string `json:"prefix"`
	Resource  string `json:"resource,omitempty"`
	Namespace string `json:"namespace,omitempty"`
	Keys      int64  `json:"keys"`  // live keys
	Bytes     int64  `json:"bytes"` // their key-bucket entries: 17-byte revision key + marshalled mvccpb.KeyValue each (mvcc.PrefixStat.LiveBytes)
}

// GRPCLimits are the message size limits a range response meets, as one
// etcd minor sets them by default. They are the same in 3.4.25, 3.5.35 and
// 3.6.16: server/etcdserver/api/v3rpc/grpc.go (maxSendBytes =
// math.MaxInt32, MaxRecvMsgSize = --max-request-bytes + 512 KiB of
// grpcOverheadBytes), embed.DefaultMaxRequestBytes (1.5 MiB) and
// client/v3/options.go (defaultMaxCallSendMsgSize 2 MiB,
// defaultMaxCallRecvMsgSize math.MaxInt32).
type GRPCLimits struct {
	Version string `json:"version"`
	// ServerSendBytes is the server's grpc.MaxSendMsgSize: no flag
	// changes it.
	ServerSendBytes int64 `json:"server_max_send_bytes"`
	// ServerRecvBytes is the largest request the server takes:
	// --max-request-bytes (1.5 MiB) + 512 KiB.
	ServerRecvBytes int64 `json:"server_max_recv_bytes"`
	// ClientRecvBytes is clientv3's MaxCallRecvMsgSize default (a client
	// may set less; kube-apiserver keeps it).
	ClientRecvBytes int64 `json:"client_max_recv_bytes"`
	// ClientSendBytes is clientv3's MaxCallSendMsgSize default.
	ClientSendBytes int64 `json:"client_max_send_bytes"`
}

const (
	maxRequestBytes   = 3 << 19 // 1.5 MiB, embed.DefaultMaxRequestBytes
	grpcOverheadBytes = 512 << 10
	clientSendBytes   = 2 << 20
	// KeyValueBytes is unsafe.Sizeof(mvccpb.KeyValue{}) in 3.4-3.6: two
	// slices, four int64s, XXX_unrecognized and XXX_sizecache.
	keyValueBytes = 112
	// revisionBytes is unsafe.Sizeof of the treeIndex's revision
	// {main, sub int64}.
	revisionBytes = 16
	// DefaultRangeLimit is the page size of the paginated alternative:
	// kube-apiserver's and kubectl's default --chunk-size (500).
	DefaultRangeLimit = 500
)

func grpcLimits(version string) GRPCLimits {
	return GRPCLimits{Version: version, ServerSendBytes: math.MaxInt32, ServerRecvBytes: maxRequestBytes + grpcOverheadBytes,
		ClientRecvBytes: math.MaxInt32, ClientSendBytes: clientSendBytes}
}

// RangeCost is what one range over a prefix costs etcd now.
type RangeCost struct {
	Prefix    string `json:"prefix"`
	Resource  string `json:"resource,omitempty"`
	Namespace string `json:"namespace,omitempty"`
	// Keys and ResponseBytes are what an unpaginated range (a LIST
	// without a limit, etcdctl get --prefix) returns: the RangeResponse as
	// marshalled.
	Keys          int64 `json:"keys"`
	ResponseBytes int64 `json:"response_bytes"`
	// ServerMemoryBytes is what the server allocates to build and send
	// it, all of it live until the response is sent.
	ServerMemoryBytes int64 `json:"server_memory_bytes"`
	// Seconds is the time to answer it: an idle server's latency with the
	// client on the same host, the response received and decoded.
	Seconds float64 `json:"seconds"`
	// CountOnlySeconds is a count-only range (--count-only): the
	// treeIndex walk, no values read.
	CountOnlySeconds float64 `json:"count_only_seconds"`
	// FirstPageSeconds is one range with --limit Limit: etcd still walks
	// every key in range (to count them), then reads Limit values.
	FirstPageSeconds float64 `json:"first_page_seconds"`
	// Pages and PagedSeconds read everything in pages of Limit, each page
	// starting after the last key of the one before: page i walks the keys
	// left, so the walks add up to about Keys²/(2 x Limit).
	Pages        int64   `json:"pages"`
	PagedSeconds float64 `json:"paged_seconds"`
	// ExceedsGRPCLimit is set when the response is over the server's
	// send limit or clientv3's receive limit: the range fails.
	ExceedsGRPCLimit bool `json:"exceeds_grpc_limit"`
}

// RangeCosts are the read costs of the file's prefixes.
type RangeCosts struct {
	Version string       `json:"version"`
	Limit   int64        `json:"limit"`
	GRPC    []GRPCLimits `json:"grpc_limits"`
	// All is a range over every key (etcdctl get "" --prefix).
	All        RangeCost   `json:"all"`
	Prefixes   []RangeCost `json:"prefixes"`
	Namespaces []RangeCost `json:"namespaces,omitempty"`
	Model      Model       `json:"model"`
}

// rangeShape is what the cost of one range is computed from.
type rangeShape struct {
	keyBytes   float64 // average key length in the db
	revision   int64   // current revision (varint sizes)
	indexKeys  int64
	limit      int64
	cal        calibrate.Calibration
	grpcLimitB int64
	// interfaceItems: the version's treeIndex holds interface items
	// (3.4, 3.5), whose walk costs RangeWalkInterfaceFactor more a key.
	interfaceItems bool
}

func varintLen(x uint64) int64 {
	n := int64(1)
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}

// cost prices one range of in.Keys keys whose key-bucket entries take
// in.Bytes.
func (s rangeShape) cost(in RangeInput) RangeCost {
	c := RangeCost{Prefix: in.Prefix, Resource: in.Resource, Namespace: in.Namespace, Keys: in.Keys}
	n := in.Keys
	if n <= 0 {
		return c
	}
	kvBytes := max(in.Bytes-17*n, 0) // the marshalled KeyValues
	avgKV := float64(kvBytes) / float64(n)
	// RangeResponse: header (4 varints in a message), each KeyValue as a
	// length-delimited field, count.
	header := int64(2 + 4*(1+10))
	c.ResponseBytes = header + kvBytes + n*(1+varintLen(uint64(avgKV))) + 1 + varintLen(uint64(n))
	c.ExceedsGRPCLimit = c.ResponseBytes > s.grpcLimitB
	// Server allocations, in etcd's order (mvcc rangeKeys, txn.Range,
	// gRPC): the revisions appended one by one, the []mvccpb.KeyValue,
	// each key and value copied out by Unmarshal, the []*KeyValue of the
	// response, the marshalled response, and what every key costs in the
	// read path (bbolt cursor, read buffer: measured).
	framing := 2 + 2*(1+float64(varintLen(uint64(s.revision)))) + 2 + 2
	avgKey := min(s.keyBytes, avgKV)
	avgValue := max(avgKV-avgKey-framing-float64(varintLen(uint64(avgKV))), 0)
	un := uint64(n)
	mem := mvcc.AppendAllocBytes(un, revisionBytes, true) +
		mvcc.GoAllocBytes(un*keyValueBytes, false) +
		un*(mvcc.GoAllocBytes(uint64(avgKey+0.5), true)+mvcc.GoAllocBytes(uint64(avgValue+0.5), true)) +
		mvcc.GoAllocBytes(un*8, false) +
		mvcc.GoAllocBytes(uint64(c.ResponseBytes), true)
	c.ServerMemoryBytes = int64(mem) + int64(s.cal.RangeAllocBytesPerKey*float64(n))
	req := s.cal.RangeRequestSeconds
	walk := s.walkSecondsPerKey()
	read := s.cal.RangeSecondsPerKey
	perByte := s.cal.RangeSecondsPerByte
	c.CountOnlySeconds = req + float64(n)*walk
	c.Seconds = req + float64(n)*(walk+read) + float64(c.ResponseBytes)*perByte
	page := min(s.limit, n)
	pageBytes := float64(c.ResponseBytes) * float64(page) / float64(n)
	c.FirstPageSeconds = req + float64(n)*walk + float64(page)*read + pageBytes*perByte
	c.Pages = (n + s.limit - 1) / s.limit
	// Page i (0-based) walks n - i*limit keys. The pages are read back to
	// back, but each is a request of its own.
	walked := float64(c.Pages)*float64(n) - float64(s.limit)*float64(c.Pages)*float64(c.Pages-1)/2
	c.PagedSeconds = float64(c.Pages)*req + walked*walk + float64(n)*read + float64(c.ResponseBytes)*perByte
	return c
}

// walkSecondsPerKey is the index walk's cost per key for this shape: at
// its index's size, and for its version's treeIndex items.
func (s rangeShape) walkSecondsPerKey() float64 {
	walk := walkSecondsPerKey(s.cal, s.indexKeys)
	if s.interfaceItems && s.cal.RangeWalkInterfaceFactor > 0 {
		walk *= s.cal.RangeWalkInterfaceFactor
	}
	return walk
}

// walkSecondsPerKey is the index walk's cost per key in an index of
// indexKeys keys: interpolated in log(keys) between the calibration's two
// index sizes, held at the nearer one outside them (past the large one the
// walk is a cache miss a key already; below the small one, the small
// one's figure is an upper bound).
func walkSecondsPerKey(cal calibrate.Calibration, indexKeys int64) float64 {
	small, large := cal.RangeWalkIndexKeysSmall, cal.RangeWalkIndexKeysLarge
	if cal.RangeWalkSecondsPerKeyLarge <= 0 || small <= 0 || large <= small {
		return cal.RangeWalkSecondsPerKey
	}
	n := min(max(float64(indexKeys), small), large)
	f := math.Log(n/small) / math.Log(large/small)
	return cal.RangeWalkSecondsPerKey + f*(cal.RangeWalkSecondsPerKeyLarge-cal.RangeWalkSecondsPerKey)
}

// Ranges prices a range over every key and over each prefix and namespace
// given, for the first predicted version (the read path is the same code
// in 3.4.25, 3.5 and 3.6: see the model).
func Ranges(in Inputs, all RangeInput, prefixes, namespaces []RangeInput, cal calibrate.Calibration) RangeCosts {
	version := "3.6"
	if m := etcdMinor(in.StorageVersion); m != "" {
		version = m
	}
	if len(in.Versions) > 0 {
		version = in.Versions[0]
	}
	rc := RangeCosts{Version: version, Limit: DefaultRangeLimit}
	for _, v := range []string{"3.4", "3.5", "3.6"} {
		rc.GRPC = append(rc.GRPC, grpcLimits(v))
	}
	lim := grpcLimits(version)
	s := rangeShape{revision: in.CompactAt, indexKeys: in.Keys, limit: DefaultRangeLimit, cal: cal,
		grpcLimitB: min(lim.ServerSendBytes, lim.ClientRecvBytes), interfaceItems: like35(version)}
	if in.Revisions > 0 {
		s.keyBytes = float64(in.KeyBytes) / float64(in.Revisions)
	}
	rc.All = s.cost(all)
	for _, p := range prefixes {
		rc.Prefixes = append(rc.Prefixes, s.cost(p))
	}
	for _, p := range namespaces {
		rc.Namespaces = append(rc.Namespaces, s.cost(p))
	}
	rc.Model = rangeModel(cal, s)
	return rc
}

func rangeModel(cal calibrate.Calibration, s rangeShape) Model {
	walk := s.walkSecondsPerKey()
	return Model{
		Name: "ranges",
		Model: "response = Σ marshalled KeyValues (the key bucket's live entries less their 17-byte revision keys) + a tag and length each + header; " +
			"server memory = revisions appended (16 B each) + []mvccpb.KeyValue (112 B each) + each key and value copied by Unmarshal (Go size classes, at the db's average key size) + []*KeyValue (8 B each) + the marshalled response + a measured per-key cost of the read path; " +
			"server time = a request's fixed cost + keys x (index walk, per key at the index's size + per-key read) + response bytes x per-byte (copy, marshal, send); count-only = request + keys x index walk; " +
			"--limit L = request + keys x index walk + L keys read; all pages of L = a request per page + Σ over pages of the keys left to walk + every key read once",
		Inputs: map[string]int64{"limit": DefaultRangeLimit, "index_keys": s.indexKeys,
			"walk_nanoseconds_per_key": int64(math.Round(walk * 1e9))},
		Assumptions: []string{
			"the read path is the same in etcd 3.4.25, 3.5 and 3.6 (mvcc rangeKeys, treeIndex.Revisions): a range with a limit still visits every key in range to count them (the limit caps the revisions kept and the values read, not the walk), so the first page of a large prefix costs its whole index walk and reading a prefix in pages walks it about keys/(2 x limit) times",
			"a count-only range walks the index without reading values (CountRevisions)",
			"a sorted range (--sort-by, --order), or one filtered by create or mod revision, reads every key in range whatever its limit (txn.Range fetches everything, sorts, then truncates)",
			"the gRPC limits are the defaults: the server sends at most math.MaxInt32 bytes (2 GiB - 1, not configurable), clientv3 receives at most math.MaxInt32 unless the client sets MaxCallRecvMsgSize lower",
			"every copy is live until the response is sent, so the server's heap grows by the whole figure (the Go GC cannot free any of it); the client holds the response and its decoded copy again",
			"server time is the wall time of an idle server with the client on the same host, from the request to the decoded response; a loaded server or a remote client takes longer",
			"a request's fixed cost is that of one arriving at a server idle for a while (waking it, the round trip, gRPC's per-request work): real etcd 3.5.35 and 3.6.16 answered an empty Get in ~1 ms after 100 ms idle and in 0.2-0.5 ms back to back (testdata/etcdcost probe), so paged reads and busy servers pay less per page than charged",
			rangeTimeAssumption(cal),
			walkAssumption(cal, s),
			"the per-key read-path allocation (bbolt cursor, read buffer) was fitted to real etcd 3.5 and 3.6 allocations by testdata/etcdcost; calibrate does not measure it",
		},
	}
}

// walkAssumption says how the walk's cost per key depends on the index.
func walkAssumption(cal calibrate.Calibration, s rangeShape) string {
	a := "the index walk costs the same per key whatever the index's size (the calibration has one size)"
	if cal.RangeWalkSecondsPerKeyLarge > 0 && cal.RangeWalkIndexKeysLarge > cal.RangeWalkIndexKeysSmall {
		a = fmt.Sprintf("the index walk's cost per key grows with the index once it outgrows the CPU caches: calibrate timed it in indexes of %.0f and %.0f keys, interpolated in log(keys) between them and held outside them",
			cal.RangeWalkIndexKeysSmall, cal.RangeWalkIndexKeysLarge)
	}
	if s.interfaceItems && cal.RangeWalkInterfaceFactor > 0 {
		a += fmt.Sprintf("; this version's treeIndex holds interface items (google/btree v1.0.1), whose walk calibrate timed at x%.2f 3.6's", cal.RangeWalkInterfaceFactor)
	}
	return a
}

// rangeTimeAssumption says where the range time coefficients come from.
func rangeTimeAssumption(cal calibrate.Calibration) string {
	if cal.RangeMeasured {
		return "the time coefficients were measured by 'dbinspect calibrate' (" + cal.Source + "): etcd's range rebuilt (treeIndex walk, per key a bbolt read and KeyValue unmarshal, the response marshalled and checked as etcd's codec does, sent over loopback TCP in HTTP/2-sized frames and decoded by a client); a count-only range gives the walk per key, a range of many small values and one of few large values the per-key and per-byte costs"
	}
	return "the time coefficients are reference values, not measured on this machine (the built-in calibration, or a file saved before 'dbinspect calibrate' measured ranges: run it again): fitted to the wall time of real etcd 3.5 ranges on a quiet 2-core machine by testdata/etcdcost and checked on 3.6"
}
