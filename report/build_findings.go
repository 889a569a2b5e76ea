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
		if k, writes, ok := hottestLargeKey(s); ok {
			in.HotKey, in.HotKeyValueBytes, in.HotKeyRevisions = k.Key, int64(k.ValueBytes), writes
		}
	}
	if fs := r.withKubeFindings(EvaluateFindings(in)); fs != nil {
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

// hottestLargeKey is the key whose value size times writes is largest.
// Writes are the revisions still stored or, when compaction removed the
// older ones, the key's version (puts since it was created): a 1 MiB value
// put 200 times and compacted down to one revision still went through the
// raft log 200 times.
func hottestLargeKey(s *mvcc.Summary) (mvcc.KeyStat, int64, bool) {
	var best mvcc.KeyStat
	var bestWrites int64
	var bestCost float64
	for _, list := range [][]mvcc.KeyStat{s.TopKeys.ByValueTimesRevisions, s.TopKeys.ByValueBytes} {
		for _, k := range list {
			writes := max(int64(k.Revisions), k.Version)
			if cost := float64(k.ValueBytes) * float64(writes); cost > bestCost {
				best, bestWrites, bestCost = k, writes, cost
			}
		}
	}
	return best, bestWrites, bestCost > 0
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
