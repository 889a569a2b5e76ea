package pages_test

import (
	"encoding/binary"
	"reflect"
	"testing"

	"github.com/dbinspect/dbinspect/internal/boltkv"
	"github.com/dbinspect/dbinspect/internal/fixtures"
	"github.com/dbinspect/dbinspect/pages"
)

// Ensure that SimulateDefrags, one read feeding several simulations, gives
// each the result SimulateDefrag gives alone, on a generated db and on
// every fixture read through the page reader.
func TestSimulateDefragsMatchesOneByOne(t *testing.T) {
	dropOld := func(b string, k, _ []byte) bool {
		return b != "key" || len(k) < 8 || binary.BigEndian.Uint64(k)%3 != 0
	}
	optsList := []pages.DefragOptions{{}, {Keep: dropOld}, {FillPercent: 0.5, CommitEvery: 777}}
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
			got, err := pages.SimulateDefrags(r, 4096, optsList...)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(optsList) {
				t.Fatalf("%d results for %d options", len(got), len(optsList))
			}
			for i, o := range optsList {
				want, err := pages.SimulateDefrag(r, 4096, o)
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
	if _, err := pages.SimulateDefrags(failingReader{}, 4096, optsList...); err == nil {
		t.Error("a bucket that cannot be read gave no error")
	}
}
