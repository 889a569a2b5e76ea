package report

import (
	"sort"

	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/report/findings"
)

// Diff compares two reports of the same cluster taken at different times,
// say yesterday's and today's backup.
type Diff struct {
	SchemaVersion int      `json:"schema_version"`
	Old           DiffSide `json:"old"`
	New           DiffSide `json:"new"`
	// Growth is New minus Old for every figure of DiffSide.
	Growth           DiffSide           `json:"growth"`
	Identity         DiffIdentity       `json:"identity"`
	Prefixes         []PrefixDiff       `json:"prefixes"`
	Kinds            []KindDiff         `json:"kinds,omitempty"` // Kubernetes kinds (report/kube.go)
	NewFindings      []findings.Finding `json:"new_findings"`
	ResolvedFindings []findings.Finding `json:"resolved_findings"`
	Member           *MemberDiff        `json:"member,omitempty"` // two data dirs only (member_diff.go)
}

// DiffSide are the figures compared.
type DiffSide struct {
	Given          string `json:"given,omitempty"`
	Revision       int64  `json:"revision"`
	CompactRev     int64  `json:"compact_revision"`
	FileBytes      int64  `json:"file_bytes"`
	DbSizeBytes    int64  `json:"db_size_bytes"`
	InUseBytes     int64  `json:"in_use_bytes"`
	FreePages      int64  `json:"free_pages"`
	LiveKeys       int64  `json:"live_keys"`
	TotalRevisions int64  `json:"total_revisions"`
	LiveBytes      int64  `json:"live_bytes"`
	HistoryBytes   int64  `json:"history_bytes"`
	Leases         int64  `json:"leases"`
	// ClusterID (derived from the member IDs, as trend's), MemberIDs and
	// the versions identify the side (absent in Growth).
	ClusterID      string   `json:"cluster_id,omitempty"`
	MemberIDs      []string `json:"member_ids,omitempty"`
	WrittenBy      string   `json:"written_by,omitempty"`
	StorageVersion string   `json:"storage_version,omitempty"`
	ClusterVersion string   `json:"cluster_version,omitempty"`
	// Certainty is the report's own (absent in Growth): a diff of a
	// damaged or changing db compares partial figures.
	Certainty *Certainty `json:"certainty,omitempty"`
}

// PrefixDiff is one prefix's change; a prefix absent on one side counts
// as zero there. KeysAdded and KeysRemoved come from comparing the live
// keys themselves (mvcc.LiveKeySet), so a prefix where one key replaced
// another shows both, though its key count did not change.
type PrefixDiff struct {
	Prefix            string `json:"prefix"`
	KeysOld           int64  `json:"keys_old"`
	KeysNew           int64  `json:"keys_new"`
	KeysDelta         int64  `json:"keys_delta"`
	LiveKeysOld       int64  `json:"live_keys_old"`
	LiveKeysNew       int64  `json:"live_keys_new"`
	KeysAdded         int64  `json:"keys_added"`
	KeysRemoved       int64  `json:"keys_removed"`
	RevisionsDelta    int64  `json:"revisions_delta"`
	LiveBytesOld      int64  `json:"live_bytes_old"`
	LiveBytesNew      int64  `json:"live_bytes_new"`
	LiveBytesDelta    int64  `json:"live_bytes_delta"`
	HistoryBytesOld   int64  `json:"history_bytes_old"`
	HistoryBytesNew   int64  `json:"history_bytes_new"`
	HistoryBytesDelta int64  `json:"history_bytes_delta"`
}

func (x *PrefixDiff) changed() bool {
	return x.KeysDelta != 0 || x.KeysAdded != 0 || x.KeysRemoved != 0 || x.RevisionsDelta != 0 ||
		x.LiveBytesDelta != 0 || x.HistoryBytesDelta != 0
}

func side(r *Report) DiffSide {
	s := DiffSide{Given: r.Input.Given, FileBytes: r.Analysis.File.SizeBytes, DbSizeBytes: r.Analysis.Pages.HighWaterBytes, InUseBytes: r.Analysis.Pages.InUseBytes, FreePages: r.Analysis.Pages.ByType.Free}
	c := r.Certainty
	s.Certainty = &c
	s.identity(r)
	if m := r.MVCC; m != nil {
		s.Revision, s.CompactRev = m.Revision, m.CompactRevision
		s.LiveKeys, s.TotalRevisions = int64(m.LiveKeys), int64(m.TotalRevisions)
		s.LiveBytes, s.HistoryBytes, s.Leases = int64(m.LiveBytes), int64(m.HistoryBytes), int64(m.Leases.Count)
	}
	return s
}

// Compare computes what changed from old to new.
func Compare(old, new *Report) *Diff {
	d := &Diff{SchemaVersion: SchemaVersion, Old: side(old), New: side(new), Prefixes: []PrefixDiff{}}
	o, n := d.Old, d.New
	d.Growth = DiffSide{
		Revision: n.Revision - o.Revision, CompactRev: n.CompactRev - o.CompactRev, FileBytes: n.FileBytes - o.FileBytes,
		DbSizeBytes: n.DbSizeBytes - o.DbSizeBytes, InUseBytes: n.InUseBytes - o.InUseBytes, FreePages: n.FreePages - o.FreePages,
		LiveKeys: n.LiveKeys - o.LiveKeys, TotalRevisions: n.TotalRevisions - o.TotalRevisions,
		LiveBytes: n.LiveBytes - o.LiveBytes, HistoryBytes: n.HistoryBytes - o.HistoryBytes, Leases: n.Leases - o.Leases,
	}
	byPrefix := map[string]*PrefixDiff{}
	get := func(p string) *PrefixDiff {
		if byPrefix[p] == nil {
			byPrefix[p] = &PrefixDiff{Prefix: p}
		}
		return byPrefix[p]
	}
	for _, p := range prefixStats(old) {
		x := get(p.Prefix)
		x.KeysOld, x.LiveKeysOld = int64(p.Keys), int64(p.LiveKeys)
		x.RevisionsDelta -= int64(p.Revisions)
		x.LiveBytesOld, x.HistoryBytesOld = int64(p.LiveBytes), int64(p.HistoryBytes)
	}
	for _, p := range prefixStats(new) {
		x := get(p.Prefix)
		x.KeysNew, x.LiveKeysNew = int64(p.Keys), int64(p.LiveKeys)
		x.RevisionsDelta += int64(p.Revisions)
		x.LiveBytesNew, x.HistoryBytesNew = int64(p.LiveBytes), int64(p.HistoryBytes)
	}
	countAddedRemoved(byPrefix, liveKeySet(old), liveKeySet(new))
	for _, x := range byPrefix {
		x.KeysDelta = x.KeysNew - x.KeysOld
		x.LiveBytesDelta = x.LiveBytesNew - x.LiveBytesOld
		x.HistoryBytesDelta = x.HistoryBytesNew - x.HistoryBytesOld
		if x.changed() {
			d.Prefixes = append(d.Prefixes, *x)
		}
	}
	sort.Slice(d.Prefixes, func(i, j int) bool {
		a, b := d.Prefixes[i], d.Prefixes[j]
		ga, gb := abs64(a.LiveBytesDelta)+abs64(a.HistoryBytesDelta), abs64(b.LiveBytesDelta)+abs64(b.HistoryBytesDelta)
		if ga != gb {
			return ga > gb
		}
		return a.Prefix < b.Prefix
	})
	d.Identity = compareIdentity(d.Old, d.New)
	d.Kinds = compareKinds(old, new)
	d.NewFindings = findingsNotIn(new.Findings, old.Findings)
	d.ResolvedFindings = findingsNotIn(old.Findings, new.Findings)
	d.Member = compareMembers(old, new)
	return d
}

func prefixStats(r *Report) []mvcc.PrefixStat {
	if r.MVCC == nil {
		return nil
	}
	return r.MVCC.Prefixes
}

// liveKeySet is r's set of live keys; a report without keys has none
// (empty), one scanned without the set has nil.
func liveKeySet(r *Report) *mvcc.LiveKeySet {
	if r.MVCC == nil {
		return &mvcc.LiveKeySet{}
	}
	return r.MVCC.LiveKeySet
}

// countAddedRemoved fills KeysAdded and KeysRemoved by one merge of the
// two sorted hash lists: a hash of NEW without its match in OLD is a key
// added under its prefix, the reverse a key removed. Equal hashes pair up
// one to one, so a collision inside one db still counts both keys. A
// prefix folded into "(other)" on both sides is counted there. Without a
// set on either side (a scan not asked for one) the net change of live
// keys is all that is known, and it is what the fields get.
func countAddedRemoved(byPrefix map[string]*PrefixDiff, old, new *mvcc.LiveKeySet) {
	row := func(s *mvcc.LiveKeySet, i int) *PrefixDiff {
		if x := byPrefix[s.Labels[s.Prefix[i]]]; x != nil {
			return x
		}
		if byPrefix["(other)"] == nil {
			byPrefix["(other)"] = &PrefixDiff{Prefix: "(other)"}
		}
		return byPrefix["(other)"]
	}
	if old == nil || new == nil {
		for _, x := range byPrefix {
			if n := x.LiveKeysNew - x.LiveKeysOld; n > 0 {
				x.KeysAdded = n
			} else {
				x.KeysRemoved = -n
			}
		}
		return
	}
	i, j := 0, 0
	for i < len(old.Hashes) || j < len(new.Hashes) {
		switch {
		case j == len(new.Hashes) || (i < len(old.Hashes) && old.Hashes[i] < new.Hashes[j]):
			row(old, i).KeysRemoved++
			i++
		case i == len(old.Hashes) || new.Hashes[j] < old.Hashes[i]:
			row(new, j).KeysAdded++
			j++
		default:
			i++
			j++
		}
	}
}

func findingsNotIn(a, b []findings.Finding) []findings.Finding {
	seen := map[string]bool{}
	for _, f := range b {
		seen[f.Code] = true
	}
	out := []findings.Finding{}
	for _, f := range a {
		if !seen[f.Code] {
			out = append(out, f)
		}
	}
	return out
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
