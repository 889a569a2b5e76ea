package predict

import (
	"math"
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/report/calibrate"
)

// TestRangeCostsMatchRealEtcd checks the response size and server memory
// against real etcd 3.6.16 ranges measured by testdata/etcdcost (the
// prefixes of its 1 GB db, a first 3.6 run; the README's tables are later
// runs of 3.5 and 3.6, whose allocations agree with it to 0.3%): the
// response as clientv3 received it (RangeResponse.Size) and the bytes the
// server's Go runtime allocated during the range (TotalAlloc).
func TestRangeCostsMatchRealEtcd(t *testing.T) {
	in := Inputs{Revisions: 760000, KeyBytes: 25580000, CompactAt: 7601, Keys: 760000}
	cases := []struct {
		prefix          string
		keys, bytes     int64
		response, alloc int64
	}{
		{"/registry/pods/", 150000, 316474800, 314374832, 705555984},
		{"/registry/pods/ns-00/", 7500, 15823740, 15718771, 35125304},
		{"/registry/configmaps/", 10000, 82600000, 82460031, 169894464},
		{"/registry/configmaps/ns-00/", 1000, 8260000, 8246031, 17024816},
		{"/registry/events/", 600000, 218400000, 210000032, 744940928},
		{"/registry/events/ns-00/", 12000, 4368000, 4200031, 14717808},
	}
	var prefixes []RangeInput
	for _, c := range cases {
		prefixes = append(prefixes, RangeInput{Prefix: c.prefix, Keys: c.keys, Bytes: c.bytes})
	}
	rc := Ranges(in, RangeInput{Keys: 760000, Bytes: 617474800}, prefixes, nil, calibrate.Default)
	for i, c := range cases {
		got := rc.Prefixes[i]
		if d := math.Abs(float64(got.ResponseBytes-c.response)) / float64(c.response); d > 0.001 {
			t.Errorf("%s: response %d bytes, etcd sent %d (%.2f%% off)", c.prefix, got.ResponseBytes, c.response, 100*d)
		}
		if d := math.Abs(float64(got.ServerMemoryBytes-c.alloc)) / float64(c.alloc); d > 0.20 {
			t.Errorf("%s: server memory %d, etcd allocated %d (%.0f%% off, want within 20%%)", c.prefix, got.ServerMemoryBytes, c.alloc, 100*d)
		}
	}
}

func TestRangeCostShape(t *testing.T) {
	in := Inputs{Revisions: 1000, KeyBytes: 32000, CompactAt: 1000, Keys: 1000}
	cases := []struct {
		name      string
		keys      int64
		bytes     int64
		pages     int64
		walked    float64 // keys the paged read walks in all
		overLimit bool
	}{
		{"one page", 400, 400 * 1000, 1, 400, false},
		{"two pages", 1000, 1000 * 1000, 2, 1000 + 500, false},
		{"ten pages", 5000, 5000 * 100, 10, 5000*10 - 500*45, false},
		{"over 2 GiB", 3000, 3 << 30, 6, 3000*6 - 500*15, true},
	}
	cal := calibrate.Default
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rc := Ranges(in, RangeInput{Keys: tc.keys, Bytes: tc.bytes}, nil, nil, cal)
			c := rc.All
			if c.Pages != tc.pages {
				t.Errorf("pages %d, want %d", c.Pages, tc.pages)
			}
			wantPaged := float64(tc.pages)*cal.RangeRequestSeconds + tc.walked*cal.RangeWalkSecondsPerKey + float64(tc.keys)*cal.RangeSecondsPerKey + float64(c.ResponseBytes)*cal.RangeSecondsPerByte
			if math.Abs(c.PagedSeconds-wantPaged) > 1e-9*wantPaged+1e-12 {
				t.Errorf("paged %.6f s, want %.6f s", c.PagedSeconds, wantPaged)
			}
			if c.ExceedsGRPCLimit != tc.overLimit {
				t.Errorf("exceeds gRPC limit %v, want %v (response %d bytes)", c.ExceedsGRPCLimit, tc.overLimit, c.ResponseBytes)
			}
			if want := cal.RangeRequestSeconds + float64(tc.keys)*cal.RangeWalkSecondsPerKey; math.Abs(c.CountOnlySeconds-want) > 1e-12 {
				t.Errorf("count-only %.9f s, want a request and the walk: %.9f s", c.CountOnlySeconds, want)
			}
			if !(c.CountOnlySeconds < c.FirstPageSeconds && c.FirstPageSeconds <= c.Seconds && c.Seconds <= c.PagedSeconds) {
				t.Errorf("want count-only < first page <= whole <= paged: %+v", c)
			}
			if c.ResponseBytes <= tc.bytes-17*tc.keys || c.ServerMemoryBytes <= 2*c.ResponseBytes-2*17*tc.keys {
				t.Errorf("response %d or memory %d below what the values alone take", c.ResponseBytes, c.ServerMemoryBytes)
			}
		})
	}
	rc := Ranges(in, RangeInput{}, nil, nil, cal)
	if len(rc.GRPC) != 3 || rc.GRPC[0].ServerSendBytes != math.MaxInt32 || rc.GRPC[0].ClientRecvBytes != math.MaxInt32 || rc.GRPC[0].ServerRecvBytes != 2<<20 {
		t.Errorf("gRPC limits %+v", rc.GRPC)
	}
	if rc.All.Keys != 0 || rc.All.Seconds != 0 {
		t.Errorf("an empty range costs %+v", rc.All)
	}
}

// The model says whether the range time coefficients were measured by
// calibrate or are the reference ones.
func TestRangeModelSaysWhetherTimesWereMeasured(t *testing.T) {
	in := Inputs{Revisions: 10, KeyBytes: 300, CompactAt: 10, Keys: 10}
	all := RangeInput{Keys: 10, Bytes: 10000}
	ref := Ranges(in, all, nil, nil, calibrate.Default)
	meas := calibrate.Default
	meas.RangeMeasured, meas.Source = true, "dbinspect calibrate on a test machine"
	meas.RangeSecondsPerKey *= 2
	got := Ranges(in, all, nil, nil, meas)
	has := func(m Model, s string) bool {
		for _, a := range m.Assumptions {
			if strings.Contains(a, s) {
				return true
			}
		}
		return false
	}
	if !has(ref.Model, "not measured on this machine") || has(ref.Model, "measured by 'dbinspect calibrate'") {
		t.Errorf("built-in calibration's assumptions: %q", ref.Model.Assumptions)
	}
	if !has(got.Model, "measured by 'dbinspect calibrate' (dbinspect calibrate on a test machine)") || has(got.Model, "not measured on this machine") {
		t.Errorf("measured calibration's assumptions: %q", got.Model.Assumptions)
	}
	if !(got.All.Seconds > ref.All.Seconds) {
		t.Errorf("a measured per-key cost twice the reference did not raise the time: %v vs %v", got.All.Seconds, ref.All.Seconds)
	}
}

// The walk's cost per key follows the index's size between the two sizes
// calibrate timed, in log(keys), and holds outside them.
func TestWalkSecondsPerKey(t *testing.T) {
	cal := calibrate.Default
	cal.RangeWalkSecondsPerKey, cal.RangeWalkSecondsPerKeyLarge = 100e-9, 300e-9
	cal.RangeWalkIndexKeysSmall, cal.RangeWalkIndexKeysLarge = 100000, 800000
	cases := []struct {
		keys int64
		want float64
	}{
		{10, 100e-9},
		{100000, 100e-9},
		{200000, 100e-9 + 200e-9/3}, // log2(2)/log2(8) of the way
		{400000, 100e-9 + 2*200e-9/3},
		{800000, 300e-9},
		{5000000, 300e-9},
	}
	for _, c := range cases {
		if got := walkSecondsPerKey(cal, c.keys); math.Abs(got-c.want) > 1e-15 {
			t.Errorf("%d keys: %.3f ns, want %.3f ns", c.keys, got*1e9, c.want*1e9)
		}
	}
	// One size (Default, or a file saved before calibrate timed two): flat.
	if got := walkSecondsPerKey(calibrate.Default, 5000000); got != calibrate.Default.RangeWalkSecondsPerKey {
		t.Errorf("one-size calibration: %.3f ns, want %.3f ns", got*1e9, calibrate.Default.RangeWalkSecondsPerKey*1e9)
	}
	// The count-only range uses it.
	rc := Ranges(Inputs{Revisions: 400000, KeyBytes: 400000 * 40, CompactAt: 10, Keys: 400000}, RangeInput{Keys: 1000, Bytes: 1000 * 300}, nil, nil, cal)
	if want := cal.RangeRequestSeconds + 1000*(100e-9+2*200e-9/3); math.Abs(rc.All.CountOnlySeconds-want) > 1e-12 {
		t.Errorf("count-only of 1000 keys in an index of 400000: %.9f s, want %.9f s", rc.All.CountOnlySeconds, want)
	}
}

// etcd 3.4 and 3.5's treeIndex walks interface items: their count-only
// ranges cost the calibration's interface factor more a key; 3.6's not.
func TestWalkInterfaceFactorByVersion(t *testing.T) {
	cal := calibrate.Default
	cal.RangeWalkSecondsPerKey, cal.RangeWalkInterfaceFactor = 100e-9, 1.5
	all := RangeInput{Keys: 10000, Bytes: 10000 * 300}
	for _, c := range []struct {
		version string
		factor  float64
	}{{"3.4", 1.5}, {"3.5", 1.5}, {"3.6", 1}, {"3.7", 1}} {
		in := Inputs{Revisions: 10000, KeyBytes: 10000 * 40, CompactAt: 10, Keys: 10000, Versions: []string{c.version}}
		rc := Ranges(in, all, nil, nil, cal)
		if want := cal.RangeRequestSeconds + 10000*100e-9*c.factor; math.Abs(rc.All.CountOnlySeconds-want) > 1e-12 {
			t.Errorf("%s: count-only %.9f s, want %.9f s", c.version, rc.All.CountOnlySeconds, want)
		}
		if got := rc.Model.Inputs["walk_nanoseconds_per_key"]; got != int64(100*c.factor) {
			t.Errorf("%s: model input walk %d ns, want %d", c.version, got, int64(100*c.factor))
		}
	}
}
