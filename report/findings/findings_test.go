package findings

import (
	"encoding/json"
	"math"
	"regexp"
	"testing"

	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/report/calibrate"
	"github.com/dbinspect/dbinspect/report/predict"
)

// healthy is a db on which no rule fires.
func healthy() Inputs {
	in := predict.Inputs{FileBytes: 100 << 20, PageSize: 4096, HighWaterPgid: 25600, FreePages: 100, FreeSpans: 20,
		Revisions: 200000, Keys: 50000, ScheduledCompactRev: 100, FinishedCompactRev: 100}
	return Inputs{
		Predict:            in,
		Prediction:         predict.Run(in, calibrate.Default),
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
		mutate         func(*Inputs)
	}{
		{"meta_invalid", SeverityWarning, func(f *Inputs) { f.MetaValid[1] = false }},
		{"meta_invalid", SeverityCritical, func(f *Inputs) { f.MetaValid = [2]bool{} }},
		{"snapshot_hash_mismatch", SeverityCritical, func(f *Inputs) { f.SnapshotHashChecked = true }},
		{"damaged_pages", SeverityCritical, func(f *Inputs) { f.ReadErrors = []string{"page 9: bad flags"} }},
		{"malformed_revisions", SeverityCritical, func(f *Inputs) { f.MalformedEntries = 3 }},
		{"malformed_leases", SeverityCritical, func(f *Inputs) { f.MalformedLeases = 1 }},
		{"alarm_raised", SeverityCritical, func(f *Inputs) { f.Alarms = []string{"NOSPACE"} }},
		{"db_over_quota", SeverityCritical, func(f *Inputs) { f.Prediction.Quota = quotaFor(0, 2*gib) }},
		{"db_near_quota", SeverityWarning, func(f *Inputs) { f.Prediction.Quota = quotaFor(0, 17*gib/10) }},
		{"quota_above_max", SeverityWarning, func(f *Inputs) {
			f.Prediction.Quota = quotaFor(16*gib, gib)
		}},
		{"compaction_unfinished", SeverityWarning, func(f *Inputs) { f.Predict.ScheduledCompactRev = 150 }},
		{"mostly_free", SeverityWarning, func(f *Inputs) { f.Predict.FreePages = 20000 }},
		{"fragmented_freelist", SeverityWarning, func(f *Inputs) { f.Predict.FreeSpans = 50000 }},
		{"raft_log_memory", SeverityWarning, func(f *Inputs) {
			f.Predict.RecentRevisionBytes = map[int]int64{mvcc.RaftLogEntries35: 2 << 30, mvcc.RaftLogEntries36: 100 << 20}
			f.Prediction = predict.Run(f.Predict, calibrate.Default)
		}},
		{"large_values_rewritten", SeverityWarning, func(f *Inputs) { f.HotKeyValueBytes = 1 << 20 }},
		{"history_concentrated", SeverityInfo, func(f *Inputs) { f.TopPrefixRevisions = 150000 }},
		{"lease_many_keys", SeverityWarning, func(f *Inputs) { f.LargestLeaseID, f.LargestLeaseKeys = "694d7a1c2b3e4f50", 50000 }},
		{"slow_startup", SeverityWarning, func(f *Inputs) {
			f.Predict.Revisions = 50e6
			f.Prediction = predict.Run(f.Predict, calibrate.Default)
		}},
		{"history_uncompacted", SeverityInfo, func(f *Inputs) { f.Predict.Revisions, f.Predict.Keys = 2e6, 1000 }},
	}
	if got := Evaluate(healthy()); len(got) != 0 {
		t.Fatalf("healthy db gave findings: %+v", got)
	}
	code := regexp.MustCompile(`^[a-z]+(_[a-z]+)*$`)
	for _, tc := range cases {
		t.Run(tc.code+"/"+tc.severity, func(t *testing.T) {
			in := healthy()
			tc.mutate(&in)
			var hit *Finding
			for _, f := range Evaluate(in) {
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
	got := Evaluate(in)
	if len(got) != 3 {
		t.Fatalf("got %d findings: %+v", len(got), got)
	}
	for i, want := range []string{SeverityCritical, SeverityWarning, SeverityInfo} {
		if got[i].Severity != want {
			t.Errorf("finding %d is %s, want %s", i, got[i].Severity, want)
		}
	}
}

// TestPredictHostileInputs: whatever the file claims, Predict and the
// findings must not panic and must give JSON-encodable numbers (no NaN or
// infinity, which encoding/json rejects).
func TestPredictHostileInputs(t *testing.T) {
	cases := []predict.Inputs{
		{},
		{FileBytes: -1, PageSize: -4096, HighWaterPgid: math.MaxUint64, Revisions: -5, Keys: -1, QuotaBytes: -1},
		{FileBytes: math.MaxInt64, PageSize: 65536, HighWaterPgid: 1 << 40, Revisions: math.MaxInt32, Keys: 0, KeyBytes: math.MaxInt32},
		{Revisions: 10, ScheduledCompactRev: math.MaxInt64, FinishedCompactRev: math.MinInt64, RevisionsToRecompact: math.MaxInt32},
	}
	for i, in := range cases {
		p := predict.Run(in, calibrate.Default)
		f := Evaluate(Inputs{Predict: in, Prediction: p, MetaValid: [2]bool{true, true}})
		if _, err := json.Marshal(struct {
			P predict.Prediction
			F []Finding
		}{p, f}); err != nil {
			t.Errorf("case %d: %v", i, err)
		}
	}
}

// quotaFor is the quota prediction of a db of dbSize bytes under quota
// (0: etcd's default).
func quotaFor(quota, dbSize int64) predict.QuotaPrediction {
	return predict.Run(predict.Inputs{QuotaBytes: quota, PageSize: 4096, HighWaterPgid: uint64(dbSize / 4096)}, calibrate.Default).Quota
}

const gib = int64(1) << 30
