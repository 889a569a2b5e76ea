package predict

import (
	"fmt"
	"math"

	"github.com/dbinspect/dbinspect/report/calibrate"
)

// StartupObservation is one real etcd start on a data dir restored from a
// db (testdata/etcdbench startup), with the inputs dbinspect read from
// that db.
type StartupObservation struct {
	Name     string  `json:"name"`
	Version  string  `json:"version"` // etcd minor, e.g. "3.6"
	Inputs   Inputs  `json:"inputs"`
	Seconds  float64 `json:"seconds"`   // median StartEtcd to ready
	RSSBytes int64   `json:"rss_bytes"` // median RSS once ready
}

// FitReport says what FitToEtcd changed.
type FitReport struct {
	Observations int     `json:"observations"`
	TimeScale    float64 `json:"time_scale"`     // multiplies the etcd work factor
	HeapGCFactor float64 `json:"heap_gc_factor"` // fitted RSS factor of the live heap
}

// FitToEtcd adjusts cal so its predictions match real etcd starts on this
// machine: one least-squares factor scales the etcd work factor, which
// multiplies every size-dependent startup step (the fixed start is kept), and the heap factor is fitted to
// the RSS. Micro-benchmarks miss costs etcd pays around the same work (GC
// under load, the bbolt cursor, goroutine handoff); this factor carries
// them. Observations whose size-dependent part is tiny carry no weight.
func FitToEtcd(cal calibrate.Calibration, obs []StartupObservation) (calibrate.Calibration, FitReport, error) {
	if len(obs) == 0 {
		return cal, FitReport{}, fmt.Errorf("no real etcd starts to fit to")
	}
	var num, den, hnum, hden float64
	for _, o := range obs {
		st := predictStartup(o.Inputs, cal, o.Version)
		variable := st.Total() - st.Fixed
		num += variable * (o.Seconds - st.Fixed)
		den += variable * variable
		m := predictMemory(o.Inputs, cal, o.Version)
		live := float64(m.TreeIndexBytes + m.LeaseBytes + m.RestoreBufferBytes)
		hnum += live * float64(o.RSSBytes-m.FileResidentBytes-cal.BaseHeapBytes)
		hden += live * live
	}
	rep := FitReport{Observations: len(obs), TimeScale: 1, HeapGCFactor: cal.HeapGCFactor}
	if den > 0 {
		rep.TimeScale = clampFloat(num/den, 0.2, 20)
	}
	if hden > 0 {
		rep.HeapGCFactor = clampFloat(hnum/hden, 1, 5)
	}
	k := rep.TimeScale
	if !(cal.EtcdWorkFactor > 0) {
		cal.EtcdWorkFactor = 1
	}
	cal.EtcdWorkFactor *= k
	cal.HeapGCFactor = rep.HeapGCFactor
	cal.Source = fmt.Sprintf("%s; etcd work factor %.2f and heap factor %.2f fitted to %d real etcd starts", cal.Source, cal.EtcdWorkFactor, rep.HeapGCFactor, len(obs))
	return cal, rep, nil
}

func clampFloat(v, lo, hi float64) float64 {
	if math.IsNaN(v) {
		return lo
	}
	return math.Min(math.Max(v, lo), hi)
}
