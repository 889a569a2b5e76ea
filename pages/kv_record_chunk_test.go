package pages

import (
	"bytes"
	"fmt"
	"testing"
)

// A recording spans chunks (by pair count and by key bytes, and a key
// longer than a chunk) and replays every key and value length in order.
func TestRecordedBucketChunks(t *testing.T) {
	var rb recordedBucket
	type pair struct {
		k    []byte
		vlen int
	}
	var want []pair
	add := func(k []byte, vlen int) {
		rb.add(k, vlen)
		want = append(want, pair{k, vlen})
	}
	for i := range recordChunkPairs + 10 {
		add([]byte(fmt.Sprintf("%016x_%016x", i, i)), i%5000)
	}
	add(bytes.Repeat([]byte("k"), recordChunkKeyBytes+7), 1)
	for i := range 3 {
		add(bytes.Repeat([]byte{byte('a' + i)}, recordChunkKeyBytes/2), i)
	}
	if len(rb.chunks) < 4 {
		t.Fatalf("%d chunks; the test means to cross several", len(rb.chunks))
	}
	p := &kvReplay{names: []string{"b"}, buckets: map[string]*recordedBucket{"b": &rb}}
	i := 0
	err := p.ForEachLen("b", func(k []byte, vlen int) error {
		if i >= len(want) || !bytes.Equal(k, want[i].k) || vlen != want[i].vlen {
			return fmt.Errorf("pair %d differs", i)
		}
		i++
		return nil
	})
	if err != nil || i != len(want) {
		t.Fatalf("replayed %d of %d pairs: %v", i, len(want), err)
	}
}
