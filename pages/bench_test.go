package pages

import (
	"os"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
)

// benchFile is the file a benchmark walks: $DBINSPECT_BIG_DB (a generated
// file of 1 GiB or more), else it skips.
func benchFile(b *testing.B) string {
	path := os.Getenv("DBINSPECT_BIG_DB")
	if path == "" {
		b.Skip("set DBINSPECT_BIG_DB to a large bbolt file")
	}
	return path
}

func benchAnalyze(b *testing.B, path string) {
	f, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	b.SetBytes(f.Size())
	b.ReportAllocs()
	for b.Loop() {
		a, err := Analyze(f, AnalyzeOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if a.Damaged() {
			b.Fatalf("damaged: %v", a.Problems[0])
		}
	}
}

func benchForEach(b *testing.B, path string) {
	f, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	names, err := f.BucketNames()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(f.Size())
	b.ReportAllocs()
	for b.Loop() {
		for _, n := range names {
			if err := f.ForEach(n, func(k, v []byte) error { return nil }); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkAnalyze(b *testing.B) { benchAnalyze(b, benchFile(b)) }
func BenchmarkForEach(b *testing.B) { benchForEach(b, benchFile(b)) }

// The fixture benchmarks run without setup, on the largest fixture.
func largestFixture(b *testing.B) string {
	var best fixtures.Fixture
	for _, fx := range fixtures.All(b) {
		if fx.SizeBytes > best.SizeBytes {
			best = fx
		}
	}
	return fixtures.Path(b, best)
}

func BenchmarkAnalyzeFixture(b *testing.B) { benchAnalyze(b, largestFixture(b)) }
func BenchmarkForEachFixture(b *testing.B) { benchForEach(b, largestFixture(b)) }
