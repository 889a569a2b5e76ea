package defrag_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
	"github.com/dbinspect/dbinspect/pages"
	"github.com/dbinspect/dbinspect/pages/defrag"
)

// Ensure that a KVRecorder passes every pair through unchanged and that
// defrag simulations replayed from it equal those that read the file, on
// every fixture and on generated dbs with values from small to many pages.
func TestKVRecorderReplaysDefragSims(t *testing.T) {
	type source struct {
		name string
		path func(t *testing.T) string
	}
	var sources []source
	for _, fx := range fixtures.All(t) {
		sources = append(sources, source{fx.Name, func(t *testing.T) string { return fixtures.Path(t, fx) }})
	}
	sources = append(sources,
		source{"generated small values", func(t *testing.T) string {
			return writeDB(t, withSmall(bucketSpec{"key", 20000, revKey, fixed(100)}))
		}},
		source{"generated large values", func(t *testing.T) string {
			return writeDB(t, withSmall(bucketSpec{"key", 800, revKey, fixed(40000)}))
		}})
	odd := func(b string, k []byte) bool { return b != "key" || len(k) < 8 || k[7]%2 == 1 }
	for _, src := range sources {
		t.Run(src.name, func(t *testing.T) {
			f, err := pages.Open(src.path(t))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			rec := pages.NewKVRecorder(f)
			if _, ok := rec.Replay(); ok {
				t.Fatal("an empty recording claims to cover the file")
			}
			names, err := rec.BucketNames()
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range names {
				var direct, through [][2]string
				if err := f.ForEach(n, func(k, v []byte) error { direct = append(direct, [2]string{string(k), string(v)}); return nil }); err != nil {
					t.Fatal(err)
				}
				if err := rec.ForEach(n, func(k, v []byte) error { through = append(through, [2]string{string(k), string(v)}); return nil }); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(direct, through) {
					t.Fatalf("bucket %s: %d pairs through the recorder, %d read directly, or they differ", n, len(through), len(direct))
				}
			}
			replay, ok := rec.Replay()
			if !ok {
				t.Fatal("every bucket was read, yet the recording does not cover the file")
			}
			opts := []defrag.Options{{}, {KeepKey: odd}, {FillPercent: 0.5, CommitEvery: 777}}
			want, err := defrag.SimulateAll(f, 4096, opts...)
			if err != nil {
				t.Fatal(err)
			}
			got, err := defrag.SimulateAll(replay, 4096, opts...)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("replayed simulations differ from the file's: %+v vs %+v", *got[0], *want[0])
			}
			if err := replay.ForEach(names[0], func(k, v []byte) error { return nil }); err == nil {
				t.Error("the replay claims to have values")
			}
		})
	}
}

type brokenReader struct{ pages.KVReader }

var errBroken = errors.New("page 9: bad flags")

func (brokenReader) BucketNames() ([]string, error) { return []string{"a", "b"}, nil }
func (brokenReader) ForEach(b string, fn func(k, v []byte) error) error {
	if err := fn([]byte(b+"1"), []byte("v")); err != nil {
		return err
	}
	if b == "b" {
		return errBroken
	}
	return nil
}

// Ensure that a bucket read with an error replays that error, that a
// bucket never read or cut short by its caller leaves no replay.
func TestKVRecorderIncomplete(t *testing.T) {
	stop := errors.New("stop")
	cases := []struct {
		name   string
		read   func(r *pages.KVRecorder)
		replay bool
	}{
		{"bucket b never read", func(r *pages.KVRecorder) {
			r.ForEach("a", func(k, v []byte) error { return nil })
		}, false},
		{"caller stopped bucket a", func(r *pages.KVRecorder) {
			r.ForEach("a", func(k, v []byte) error { return stop })
			r.ForEach("b", func(k, v []byte) error { return nil })
		}, false},
		{"read error in b", func(r *pages.KVRecorder) {
			r.ForEach("a", func(k, v []byte) error { return nil })
			r.ForEach("b", func(k, v []byte) error { return nil })
		}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := pages.NewKVRecorder(brokenReader{})
			if _, err := r.BucketNames(); err != nil {
				t.Fatal(err)
			}
			tc.read(r)
			replay, ok := r.Replay()
			if ok != tc.replay {
				t.Fatalf("replay available = %v, want %v", ok, tc.replay)
			}
			if !ok {
				return
			}
			_, err := defrag.SimulateAll(replay, 4096, defrag.Options{})
			if !errors.Is(err, errBroken) {
				t.Errorf("simulation from a replay of a damaged bucket: err = %v, want the read error", err)
			}
		})
	}
}
