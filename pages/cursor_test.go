package pages

import (
	"bytes"
	"errors"
	"hash/crc32"
	"slices"
	"testing"

	"github.com/dbinspect/dbinspect/internal/boltkv"
)

// digest summarises a stream of pairs: count, and a CRC over keys and
// values in order, so no value needs to be kept or printed.
type digest struct {
	n   int
	crc uint32
}

func (d *digest) add(k, v []byte) error {
	d.n++
	d.crc = crc32.Update(d.crc, crc32.IEEETable, k)
	d.crc = crc32.Update(d.crc, crc32.IEEETable, v)
	return nil
}

// sameAsBbolt checks that our KVReader and bbolt's give the same buckets
// and the same pairs in the same order.
func sameAsBbolt(t *testing.T, path string) {
	t.Helper()
	ours, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ours.Close()
	theirs, err := boltkv.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer theirs.Close()
	names, err := ours.BucketNames()
	if err != nil {
		t.Fatal(err)
	}
	want, err := theirs.BucketNames()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names, want) {
		t.Fatalf("bucket names %q, bbolt %q", names, want)
	}
	for _, name := range names {
		var got, exp digest
		if err := ours.ForEach(name, got.add); err != nil {
			t.Errorf("ForEach(%q): %v", name, err)
		}
		if err := theirs.ForEach(name, exp.add); err != nil {
			t.Fatal(err)
		}
		if got != exp {
			t.Errorf("bucket %q: %d pairs crc %08x, bbolt %d pairs crc %08x", name, got.n, got.crc, exp.n, exp.crc)
		}
	}
}

func TestForEachAgreesWithBbolt(t *testing.T) {
	for _, s := range specs {
		t.Run(s.name, func(t *testing.T) { sameAsBbolt(t, s.build(t)) })
	}
}

func TestForEachStopsOnCallbackError(t *testing.T) {
	path := specs[0].build(t)
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	stop := errors.New("enough")
	n := 0
	err = f.ForEach("key", func(k, v []byte) error {
		n++
		if n == 10 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 10 {
		t.Errorf("ForEach returned %v after %d pairs, want the callback's error after 10", err, n)
	}
	if err := f.ForEach("no-such-bucket", func(k, v []byte) error { return nil }); err == nil {
		t.Error("ForEach on a missing bucket returned no error")
	}
}

// TestForEachKeysAscend checks the order contract directly, including
// across pages of a multi-level tree.
func TestForEachKeysAscend(t *testing.T) {
	f, err := Open(specs[0].build(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var prev []byte
	n := 0
	err = f.ForEach("key", func(k, v []byte) error {
		if prev != nil && bytes.Compare(prev, k) >= 0 {
			t.Fatalf("key %d out of order", n)
		}
		prev = append(prev[:0], k...)
		n++
		return nil
	})
	if err != nil || n == 0 {
		t.Fatalf("ForEach: %v after %d pairs", err, n)
	}
}
