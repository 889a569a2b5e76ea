package pages_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
	"github.com/dbinspect/dbinspect/pages"
)

// ForEachLeaf hands over exactly the pairs ForEach does, in the same
// order, with the same error.
func TestForEachLeafMatchesForEach(t *testing.T) {
	for _, fx := range fixtures.All(t) {
		t.Run(fx.Name, func(t *testing.T) {
			f, err := pages.Open(fixtures.Path(t, fx))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			names, err := f.BucketNames()
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range names {
				var direct [][2]string
				errDirect := f.ForEach(n, func(k, v []byte) error {
					direct = append(direct, [2]string{string(k), string(v)})
					return nil
				})
				for _, src := range []pages.LeafReader{f} {
					var leaves [][2]string
					errLeaf := src.ForEachLeaf(n, func(keys, values [][]byte) error {
						if len(keys) != len(values) || len(keys) == 0 {
							return fmt.Errorf("a leaf of %d keys and %d values", len(keys), len(values))
						}
						for i := range keys {
							leaves = append(leaves, [2]string{string(keys[i]), string(values[i])})
						}
						return nil
					})
					if !reflect.DeepEqual(direct, leaves) || fmt.Sprint(errDirect) != fmt.Sprint(errLeaf) {
						t.Fatalf("bucket %s via %T: %d pairs (%v) by leaf, %d (%v) by pair", n, src, len(leaves), errLeaf, len(direct), errDirect)
					}
				}
			}
		})
	}
}
