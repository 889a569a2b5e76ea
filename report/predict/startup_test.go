package predict

import (
	"math"
	"testing"

	"github.com/dbinspect/dbinspect/report/calibrate"
)

// lookupCal is unitCal with treeIndex Gets of 1 us at 1,024 keys and 2 us
// at 1,048,576 keys: 0.1 us more per doubling of the tree above 1,024.
func lookupCal() calibrate.Calibration {
	c := unitCal
	c.BtreeGetSecondsSmall, c.BtreeGetSecondsLarge = 1e-6, 2e-6
	c.BtreeGetSmallKeys, c.BtreeGetLargeKeys = 1<<10, 1<<20
	return c
}

func TestKeyCacheMisses(t *testing.T) {
	for _, tc := range []struct {
		name       string
		revs, keys int64
		want       float64
	}{
		{"no keys", 0, 0, 0},
		{"every key written once", 2_000_000, 2_000_000, 0},
		{"fewer keys than the cache: nothing evicted", 90_000, 10_000, 0},
		{"twice the cache: half the later revisions miss", 60_000, 20_000, 40_000 * 0.5},
		{"1.5M keys: nearly every later revision misses", 2_768_840, 1_500_000, 1_268_840 * (1 - 10_000.0/1_500_000)},
		{"more keys than revisions (hostile counts)", 5, 100_000, 0},
	} {
		if got := keyCacheMisses(tc.revs, tc.keys); !near(got, tc.want) {
			t.Errorf("%s: keyCacheMisses(%d, %d) = %v, want %v", tc.name, tc.revs, tc.keys, got, tc.want)
		}
	}
}

func TestBtreeGetSeconds(t *testing.T) {
	c := lookupCal()
	for _, tc := range []struct {
		name string
		n    float64
		want float64
	}{
		{"empty tree", 0, 0},
		{"one key", 1, 0},
		{"NaN size", math.NaN(), 0},
		{"in cache: by depth", 1 << 5, 1e-6 * 5.0 / 10},
		{"small size", 1 << 10, 1e-6},
		{"between: linear in log2", 1 << 15, 1.5e-6},
		{"large size", 1 << 20, 2e-6},
		{"extrapolated past large", 1 << 25, 2.5e-6},
	} {
		if got := btreeGetSeconds(c, tc.n); !near(got, tc.want) {
			t.Errorf("%s: btreeGetSeconds(%v) = %v, want %v", tc.name, tc.n, got, tc.want)
		}
	}
	// a calibration saved before the lookups were measured has none
	if got := btreeGetSeconds(unitCal, 1<<20); got != 0 {
		t.Errorf("without lookup coefficients: %v, want 0", got)
	}
	if lookupNote(unitCal) == "" || lookupNote(c) != "" {
		t.Errorf("lookupNote should warn only without lookup coefficients")
	}
	// a slope that makes large trees cheaper than small ones is noise: floor at the small cost
	c.BtreeGetSecondsLarge = 0.5e-6
	if got := btreeGetSeconds(c, 1<<20); !near(got, 1e-6) {
		t.Errorf("inverted measurements: %v, want the small-tree cost 1e-6", got)
	}
}

// TestIndexLookupsInRestore checks the lookup term lands in IndexRestore
// and Total, scaled by the etcd work factor.
func TestIndexLookupsInRestore(t *testing.T) {
	in := Inputs{Revisions: 1<<21 + 1<<20, Keys: 1 << 21}
	c := lookupCal()
	// first revisions: 2^21 Gets in a tree of 2^20 keys (2 us); later:
	// 2^20 x (1 - 10000/2^21) Gets in a tree of 2^21 keys (2.1 us)
	wantLookups := float64(1<<21)*2e-6 + float64(1<<20)*(1-10000.0/(1<<21))*2.1e-6
	if got := indexLookupSeconds(in, c); !near(got, wantLookups) {
		t.Fatalf("indexLookupSeconds = %v, want %v", got, wantLookups)
	}
	for _, w := range []float64{1, 3} {
		c.EtcdWorkFactor = w
		with := predictStartup(in, c, "3.6")
		without := predictStartup(in, unitCal, "3.6")
		// unitCal has the work factor 1
		if d := with.IndexRestore - w*without.IndexRestore; !near(d, w*wantLookups) {
			t.Errorf("work factor %v: IndexRestore grew by %v, want %v", w, d, w*wantLookups)
		}
		if !near(with.Total()-with.IndexRestore, w*(without.Total()-without.IndexRestore-without.Fixed)+without.Fixed) {
			t.Errorf("work factor %v: the lookups changed steps other than IndexRestore", w)
		}
	}
}

// TestKeyCacheEvictions checks every miss once the cache is full pays an
// eviction: first revisions beyond the cache's 10,000 keys and later misses.
func TestKeyCacheEvictions(t *testing.T) {
	c := unitCal // no Gets: only the evictions count
	c.KeyCacheSecondsPerMiss = 1e-6
	for _, tc := range []struct {
		revs, keys int64
		want       float64
	}{
		{5_000, 5_000, 0},
		{50_000, 10_000, 0},
		{40_000, 20_000, (10_000 + 20_000*0.5) * 1e-6},
	} {
		if got := indexLookupSeconds(Inputs{Revisions: tc.revs, Keys: tc.keys}, c); !near(got, tc.want) {
			t.Errorf("%d revisions over %d keys: %v, want %v", tc.revs, tc.keys, got, tc.want)
		}
	}
}
