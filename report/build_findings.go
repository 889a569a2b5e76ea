package report

import (
	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/pages"
)

// evaluateFindings gathers the rules' inputs from every section.
func (r *Report) evaluateFindings(o Options) []Finding {
	in := FindingInputs{}
	if r.predictInputs != nil {
		in.Predict = *r.predictInputs
	}
	if r.Predict != nil {
		in.Prediction = *r.Predict
	}
	for i, m := range r.Meta.Metas {
		in.MetaValid[i] = m.Valid
	}
	if r.Input.SnapshotHash != string(pages.SnapshotAbsent) {
		in.SnapshotHashChecked = true
		in.SnapshotHashOK = r.Input.SnapshotHash == string(pages.SnapshotOK)
	}
	for _, p := range r.Problems() {
		if p.Severity == pages.SeverityError {
			in.ReadErrors = append(in.ReadErrors, p.String())
		}
	}
	if s := r.MVCC; s != nil {
		for _, a := range s.Alarms {
			in.Alarms = append(in.Alarms, a.Type)
		}
		in.MalformedEntries = int64(s.Malformed.Count)
		in.MalformedLeases = int64(s.Leases.Malformed)
		in.ReadErrors = append(in.ReadErrors, s.ReadErrors...)
		if p, ok := topPrefixByRevisions(s.Prefixes); ok {
			in.TopPrefix, in.TopPrefixRevisions = p.Prefix, int64(p.Revisions)
		}
		in.LargestLeaseKeys = int64(s.Leases.KeysPerLease.Max)
		if ks := s.TopKeys.ByValueTimesRevisions; len(ks) > 0 {
			in.HotKey, in.HotKeyValueBytes, in.HotKeyRevisions = ks[0].Key, int64(ks[0].ValueBytes), int64(ks[0].Revisions)
		}
	}
	if fs := EvaluateFindings(in); fs != nil {
		return fs
	}
	return []Finding{} // "findings": [] in JSON, never null
}

func topPrefixByRevisions(ps []mvcc.PrefixStat) (mvcc.PrefixStat, bool) {
	var best mvcc.PrefixStat
	for _, p := range ps {
		if p.Revisions > best.Revisions {
			best = p
		}
	}
	return best, best.Revisions > 0
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
