package report

import (
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/dbinspect/dbinspect/internal/english"
	"github.com/dbinspect/dbinspect/internal/redact"
	"github.com/dbinspect/dbinspect/internal/termsafe"
	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/wal"
	"go.etcd.io/raft/v3/raftpb"
)

// WALListVersion is the "version" of the JSON 'dbinspect wal' writes
// (docs/json-schema.md, "dbinspect wal").
const WALListVersion = 1

// WALListOptions select and redact a listing of a member's raft log.
type WALListOptions struct {
	// From and To bound the raft index (0: no bound).
	From, To uint64
	// Types are entry type names (EntryTypeName) and Requests request
	// names (wal.Kind names, or the groups of RequestGroups) to list;
	// empty: all.
	Types, Requests []string
	Redact          Redaction
	// Name is how the output names the WAL dir (the path the user gave).
	Name   string
	Format string // text or json
}

// EntryTypeName names a raft entry type as the listing and its --type
// filter do.
func EntryTypeName(t raftpb.EntryType) string {
	switch t {
	case raftpb.EntryNormal:
		return "normal"
	case raftpb.EntryConfChange:
		return "conf_change"
	case raftpb.EntryConfChangeV2:
		return "conf_change_v2"
	}
	return "type_" + strconv.Itoa(int(t))
}

// EntryTypeNames are the names --type takes.
var EntryTypeNames = []string{"normal", "conf_change", "conf_change_v2"}

// RequestGroups are names --request takes for several kinds at once.
var RequestGroups = map[string][]wal.Kind{
	"lease": {wal.KindLeaseGrant, wal.KindLeaseRevoke, wal.KindLeaseCheckpoint},
	"conf":  {wal.KindConfAddNode, wal.KindConfRemoveNode, wal.KindConfUpdateNode, wal.KindConfAddLearner, wal.KindConfChange, wal.KindConfChangeV2},
	"v2":    {wal.KindIRRv2, wal.KindV2Request},
}

// RequestKinds resolves --request names (kind names and groups) to a set;
// the unknown names are returned as bad.
func RequestKinds(names []string) (set map[wal.Kind]bool, bad []string) {
	set = map[wal.Kind]bool{}
	for _, n := range names {
		if g, ok := RequestGroups[n]; ok {
			for _, k := range g {
				set[k] = true
			}
			continue
		}
		found := false
		for k := wal.Kind(0); k < wal.NumKinds; k++ {
			if k.String() == n {
				set[k], found = true, true
			}
		}
		if !found {
			bad = append(bad, n)
		}
	}
	return set, bad
}

// RequestNames are every name --request takes, for its help and errors.
func RequestNames() []string {
	var out []string
	for k := wal.Kind(0); k < wal.NumKinds; k++ {
		out = append(out, k.String())
	}
	for g := range RequestGroups {
		out = append(out, g)
	}
	sort.Strings(out)
	return out
}

// WALListEntry is one listed entry as JSON has it.
type WALListEntry struct {
	Term       uint64 `json:"term"`
	Index      uint64 `json:"index"`
	Type       string `json:"type"`
	Request    string `json:"request"`
	DataBytes  uint32 `json:"data_bytes"`
	Ops        uint32 `json:"ops"`
	Segment    string `json:"segment"`
	Decoded    bool   `json:"decoded"`
	Key        string `json:"key,omitempty"`
	RangeEnd   string `json:"range_end,omitempty"`
	ValueBytes int64  `json:"value_bytes,omitempty"`
	Compares   *int   `json:"compares,omitempty"`
	Success    *int   `json:"success,omitempty"`
	Failure    *int   `json:"failure,omitempty"`
	Revision   int64  `json:"revision,omitempty"`
	Lease      uint64 `json:"lease,omitempty"`
	TTL        int64  `json:"ttl_seconds,omitempty"`
	Method     string `json:"method,omitempty"`
	NodeID     uint64 `json:"node_id,omitempty"`
}

// WALListDocument is the JSON 'dbinspect wal -o json' writes
// (docs/json-schema.md, "WAL listing document"). WriteWALList streams it
// in this order: the head's fields, the entries one by one, the totals.
type WALListDocument struct {
	WALListHead
	Entries []WALListEntry `json:"entries"`
	WALListTotals
}

// WALListHead is the JSON's header: the WAL's metadata, state and the
// snapshot etcd would load.
type WALListHead struct {
	Version   int              `json:"version"`
	WALDir    string           `json:"wal_dir"`
	Segments  []wal.Segment    `json:"segments"`
	Metadata  *wal.Metadata    `json:"metadata"`
	HardState *wal.HardState   `json:"hard_state"`
	Snapshot  *WALListSnapshot `json:"snapshot"`
	Problem   *wal.Problem     `json:"problem"`
	Filter    WALListFilter    `json:"filter"`
}

type WALListSnapshot struct {
	File  string `json:"file,omitempty"`
	Index uint64 `json:"index"`
	Term  uint64 `json:"term"`
}

type WALListFilter struct {
	From     uint64   `json:"from_index,omitempty"`
	To       uint64   `json:"to_index,omitempty"`
	Types    []string `json:"types"`
	Requests []string `json:"requests"`
}

// WALListTotals closes the listing.
type WALListTotals struct {
	Listed      int            `json:"listed"`
	InWAL       int            `json:"entries_in_wal"`
	Overwritten int            `json:"overwritten"`
	ByType      map[string]int `json:"listed_by_type"`
	ByRequest   map[string]int `json:"listed_by_request"`
}

// WriteWALList lists the raft entries of the WAL dir walDir of fsys (with
// snapDir for the snapshot etcd would load), as etcd-dump-logs does but
// never printing a value: term, index, type, request, sizes and the
// request's key (escaped; hashed under --redact), one entry per line (text)
// or per array element (JSON), streamed. It returns the WAL read (its
// Problem says where a damaged WAL stopped).
func WriteWALList(w io.Writer, fsys fs.FS, walDir, snapDir string, o WALListOptions) (*wal.Log, error) {
	typeSet := map[string]bool{}
	for _, t := range o.Types {
		typeSet[t] = true
	}
	kinds, bad := RequestKinds(o.Requests)
	if len(bad) > 0 {
		return nil, fmt.Errorf("unknown request names %q", bad)
	}
	keep := func(e wal.Entry) bool {
		return (o.From == 0 || e.Index >= o.From) && (o.To == 0 || e.Index <= o.To) &&
			(len(typeSet) == 0 || typeSet[EntryTypeName(e.Type)]) && (len(kinds) == 0 || kinds[e.Kind])
	}
	mo := mvcc.DefaultOptions()
	mo.RedactKeys, mo.RedactSalt, mo.RedactKeepNamespace = o.Redact.On, o.Redact.Salt, o.Redact.KeepNamespace
	redactKey := mvcc.KeyRedactor(mo)
	var h *redact.Hasher
	if o.Redact.On {
		h = redact.New(o.Redact.Salt)
	}
	id := func(v uint64) uint64 {
		if h != nil && o.Redact.IDs {
			v, _ = strconv.ParseUint(hashID(h, strconv.FormatUint(v, 16)), 16, 64)
		}
		return v
	}
	name := func(b []byte) string {
		if b == nil {
			return ""
		}
		if redactKey != nil {
			return redactKey(string(b))
		}
		return string(b)
	}

	// First read: which entries raft keeps, and the header.
	pre, err := wal.ReadDirFS(fsys, walDir)
	if err != nil {
		return nil, err
	}
	sd, err := wal.ReadSnapDirFS(fsys, snapDir)
	if err != nil {
		sd = &wal.SnapDir{}
	}
	head := WALListHead{Version: WALListVersion, WALDir: o.Name, Segments: pre.Segments, HardState: pre.State, Problem: pre.Problem,
		Filter: WALListFilter{From: o.From, To: o.To, Types: nonNil(o.Types), Requests: nonNil(o.Requests)}}
	if m := pre.Metadata; m != nil {
		head.Metadata = &wal.Metadata{NodeID: id(m.NodeID), ClusterID: id(m.ClusterID)}
	}
	if s := wal.ChooseSnapshot(pre, sd); s != nil {
		head.Snapshot = &WALListSnapshot{File: s.Name, Index: s.Index, Term: s.Term}
	}
	if head.HardState != nil && h != nil && o.Redact.IDs {
		hs := *head.HardState
		hs.Vote = id(hs.Vote)
		head.HardState = &hs
	}
	tot := WALListTotals{ByType: map[string]int{}, ByRequest: map[string]int{}}

	text := o.Format != "json"
	var enc *json.Encoder
	first := true
	if o.Format == "json" {
		b, err := json.MarshalIndent(head, "", "  ")
		if err != nil {
			return nil, err
		}
		// The header's fields, then the entries streamed, then the totals.
		fmt.Fprintf(w, "%s,\n  \"entries\": [", strings.TrimSuffix(string(b), "\n}"))
		enc = json.NewEncoder(w)
	} else {
		writeWALHeadText(w, head, len(pre.Entries))
		io.WriteString(w, walRowText("TERM", "INDEX", "TYPE", "REQUEST", "DATA BYTES", "OPS", "DETAIL"))
	}
	segName := func(e wal.Entry) string {
		if int(e.Segment) < len(pre.Segments) {
			return pre.Segments[e.Segment].Name
		}
		return ""
	}
	l, live, err := wal.ListFS(fsys, walDir, keep, func(e wal.Entry, d wal.Detail) {
		le := WALListEntry{Term: e.Term, Index: e.Index, Type: EntryTypeName(e.Type), Request: e.Kind.String(),
			DataBytes: e.Size, Ops: e.Ops, Segment: segName(e), Decoded: d.Decoded,
			Key: name(d.Key), RangeEnd: name(d.RangeEnd), ValueBytes: d.ValueBytes, Revision: d.Revision, TTL: d.TTL, Method: d.Method}
		if e.Kind == wal.KindTxn && d.Decoded {
			le.Compares, le.Success, le.Failure = &d.Compares, &d.Success, &d.Failure
		}
		if d.Lease != 0 {
			le.Lease = id(uint64(d.Lease))
		}
		if e.Kind.IsConfChange() && d.Decoded && d.NodeID != 0 {
			le.NodeID = id(d.NodeID)
		}
		tot.Listed++
		tot.ByType[le.Type]++
		tot.ByRequest[le.Request]++
		if enc != nil {
			if !first {
				io.WriteString(w, ",")
			}
			first = false
			io.WriteString(w, "\n    ")
			b, _ := json.Marshal(le)
			w.Write(b)
			return
		}
		if text {
			io.WriteString(w, walRowText(strconv.FormatUint(le.Term, 10), strconv.FormatUint(le.Index, 10), le.Type, le.Request,
				strconv.FormatUint(uint64(le.DataBytes), 10), strconv.FormatUint(uint64(le.Ops), 10), walDetailText(le)))
		}
	})
	if err != nil {
		return nil, err
	}
	tot.InWAL = len(l.Entries)
	for _, k := range live {
		if !k {
			tot.Overwritten++
		}
	}
	if enc != nil {
		b, err := json.MarshalIndent(tot, "", "  ")
		if err != nil {
			return nil, err
		}
		end := "\n  ],\n  "
		if first {
			end = "],\n  "
		}
		fmt.Fprintf(w, "%s%s\n", end, strings.TrimPrefix(string(b), "{\n  "))
		return l, nil
	}
	fmt.Fprintf(w, "\n%d of %s listed (%d overwritten by a later leader, never listed)%s\n", tot.Listed, english.Count(int64(tot.InWAL), "entry", "entries"), tot.Overwritten, countsText("; by type: ", tot.ByType)+countsText("; by request: ", tot.ByRequest))
	return l, nil
}

// walRowText is one line of the text listing: fixed-width columns (it
// streams: no width is known in advance), numbers right-aligned as in
// etcd-dump-logs.
func walRowText(term, index, typ, req, size, ops, detail string) string {
	return strings.TrimRight(fmt.Sprintf("%6s %10s  %-14s %-23s %10s %5s  %s", term, index, typ, req, size, ops, detail), " ") + "\n"
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func writeWALHeadText(w io.Writer, h WALListHead, records int) {
	var size int64
	for _, s := range h.Segments {
		size += s.Size
	}
	fmt.Fprintf(w, "WAL %s: %s, %s, %s\n", termsafe.Name(h.WALDir), english.Count(int64(len(h.Segments)), "segment", "segments"),
		english.Count(size, "byte", "bytes"), english.Count(int64(records), "entry record", "entry records"))
	if h.Metadata != nil {
		fmt.Fprintf(w, "metadata: member %x, cluster %x\n", h.Metadata.NodeID, h.Metadata.ClusterID)
	}
	if s := h.HardState; s != nil {
		fmt.Fprintf(w, "hard state: term %d, vote %x, commit %d\n", s.Term, s.Vote, s.Commit)
	}
	if s := h.Snapshot; s != nil {
		fmt.Fprintf(w, "snapshot etcd loads: index %d, term %d (%s); it loads only the entries after it\n", s.Index, s.Term, termsafe.Name(s.File))
	} else {
		fmt.Fprintln(w, "snapshot etcd loads: none (it loads every entry)")
	}
	if p := h.Problem; p != nil {
		fmt.Fprintf(w, "problem: %s in %s at offset %d: %s; entries after it are not listed\n", p.Code, termsafe.Name(p.Segment), p.Offset, termsafe.Text(p.Msg))
	}
	fmt.Fprintln(w)
}

// walDetailText is the DETAIL column: the request's key and sizes.
func walDetailText(e WALListEntry) string {
	var parts []string
	add := func(k, v string) { parts = append(parts, k+"="+v) }
	if e.Method != "" {
		add("method", termsafe.Name(e.Method))
	}
	if e.Key != "" || e.Request == "put" || e.Request == "delete_range" || e.Request == "range" {
		add("key", strconv.Quote(termsafe.Name(e.Key)))
	}
	if e.RangeEnd != "" {
		add("range_end", strconv.Quote(termsafe.Name(e.RangeEnd)))
	}
	if e.Compares != nil {
		add("compares", strconv.Itoa(*e.Compares))
		add("success", strconv.Itoa(*e.Success))
		add("failure", strconv.Itoa(*e.Failure))
	}
	if e.ValueBytes != 0 {
		add("value_bytes", strconv.FormatInt(e.ValueBytes, 10))
	}
	if e.Lease != 0 {
		add("lease", strconv.FormatUint(e.Lease, 16))
	}
	if e.TTL != 0 {
		add("ttl", strconv.FormatInt(e.TTL, 10))
	}
	if e.Revision != 0 {
		add("revision", strconv.FormatInt(e.Revision, 10))
	}
	if e.NodeID != 0 {
		add("node", strconv.FormatUint(e.NodeID, 16))
	}
	if !e.Decoded && e.DataBytes > 0 {
		parts = append(parts, "(not decoded: over "+strconv.Itoa(wal.MaxBuffered>>20)+" MiB or malformed)")
	}
	return strings.Join(parts, " ")
}

func countsText(prefix string, m map[string]int) string {
	if len(m) == 0 {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] || m[keys[i]] == m[keys[j]] && keys[i] < keys[j] })
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return prefix + strings.Join(parts, ", ")
}
