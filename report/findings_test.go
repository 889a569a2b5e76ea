package report

import (
	"regexp"
	"testing"
)

// healthy is a db on which no rule fires.
func healthy() FindingInputs {
	in := PredictInputs{FileBytes: 100 << 20, PageSize: 4096, HighWaterPgid: 25600, FreePages: 100, FreeSpans: 20,
		Revisions: 200000, Keys: 50000, ScheduledCompactRev: 100, FinishedCompactRev: 100}
	return FindingInputs{
		Predict:            in,
		Prediction:         Predict(in, DefaultCalibration),
		MetaValid:          [2]bool{true, true},
		TopPrefix:          "/registry/pods/",
		TopPrefixRevisions: 50000,
		LargestLeaseKeys:   10,
		HotKey:             "/registry/configmaps/a",
		HotKeyValueBytes:   1000,
		HotKeyRevisions:    1000,
	}
}

func TestFindingRules(t *testing.T) {
	cases := []struct {
		code, severity string
		mutate         func(*FindingInputs)
	}{
		{"meta_invalid", SeverityWarning, func(f *FindingInputs) { f.MetaValid[1] = false }},
		{"meta_invalid", SeverityCritical, func(f *FindingInputs) { f.MetaValid = [2]bool{} }},
		{"snapshot_hash_mismatch", SeverityCritical, func(f *FindingInputs) { f.SnapshotHashChecked = true }},
		{"damaged_pages", SeverityCritical, func(f *FindingInputs) { f.ReadErrors = []string{"page 9: bad flags"} }},
		{"malformed_revisions", SeverityCritical, func(f *FindingInputs) { f.MalformedEntries = 3 }},
		{"malformed_leases", SeverityCritical, func(f *FindingInputs) { f.MalformedLeases = 1 }},
		{"alarm_raised", SeverityCritical, func(f *FindingInputs) { f.Alarms = []string{"NOSPACE"} }},
		{"db_over_quota", SeverityCritical, func(f *FindingInputs) { f.Prediction.Quota = predictQuota(PredictInputs{}, 2*gib, 0) }},
		{"db_near_quota", SeverityWarning, func(f *FindingInputs) { f.Prediction.Quota = predictQuota(PredictInputs{}, 17*gib/10, 0) }},
		{"quota_above_max", SeverityWarning, func(f *FindingInputs) {
			f.Prediction.Quota = predictQuota(PredictInputs{QuotaBytes: 16 * gib}, gib, 0)
		}},
		{"compaction_unfinished", SeverityWarning, func(f *FindingInputs) { f.Predict.ScheduledCompactRev = 150 }},
		{"mostly_free", SeverityWarning, func(f *FindingInputs) { f.Predict.FreePages = 20000 }},
		{"fragmented_freelist", SeverityWarning, func(f *FindingInputs) { f.Predict.FreeSpans = 50000 }},
		{"raft_log_memory", SeverityWarning, func(f *FindingInputs) {
			f.Predict.RecentRevisionBytes = map[int]int64{105000: 2 << 30, 5100: 100 << 20}
			f.Prediction = Predict(f.Predict, DefaultCalibration)
		}},
		{"large_values_rewritten", SeverityWarning, func(f *FindingInputs) { f.HotKeyValueBytes = 1 << 20 }},
		{"history_concentrated", SeverityInfo, func(f *FindingInputs) { f.TopPrefixRevisions = 150000 }},
		{"lease_many_keys", SeverityWarning, func(f *FindingInputs) { f.LargestLeaseKeys = 50000 }},
		{"slow_startup", SeverityWarning, func(f *FindingInputs) {
			f.Predict.Revisions = 50e6
			f.Prediction = Predict(f.Predict, DefaultCalibration)
		}},
		{"history_uncompacted", SeverityInfo, func(f *FindingInputs) { f.Predict.Revisions, f.Predict.Keys = 2e6, 1000 }},
	}
	if got := EvaluateFindings(healthy()); len(got) != 0 {
		t.Fatalf("healthy db gave findings: %+v", got)
	}
	code := regexp.MustCompile(`^[a-z]+(_[a-z]+)*$`)
	for _, tc := range cases {
		t.Run(tc.code+"/"+tc.severity, func(t *testing.T) {
			in := healthy()
			tc.mutate(&in)
			var hit *Finding
			for _, f := range EvaluateFindings(in) {
				if f.Code == tc.code {
					f := f
					hit = &f
				}
			}
			if hit == nil {
				t.Fatalf("rule %s did not fire", tc.code)
			}
			if hit.Severity != tc.severity {
				t.Errorf("severity %s, want %s", hit.Severity, tc.severity)
			}
			if !code.MatchString(hit.Code) || hit.Message == "" || hit.Advice == "" || len(hit.Evidence) == 0 {
				t.Errorf("incomplete finding %+v", hit)
			}
		})
	}
}

func TestFindingsOrderedBySeverity(t *testing.T) {
	in := healthy()
	in.TopPrefixRevisions = 150000  // info
	in.Predict.FreeSpans = 50000    // warning
	in.Alarms = []string{"NOSPACE"} // critical
	got := EvaluateFindings(in)
	if len(got) != 3 {
		t.Fatalf("got %d findings: %+v", len(got), got)
	}
	for i, want := range []string{SeverityCritical, SeverityWarning, SeverityInfo} {
		if got[i].Severity != want {
			t.Errorf("finding %d is %s, want %s", i, got[i].Severity, want)
		}
	}
}
