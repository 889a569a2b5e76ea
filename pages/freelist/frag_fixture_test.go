package freelist

import (
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
	bolt "go.etcd.io/bbolt"
)

// fragInputFromBbolt builds the analysis input from bbolt itself, as an
// oracle independent of this package's page reader: free pages are the
// ones bbolt's freelist holds after rebuilding it at open; run sizes come
// from the headers of the pages bbolt reports in use.
func fragInputFromBbolt(t testing.TB, path string) Input {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{NoFreelistSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	in := Input{PageSize: db.Info().PageSize, RunSizes: map[uint64]int64{}}
	err = db.View(func(tx *bolt.Tx) error {
		in.HighWater = uint64(tx.Size()) / uint64(in.PageSize)
		var free []uint64
		for id := uint64(2); id < in.HighWater; {
			p, err := tx.Page(int(id))
			if err != nil {
				return err
			}
			switch p.Type {
			case "free":
				free = append(free, id)
				id++
				continue
			case "leaf", "branch":
				run := uint64(p.OverflowCount) + 1
				in.RunSizes[run]++
				in.ReachablePages += int64(run)
				in.Elements += int64(p.Count)
			}
			id += uint64(p.OverflowCount) + 1
		}
		in.Free = spansFromIDs(free)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// On the fragmented fixtures written by etcd 3.5 and 3.6: what fits before
// growth must be what real bbolt serves under both freelists, the two
// allocators must show different numbers, and a seed must give the same
// numbers.
func TestFragmentedFixture(t *testing.T) {
	if testing.Short() {
		t.Skip("writes several copies of a 28 MB fixture")
	}
	for _, name := range []string{"fragmented-v3.6", "fragmented-v3.5"} {
		t.Run(name, func(t *testing.T) { testFragmentedFixture(t, fixtures.Get(t, name)) })
	}
}

func testFragmentedFixture(t *testing.T, fx fixtures.Fixture) {
	in := fragInputFromBbolt(t, fixtures.Copy(t, fx))
	if in.PageSize != oraclePageSize {
		t.Skipf("fixture page size %d; the bbolt fill below assumes %d", in.PageSize, oraclePageSize)
	}
	opts := Options{Seeds: []int64{1, 2, 3}}
	fr := Analyze(in, opts)
	if fr.Spans < 10 {
		t.Fatalf("fragmented fixture has only %d free spans: %v", fr.Spans, in.Free)
	}
	for _, n := range []uint64{1, 2, 3} {
		fits := runFits(normalize(in.Free, 2, in.HighWater), fr.FreePages, []runNeed{{n, 1}})[0].Fits
		for _, typ := range []bolt.FreelistType{bolt.FreelistArrayType, bolt.FreelistMapType} {
			got, _ := fillOnce(t, fixtures.Copy(t, fx), typ, n, int(fits)+3)
			if uint64(got) != fits {
				t.Errorf("%s, runs of %d: bbolt served %d from free space, model says %d fit", typ, n, got, fits)
			}
		}
	}
	again := Analyze(in, opts)
	for i := range fr.Hashmap.Replays {
		if fr.Hashmap.Replays[i] != again.Hashmap.Replays[i] {
			t.Errorf("seed %d replay differs between runs", fr.Hashmap.Replays[i].Seed)
		}
	}
	if fr.Array.Replay != again.Array.Replay {
		t.Error("array replay differs between runs")
	}
	a, h := fr.Array, fr.Hashmap
	if a.MemoryBytes <= h.MemoryBytes-goMapBytes(fr.FreePages, 8) {
		t.Errorf("array freelist memory %d not above the hashmap's span maps", a.MemoryBytes)
	}
	if a.Replay.EndSpans == h.EndSpansMin && a.Replay.EndSpans == h.EndSpansMax && a.Replay.GrowthPages == h.GrowthPagesMin && a.Replay.GrowthPages == h.GrowthPagesMax {
		t.Error("array and hashmap replays end identical on the fragmented fixture")
	}
	t.Logf("%d free pages in %d spans (largest %d), index %.3f", fr.FreePages, fr.Spans, fr.LargestSpanPages, fr.Index)
	for _, row := range fr.Table() {
		t.Logf("%-40s %-28s %s", row[0], row[1], row[2])
	}
	t.Log(fr.Summary())
}

// Benchmarks run both models on the largest fixture's free space.
func benchFixtureInput(b *testing.B) Input {
	b.Helper()
	var largest fixtures.Fixture
	for _, f := range fixtures.All(b) {
		if f.SizeBytes > largest.SizeBytes {
			largest = f
		}
	}
	in := fragInputFromBbolt(b, fixtures.Copy(b, largest))
	b.Logf("%s: %d free pages in %d spans", largest.Name, spanPages(in.Free), len(in.Free))
	return in
}

func BenchmarkAnalyzeFragmentationLargestFixture(b *testing.B) {
	in := benchFixtureInput(b)
	b.ReportAllocs()
	for b.Loop() {
		Analyze(in, Options{Seeds: []int64{1}})
	}
}

func BenchmarkArrayReplayLargestFixture(b *testing.B) {
	in := benchFixtureInput(b)
	free := normalize(in.Free, 2, in.HighWater)
	needs := runNeeds(in.RunSizes)
	wb := replayWriteBytes(Options{}, spanPages(free), in.PageSize)
	b.ReportAllocs()
	for b.Loop() {
		replayWrites(newArray(free), in.HighWater, in.PageSize, wb, needs)
	}
}

func BenchmarkHashmapReplayLargestFixture(b *testing.B) {
	in := benchFixtureInput(b)
	free := normalize(in.Free, 2, in.HighWater)
	needs := runNeeds(in.RunSizes)
	wb := replayWriteBytes(Options{}, spanPages(free), in.PageSize)
	b.ReportAllocs()
	for b.Loop() {
		replayWrites(newHashmap(free, 1), in.HighWater, in.PageSize, wb, needs)
	}
}
