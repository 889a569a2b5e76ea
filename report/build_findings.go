package report

import (
	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/pages"
	"github.com/dbinspect/dbinspect/report/findings"
	"github.com/dbinspect/dbinspect/report/predict"
)

// evaluateFindings runs the rules over every section's figures and the
// predictions' inputs.
func evaluateFindings(r *Report, pin predict.Inputs) []findings.Finding {
	if fs := r.withKubeFindings(findings.Evaluate(findingInputs(r, pin))); fs != nil {
		return fs
	}
	return []findings.Finding{} // "findings": [] in JSON, never null
}

// findingInputs gathers the rules' inputs from every section.
func findingInputs(r *Report, pin predict.Inputs) findings.Inputs {
	in := findings.Inputs{Predict: pin}
	if r.Predict != nil {
		in.Prediction = *r.Predict
	}
	for i, m := range r.Analysis.Meta.Metas {
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
		// Top is sorted by keys, most first: its head is the largest lease.
		if top := s.Leases.Top; len(top) > 0 {
			in.LargestLeaseID, in.LargestLeaseKeys = top[0].ID, int64(top[0].Keys)
		}
		if k, writes, ok := hottestLargeKey(s); ok {
			in.HotKey, in.HotKeyValueBytes, in.HotKeyRevisions = k.Key, int64(k.ValueBytes), writes
		}
	}
	return in
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
