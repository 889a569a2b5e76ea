package defrag_test

import (
	"encoding/binary"
	"math/rand"
	"reflect"
	"testing"

	"github.com/dbinspect/dbinspect/internal/boltkv"
	"github.com/dbinspect/dbinspect/internal/fixtures"
	"github.com/dbinspect/dbinspect/pages"
	"github.com/dbinspect/dbinspect/pages/defrag"
)

// Ensure that SimulateDefrags, one read feeding several simulations, gives
// each the result SimulateDefrag gives alone, on a generated db and on
// every fixture read through the page reader.
func TestSimulatesMatchesOneByOne(t *testing.T) {
	dropOld := func(b string, k, _ []byte) bool {
		return b != "key" || len(k) < 8 || binary.BigEndian.Uint64(k)%3 != 0
	}
	optsList := []defrag.Options{{}, {Keep: dropOld}, {FillPercent: 0.5, CommitEvery: 777}}
	type source struct {
		name string
		open func(t *testing.T) pages.KVReader
	}
	sources := []source{{"generated", func(t *testing.T) pages.KVReader {
		r, err := boltkv.Open(writeDB(t, withSmall(bucketSpec{"key", 20000, revKey, fixed(100)})))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		return r
	}}}
	for _, fx := range fixtures.All(t) {
		sources = append(sources, source{fx.Name, func(t *testing.T) pages.KVReader {
			f, err := pages.Open(fixtures.Path(t, fx))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { f.Close() })
			return f
		}})
	}
	for _, src := range sources {
		t.Run(src.name, func(t *testing.T) {
			r := src.open(t)
			got, err := defrag.SimulateAll(r, 4096, optsList...)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(optsList) {
				t.Fatalf("%d results for %d options", len(got), len(optsList))
			}
			for i, o := range optsList {
				want, err := defrag.Simulate(r, 4096, o)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got[i], want) {
					t.Errorf("options %d: together %+v, alone %+v", i, *got[i], *want)
				}
			}
			if got[0].Pairs == got[1].Pairs && got[0].Pairs > 3 {
				t.Errorf("the filter dropped nothing (%d pairs): the test proves little", got[0].Pairs)
			}
		})
	}
	if _, err := defrag.SimulateAll(failingReader{}, 4096, optsList...); err == nil {
		t.Error("a bucket that cannot be read gave no error")
	}
}

// Ensure that the length-only read (a *File with no value filter: leaves
// read only as far as their keys, overflow pages skipped) simulates what a
// full read of the same pairs does, and yields every key with its value
// length as ForEach does, for values from inline to many pages long.
func TestSimulateLengthOnlyMatchesFullRead(t *testing.T) {
	mixed := func(r *rand.Rand, _ int) int {
		if r.Intn(4) == 0 {
			return r.Intn(40000)
		}
		return r.Intn(300)
	}
	cases := []struct {
		name string
		size func(*rand.Rand, int) int
		n    int
	}{
		{"small values", fixed(100), 20000},
		{"values just over a page", fixed(4100), 3000},
		{"values of ten pages", fixed(40000), 800},
		{"mixed sizes", mixed, 4000},
	}
	odd := func(b string, k []byte) bool { return b != "key" || k[7]%2 == 1 }
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeDB(t, withSmall(bucketSpec{"key", tc.n, revKey, tc.size}))
			full, err := boltkv.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer full.Close()
			f, err := pages.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()

			got, err := defrag.SimulateAll(f, 4096, defrag.Options{}, defrag.Options{KeepKey: odd})
			if err != nil {
				t.Fatal(err)
			}
			want, err := defrag.SimulateAll(full, 4096, defrag.Options{}, defrag.Options{Keep: func(b string, k, _ []byte) bool { return odd(b, k) }})
			if err != nil {
				t.Fatal(err)
			}
			for i := range want {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Errorf("simulation %d: length-only %+v, full read %+v", i, *got[i], *want[i])
				}
			}
			if got[1].Pairs >= got[0].Pairs {
				t.Errorf("KeepKey dropped nothing: %d of %d pairs", got[1].Pairs, got[0].Pairs)
			}

			type pair struct {
				k    string
				vlen int
			}
			var a, b []pair
			if err := f.ForEach("key", func(k, v []byte) error { a = append(a, pair{string(k), len(v)}); return nil }); err != nil {
				t.Fatal(err)
			}
			if err := f.ForEachLen("key", func(k []byte, vlen int) error { b = append(b, pair{string(k), vlen}); return nil }); err != nil {
				t.Fatal(err)
			}
			if len(a) != tc.n || !reflect.DeepEqual(a, b) {
				t.Errorf("ForEachLen gave %d pairs, ForEach %d (want %d), or they differ", len(b), len(a), tc.n)
			}
		})
	}
}
