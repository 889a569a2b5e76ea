package predict

import (
	"math"
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/report/calibrate"
	"github.com/dbinspect/dbinspect/report/predict/restoresim"
)

func TestInterpolateLog(t *testing.T) {
	xs, ys := []float64{16, 256, 4096}, []float64{1, 3, 4}
	for _, c := range []struct{ x, want float64 }{
		{1, 1}, {16, 1}, {64, 2}, {256, 3}, {1024, 3.5}, {4096, 4}, {65536, 5}, // log2: 4, 8, 12; past the end extrapolated
	} {
		if got := interpolateLog(xs, ys, c.x); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("at %v: %v, want %v", c.x, got, c.want)
		}
	}
	if interpolateLog(nil, nil, 5) != 0 || interpolateLog(xs, ys[:2], 5) != 0 {
		t.Error("no or uneven data gave a figure")
	}
}

// Hand-computed: two Gets in the bucket of 4096..8191 keys (n = 5793), one
// far and one near, and 3 eviction rounds; a far Get there is get(5793) =
// 10 + 10 x (log2 5793 - log2 1000) / (20 - log2 1000) us, and with bare
// Gets of 3 us far and 1 us near, the near Get costs get - 2 us.
func TestAccessLookupSeconds(t *testing.T) {
	cal := calibrate.Default
	cal.BtreeGetSeqSecondsSmall, cal.BtreeGetSeqSecondsLarge, cal.RestoreSeqSecondsPerRevision = 0, 0, 0
	cal.BtreeGetSecondsSmall, cal.BtreeGetSecondsLarge, cal.BtreeGetSmallKeys, cal.BtreeGetLargeKeys = 10e-6, 20e-6, 1000, 1<<20
	cal.LookupTreeKeys = []float64{1 << 14, 1 << 20}
	cal.LookupFarSeconds, cal.LookupNearSeconds, cal.LookupInterleavedSeconds = []float64{3e-6, 3e-6}, []float64{1e-6, 1e-6}, []float64{1e-6, 1e-6}
	cal.KeyCacheSecondsPerMiss = 0.5e-6
	var a restoresim.Counts
	a.BySize[restoresim.Far][12] = 1
	a.BySize[restoresim.Near][12] = 1
	a.EvictionRounds = 3
	a.MissesFull = 30
	get := 10e-6 + 10e-6*(math.Log2(4096*math.Sqrt2)-math.Log2(1000))/(20-math.Log2(1000))
	want := get + (get - 2e-6) + 30*0.5e-6
	if got := accessLookupSeconds(&a, cal); math.Abs(got-want) > 1e-12 {
		t.Errorf("got %v, want %v", got, want)
	}
	// A sequential Get without the key-order measurement costs a near one;
	// with it, 0.2 us at 1000 keys and 0.4 us at 2^20: at 5793 keys
	// 0.2 + 0.2 x (log2 5793 - log2 1000) / (20 - log2 1000) us.
	a.BySize[restoresim.Seq][12] = 2
	want += 2 * (get - 2e-6)
	if got := accessLookupSeconds(&a, cal); math.Abs(got-want) > 1e-12 {
		t.Errorf("sequential without its coefficients: got %v, want %v", got, want)
	}
	cal.BtreeGetSeqSecondsSmall, cal.BtreeGetSeqSecondsLarge = 0.2e-6, 0.4e-6
	seqGet := 0.2e-6 + 0.2e-6*(math.Log2(4096*math.Sqrt2)-math.Log2(1000))/(20-math.Log2(1000))
	want += 2 * (seqGet - (get - 2e-6))
	if got := accessLookupSeconds(&a, cal); math.Abs(got-want) > 1e-12 {
		t.Errorf("sequential: got %v, want %v", got, want)
	}
	cal.BtreeGetSeqSecondsSmall, cal.BtreeGetSeqSecondsLarge = 0, 0
	// A near Get never costs more than a far one, nor less than a bare near one.
	if g := nearGetSeconds(cal, 2, 1.5e-6); g != 1e-6 {
		t.Errorf("near Get of a cheap far one: %v", g)
	}
	cal.LookupNearSeconds = []float64{5e-6, 5e-6}
	if g := nearGetSeconds(cal, 2, 10e-6); g != 10e-6 {
		t.Errorf("near slower than far in the bare Gets: %v, want the far cost", g)
	}
}

// The startup model uses the replay when it has one: ascending runs cost
// less than the uniform estimate, and the text says which pattern it is.
func TestStartupUsesAccessPattern(t *testing.T) {
	const keys = 200000
	order := make([]uint32, 0, 2*keys)
	ranks := make([]uint32, keys)
	for i := range uint32(keys) {
		order = append(order, i)
		ranks[i] = i
	}
	for i := range uint32(keys) { // each key rewritten once, in ascending order
		order = append(order, i)
	}
	counts, err := restoresim.Simulate(order, ranks, restoresim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	in := Inputs{Revisions: 2 * keys, Keys: keys, Versions: []string{"3.6"}}
	uniform := Run(in, calibrate.Default)
	in.Access = &counts
	runs := Run(in, calibrate.Default)
	if !(runs.StartupSeconds < uniform.StartupSeconds) {
		t.Errorf("ascending runs %v s, uniform %v s: want less", runs.StartupSeconds, uniform.StartupSeconds)
	}
	m := runs.Models[0]
	if !strings.Contains(m.Assumptions[0], "ascending runs") || !strings.Contains(m.Assumptions[0], "mostly sequential") {
		t.Errorf("pattern not stated: %s", m.Assumptions[0])
	}
	if m.Inputs["restore_lookups_near"] != int64(counts.Near) || m.Inputs["restore_lookups_far"] != int64(counts.Far) || m.Inputs["restore_cache_hits"] != int64(counts.Hits) ||
		m.Inputs["restore_lookups_sequential"] != int64(counts.Seq) || m.Inputs["restore_inserts_sequential"] != int64(counts.SeqInserts) {
		t.Errorf("inputs %v, counts %+v", m.Inputs, counts)
	}
	if strings.Contains(strings.Join(uniform.Models[0].Assumptions, " "), "access pattern (") {
		t.Error("the uniform model claims a replay")
	}
}

func TestAccessPatternWords(t *testing.T) {
	for _, c := range []struct {
		a    restoresim.Counts
		want string
	}{
		{restoresim.Counts{Revisions: 100, Keys: 50, Hits: 50, Misses: 50, Near: 50}, "few enough keys"},
		{restoresim.Counts{Revisions: 1e6, Keys: 1e6, Misses: 1e6, Far: 1e6}, "written once, in random key order"},
		{restoresim.Counts{Revisions: 2e6, Keys: 1e6, Hits: 1.5e6, Misses: 0.5e6, Near: 0.1e6, Far: 0.4e6}, "bursts"},
		{restoresim.Counts{Revisions: 2e6, Keys: 1e6, Hits: 1e5, Misses: 1.9e6, Near: 1.8e6, Far: 0.1e6}, "miss the key cache, in ascending runs: treeIndex lookups mostly near"},
		{restoresim.Counts{Revisions: 2e6, Keys: 1e6, Hits: 1e5, Misses: 1.9e6, Seq: 1.8e6, Far: 0.1e6}, "over keys created in key order: treeIndex lookups mostly sequential"},
		{restoresim.Counts{Revisions: 2e6, Keys: 1e6, Hits: 1e5, Misses: 1.9e6, Near: 0.9e6, Far: 1e6}, "a mix of near and far"},
	} {
		if got := AccessPattern(&c.a); !strings.Contains(got, c.want) {
			t.Errorf("%+v: %q, want %q in it", c.a, got, c.want)
		}
	}
}

// Hand-computed: 1,000 keys of which 400 created in key order; inserts of
// 2 us, 0.5 us in key order, 3.5's factor 1.5 on both.
func TestInsertSeconds(t *testing.T) {
	cal := calibrate.Default
	cal.BtreeSecondsPerInsertSeq, cal.BtreeInterfaceFactor = 0.5e-6, 1.5
	in := Inputs{Keys: 1000}
	if got := insertSeconds(in, cal, 2e-6, "3.6"); math.Abs(got-2e-3) > 1e-15 {
		t.Errorf("without a replay: %v, want 2 ms", got)
	}
	in.Access = &restoresim.Counts{SeqInserts: 400}
	if got := insertSeconds(in, cal, 2e-6, "3.6"); math.Abs(got-(600*2e-6+400*0.5e-6)) > 1e-15 {
		t.Errorf("3.6: %v", got)
	}
	if got := insertSeconds(in, cal, 3e-6, "3.5"); math.Abs(got-(600*3e-6+400*0.75e-6)) > 1e-15 {
		t.Errorf("3.5: %v", got)
	}
	cal.BtreeSecondsPerInsertSeq = 0
	if got := insertSeconds(in, cal, 2e-6, "3.6"); math.Abs(got-2e-3) > 1e-15 {
		t.Errorf("calibration without the key-order insert: %v, want 2 ms", got)
	}
}

// Hand-computed: 1,000 revisions of which 600 sequential; 0.4 us a
// revision on one goroutine, 1.5 us a sequential one end to end. The
// sequential Gets then cost nothing of their own.
func TestRevisionSeconds(t *testing.T) {
	cal := calibrate.Default
	cal.RestoreSeqSecondsPerRevision = 0
	cal.RestoreSecondsPerRevision = 0.4e-6
	in := Inputs{Revisions: 1000}
	if got := revisionSeconds(in, cal, "3.6"); math.Abs(got-0.4e-3) > 1e-15 {
		t.Errorf("without a replay: %v", got)
	}
	a := restoresim.Counts{Seq: 600}
	a.BySize[restoresim.Seq][10] = 600
	in.Access = &a
	if got := revisionSeconds(in, cal, "3.6"); math.Abs(got-0.4e-3) > 1e-15 {
		t.Errorf("without the end-to-end figure: %v", got)
	}
	withGets := accessLookupSeconds(&a, cal)
	cal.RestoreSeqSecondsPerRevision = 1.5e-6
	if got := revisionSeconds(in, cal, "3.6"); math.Abs(got-(400*0.4e-6+600*1.5e-6)) > 1e-15 {
		t.Errorf("with it: %v", got)
	}
	if !(withGets > 0) || accessLookupSeconds(&a, cal) != 0 {
		t.Errorf("sequential Gets charged %v beside the end-to-end figure (%v without it)", accessLookupSeconds(&a, cal), withGets)
	}
}

// Hand-computed: 1,000 revisions, 600 sequential and 300 key-cache hits;
// 0.4 us a revision on one goroutine, 1.5 us a sequential one and 0.7 us a
// hit end to end: 100 x 0.4 + 600 x 1.5 + 300 x 0.7 us. Without the hit
// figure the hits cost the one-goroutine 0.4 us.
func TestRevisionSecondsHits(t *testing.T) {
	cal := calibrate.Default
	cal.RestoreSecondsPerRevision, cal.RestoreSeqSecondsPerRevision, cal.RestoreHitSecondsPerRevision = 0.4e-6, 1.5e-6, 0
	a := restoresim.Counts{Seq: 600, Hits: 300}
	in := Inputs{Revisions: 1000, Access: &a}
	if got, want := revisionSeconds(in, cal, "3.6"), 400*0.4e-6+600*1.5e-6; math.Abs(got-want) > 1e-15 {
		t.Errorf("without the hit figure: %v, want %v", got, want)
	}
	cal.RestoreHitSecondsPerRevision = 0.7e-6
	if got, want := revisionSeconds(in, cal, "3.6"), 100*0.4e-6+600*1.5e-6+300*0.7e-6; math.Abs(got-want) > 1e-15 {
		t.Errorf("with it: %v, want %v", got, want)
	}
	// A calibration without the sequential figure still charges hits
	// end to end; the sequential revisions take the one-goroutine cost.
	cal.RestoreSeqSecondsPerRevision = 0
	if got, want := revisionSeconds(in, cal, "3.6"), 700*0.4e-6+300*0.7e-6; math.Abs(got-want) > 1e-15 {
		t.Errorf("hits only: %v, want %v", got, want)
	}
	// etcd 3.7 pays its protobuf-go decode (0.25 us measured) on the
	// revisions its reading goroutine bounds, the 300 hits here; 3.5 and
	// 3.6 do not.
	cal.Decode37SecondsPerRevision = 0.25e-6
	if got, want := revisionSeconds(in, cal, "3.7"), 700*0.4e-6+300*(0.7e-6+0.25e-6); math.Abs(got-want) > 1e-15 {
		t.Errorf("3.7: %v, want %v", got, want)
	}
	for _, v := range []string{"3.5", "3.6"} {
		if got, want := revisionSeconds(in, cal, v), 700*0.4e-6+300*0.7e-6; math.Abs(got-want) > 1e-15 {
			t.Errorf("%s: %v, want %v", v, got, want)
		}
	}
}
