package predict

import (
	"math"
	"testing"
)

func TestPredictRestartElection(t *testing.T) {
	cases := []struct {
		name            string
		version         string
		snapMembers     int
		haveSnap        bool
		dbMembers       int
		haveDB          bool
		wantMembers     int
		wantFastForward bool
		wantExtra       float64
	}{
		// 3.5 reads the v2 store: without a .snap it is empty, whatever the db holds.
		{"3.5 without a .snap", "3.5", 0, false, 1, true, 0, false, 0.9},
		{"3.4 without a .snap", "3.4", 0, false, 1, true, 0, false, 0.9},
		{"3.5 with a one-voter .snap", "3.5", 1, true, 1, true, 1, true, 0},
		{"3.5 with a three-voter .snap", "3.5", 3, true, 3, true, 3, false, 0},
		// 3.6+ read the db's members bucket: the .snap does not matter.
		{"3.6 one member in the db, no .snap", "3.6", 0, false, 1, true, 1, true, 0},
		{"3.7 one member in the db, no .snap", "3.7", 0, false, 1, true, 1, true, 0},
		{"3.6 no members bucket", "3.6", 1, true, 0, true, 0, false, 0.9},
		{"3.6 no db read: one member assumed", "3.6", 0, false, 0, false, 1, true, 0},
		{"3.6 three members", "3.6", 0, false, 3, true, 3, false, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := PredictRestartElection(tc.version, tc.snapMembers, tc.haveSnap, tc.dbMembers, tc.haveDB)
			if e.Members != tc.wantMembers || e.FastForward != tc.wantFastForward || math.Abs(e.ExtraSeconds-tc.wantExtra) > 1e-12 {
				t.Errorf("got members %d, fast-forward %v, extra %.3f s; want %d, %v, %.3f s", e.Members, e.FastForward, e.ExtraSeconds, tc.wantMembers, tc.wantFastForward, tc.wantExtra)
			}
			if e.Why == "" {
				t.Error("no reason given")
			}
		})
	}
}
