package report

import (
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/pages"
	"github.com/dbinspect/dbinspect/report/predict"
)

// TestFindingInputsCarryTheLargestLease: the lease the finding names is the
// one with the most keys, as the scan found it (it once always said
// "lease 0": the id was never copied).
func TestFindingInputsCarryTheLargestLease(t *testing.T) {
	r := &Report{Analysis: &pages.Analysis{}, Input: InputInfo{SnapshotHash: string(pages.SnapshotAbsent)},
		MVCC: &mvcc.Summary{Leases: mvcc.LeaseSummary{Count: 2, Top: []mvcc.LeaseStat{
			{ID: "694d7a1c2b3e4f50", Keys: 20000}, {ID: "11", Keys: 3}}}}}
	in := findingInputs(r, predict.Inputs{})
	if in.LargestLeaseID != "694d7a1c2b3e4f50" || in.LargestLeaseKeys != 20000 {
		t.Fatalf("largest lease %q with %d keys, want 694d7a1c2b3e4f50 with 20000", in.LargestLeaseID, in.LargestLeaseKeys)
	}
	var msg string
	for _, f := range evaluateFindings(r, predict.Inputs{}) {
		if f.Code == "lease_many_keys" {
			msg = f.Message
		}
	}
	if !strings.Contains(msg, "lease 694d7a1c2b3e4f50 has 20000 keys") {
		t.Errorf("lease_many_keys says %q", msg)
	}
}
