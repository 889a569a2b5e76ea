package findings

import (
	"testing"

	"github.com/dbinspect/dbinspect/report/calibrate"
	"github.com/dbinspect/dbinspect/report/predict"
)

// TestRangeFindingThresholds pins the documented thresholds of
// expensive_unpaginated_range (256 MiB of server memory or 100,000 keys)
// and range_exceeds_grpc_limit (a prefix over the limit: critical; only
// the range over every key: warning), at and just below each.
func TestRangeFindingThresholds(t *testing.T) {
	row := func(keys, mem int64, over bool) predict.RangeCost {
		return predict.RangeCost{Prefix: "/registry/pods/", Keys: keys, ResponseBytes: mem / 2, ServerMemoryBytes: mem, ExceedsGRPCLimit: over}
	}
	small := row(10, 1<<20, false)
	cases := []struct {
		name     string
		all      predict.RangeCost
		prefixes []predict.RangeCost
		code     string // "" none
		severity string
	}{
		{"small", small, []predict.RangeCost{small}, "", ""},
		{"keys just below", small, []predict.RangeCost{row(expensiveRangeKeys-1, expensiveRangeMemoryBytes-1, false)}, "", ""},
		{"keys at threshold", small, []predict.RangeCost{row(expensiveRangeKeys, 1<<20, false)}, "expensive_unpaginated_range", SeverityWarning},
		{"memory at threshold", small, []predict.RangeCost{row(10, expensiveRangeMemoryBytes, false)}, "expensive_unpaginated_range", SeverityWarning},
		{"every key alone is not a prefix", row(expensiveRangeKeys, expensiveRangeMemoryBytes, false), []predict.RangeCost{small}, "", ""},
		{"prefix over gRPC limit", small, []predict.RangeCost{row(10, 1<<20, true)}, "range_exceeds_grpc_limit", SeverityCritical},
		{"only every key over gRPC limit", row(10, 1<<20, true), []predict.RangeCost{small}, "range_exceeds_grpc_limit", SeverityWarning},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := healthy()
			rc := predict.Ranges(in.Predict, predict.RangeInput{}, nil, nil, calibrate.Default)
			rc.All, rc.Prefixes = tc.all, tc.prefixes
			in.Prediction.Ranges = &rc
			var got []Finding
			for _, f := range Evaluate(in) {
				if f.Code == "expensive_unpaginated_range" || f.Code == "range_exceeds_grpc_limit" {
					got = append(got, f)
				}
			}
			if tc.code == "" {
				if len(got) != 0 {
					t.Fatalf("fired %+v", got)
				}
				return
			}
			if len(got) != 1 || got[0].Code != tc.code || got[0].Severity != tc.severity {
				t.Fatalf("got %+v, want one %s %s", got, tc.severity, tc.code)
			}
			if got[0].Advice == "" || got[0].Evidence["prefixes"] == nil {
				t.Errorf("incomplete finding %+v", got[0])
			}
		})
	}
}
