package predict

import (
	"fmt"
	"math"
	"testing"
)

func TestFitToEtcdRecoversScale(t *testing.T) {
	truth := unitCal
	truth.HeapGCFactor = 3
	var obs []StartupObservation
	for i, revs := range []int64{1e5, 5e5, 2e6} {
		in := Inputs{FileBytes: revs * 5000, ReachablePages: uint64(revs), BboltElements: uint64(revs) * 3, Revisions: revs,
			Keys: revs / 3, KeyBytes: revs * 40, ValueBytes: revs * 4000}
		st := predictStartup(in, truth, "3.6")
		m := predictMemory(in, truth, "3.6")
		obs = append(obs, StartupObservation{Name: fmt.Sprint(i), Version: "3.6", Inputs: in,
			Seconds: st.Fixed + 2*(st.Total()-st.Fixed), RSSBytes: m.RSSBytes})
	}
	got, rep, err := FitToEtcd(unitCal, obs)
	if err != nil {
		t.Fatal(err)
	}
	if !near(rep.TimeScale, 2) || math.Abs(rep.HeapGCFactor-3) > 1e-6 || !near(got.EtcdWorkFactor, 2*max(unitCal.EtcdWorkFactor, 1)) || got.RestoreSecondsPerRevision != unitCal.RestoreSecondsPerRevision || got.FixedStartSeconds != unitCal.FixedStartSeconds {
		t.Errorf("fit gave %+v", rep)
	}
	for _, o := range obs {
		if p := predictStartup(o.Inputs, got, "3.6").Total(); !near(p, o.Seconds) {
			t.Errorf("%s: fitted prediction %v, real %v", o.Name, p, o.Seconds)
		}
	}
	if _, _, err := FitToEtcd(unitCal, nil); err == nil {
		t.Error("fitting to nothing gave no error")
	}
}
