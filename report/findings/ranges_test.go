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

// TestFollowerLoopThresholds pins follower_snapshot_loop: it judges the
// first send (--network-mbps when given, else 1 Gbit/s): no finding when
// the entries written during send and apply stay under the leader's
// smallest window, info from there, a warning from its largest.
func TestFollowerLoopThresholds(t *testing.T) {
	cases := []struct {
		name      string
		version   string
		rate      float64
		dbBytes   int64
		want, sev string
	}{
		// 1 GB at 1 Gbit/s: 8 s of send.
		{"3.6 slow writes", "3.6", 100, 1e9, "", ""},
		{"3.6 at the window", "3.6", 5100.0 / 8, 1e9, "follower_snapshot_loop", SeverityWarning},
		{"3.5 inside its cycle", "3.5", 1000, 1e9, "follower_snapshot_loop", SeverityInfo},
		{"3.5 past snapshot-count", "3.5", 105000.0 / 8, 1e9, "follower_snapshot_loop", SeverityWarning},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := healthy()
			p := predict.Prediction{Version: tc.version, DbSizeBytes: tc.dbBytes}
			f := predict.Follower(in.Predict, p, predict.FollowerInputs{WriteRate: tc.rate, WriteRateSource: "test"})
			in.Prediction.Follower = &f
			var got []Finding
			for _, x := range Evaluate(in) {
				if x.Code == "follower_snapshot_loop" {
					got = append(got, x)
				}
			}
			if tc.want == "" {
				if len(got) != 0 {
					t.Fatalf("fired %+v (sends %+v)", got, f.Sends)
				}
				return
			}
			if len(got) != 1 || got[0].Severity != tc.sev {
				t.Fatalf("got %+v, want one %s (sends %+v)", got, tc.sev, f.Sends)
			}
		})
	}
}
