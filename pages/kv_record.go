package pages

import (
	"errors"
	"fmt"
	"sync"
)

// KVRecorder is a KVReader that passes another one's pairs through and
// keeps, per bucket, each pair's key and value length. A later pass that
// needs only those (the defrag simulations) then replays them from memory
// instead of reading the file again. It holds every key plus 8 bytes per
// pair, so it suits files whose keys are a small part of the data, as in
// etcd (17-byte revision keys, values of hundreds of bytes and more).
type KVRecorder struct {
	src KVReader

	mu       sync.Mutex
	names    []string
	namesErr error
	listed   bool
	buckets  map[string]*recordedBucket
}

// recordedBucket is one bucket's pairs from its last completed ForEach,
// in chunks that are never copied as the recording grows.
type recordedBucket struct {
	chunks []recordChunk
	err    error // what the ForEach returned
}

// recordChunk holds keys back to back (a key never straddles two chunks),
// the end of each key in keys and each value's length.
type recordChunk struct {
	keys  []byte
	ends  []uint32
	vlens []uint32
}

// A chunk holds up to recordChunkKeyBytes of keys (more for one longer
// key) and recordChunkPairs pairs. The first chunk grows by appending, so a
// small bucket costs little.
const (
	recordChunkKeyBytes = 1 << 20
	recordChunkPairs    = 1 << 16
)

func (rb *recordedBucket) add(k []byte, vlen int) {
	n := len(rb.chunks)
	if n == 0 || len(rb.chunks[n-1].ends) == recordChunkPairs ||
		(len(rb.chunks[n-1].keys) > 0 && len(rb.chunks[n-1].keys)+len(k) > recordChunkKeyBytes) {
		var c recordChunk
		if n > 0 {
			c = recordChunk{
				keys:  make([]byte, 0, max(recordChunkKeyBytes, len(k))),
				ends:  make([]uint32, 0, recordChunkPairs),
				vlens: make([]uint32, 0, recordChunkPairs),
			}
		}
		rb.chunks = append(rb.chunks, c)
		n++
	}
	c := &rb.chunks[n-1]
	c.keys = append(c.keys, k...)
	c.ends = append(c.ends, uint32(len(c.keys)))
	c.vlens = append(c.vlens, uint32(vlen))
}

// NewKVRecorder records what is read through src.
func NewKVRecorder(src KVReader) *KVRecorder {
	return &KVRecorder{src: src, buckets: map[string]*recordedBucket{}}
}

// BucketNames lists src's buckets and remembers the list.
func (r *KVRecorder) BucketNames() ([]string, error) {
	names, err := r.src.BucketNames()
	r.mu.Lock()
	r.names, r.namesErr, r.listed = append([]string(nil), names...), err, true
	r.mu.Unlock()
	return names, err
}

// ForEach streams src's pairs to fn and records them. A bucket read again
// is recorded afresh. fn's error ends the walk and the recording of the
// bucket, which then cannot be replayed.
func (r *KVRecorder) ForEach(bucket string, fn func(k, v []byte) error) error {
	return r.ForEachLeaf(bucket, func(keys, values [][]byte) error {
		for i, k := range keys {
			if err := fn(k, values[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// ForEachLeaf is ForEach delivering a leaf's pairs together (see
// File.ForEachLeaf), recording them the same way.
func (r *KVRecorder) ForEachLeaf(bucket string, fn func(keys, values [][]byte) error) error {
	rb := &recordedBucket{}
	var fnErr error
	err := forEachLeafOf(r.src, bucket, func(keys, values [][]byte) error {
		for i, k := range keys {
			if rb == nil {
				break
			}
			if uint64(len(k)) > 1<<31 || uint64(len(values[i])) > 1<<32-1 {
				rb = nil // beyond 32-bit lengths: not recorded
				break
			}
			rb.add(k, len(values[i]))
		}
		if err := fn(keys, values); err != nil {
			fnErr = err
			return err
		}
		return nil
	})
	r.store(bucket, rb, fnErr, err)
	return err
}

// store keeps a finished recording of bucket, or forgets the bucket when
// the recording stopped.
func (r *KVRecorder) store(bucket string, rb *recordedBucket, fnErr, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if rb == nil || fnErr != nil {
		delete(r.buckets, bucket)
		return
	}
	rb.err = err
	r.buckets[bucket] = rb
}

// Replay is a reader of what was recorded that yields keys and value
// lengths (defrag.Simulate and defrag.SimulateAll use it without reading a
// value), or false when the recording does not cover every listed bucket.
func (r *KVRecorder) Replay() (KVReader, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.listed {
		return nil, false
	}
	for _, n := range r.names {
		if r.buckets[n] == nil {
			return nil, false
		}
	}
	rp := &kvReplay{names: r.names, namesErr: r.namesErr, buckets: make(map[string]*recordedBucket, len(r.names))}
	for _, n := range r.names {
		rp.buckets[n] = r.buckets[n]
	}
	return rp, true
}

// kvReplay serves a recording. It has keys and value lengths, not values.
type kvReplay struct {
	names    []string
	namesErr error
	buckets  map[string]*recordedBucket
}

func (p *kvReplay) BucketNames() ([]string, error) {
	return append([]string(nil), p.names...), p.namesErr
}

// ForEach fails: values were not recorded. Readers that need only lengths
// use ForEachLen.
func (p *kvReplay) ForEach(bucket string, fn func(k, v []byte) error) error {
	return fmt.Errorf("bucket %q: values were not recorded, only key and value lengths", bucket)
}

func (p *kvReplay) ForEachLen(bucket string, fn func(k []byte, vlen int) error) error {
	rb := p.buckets[bucket]
	if rb == nil {
		return fmt.Errorf("no bucket %q in the recording", bucket)
	}
	for _, c := range rb.chunks {
		start := uint32(0)
		for i, end := range c.ends {
			if err := fn(c.keys[start:end:end], int(c.vlens[i])); err != nil {
				return err
			}
			start = end
		}
	}
	return rb.err
}

// LengthReader is a KVReader that can also yield value lengths alone,
// without reading the values (the defrag simulation needs only lengths).
type LengthReader interface {
	KVReader
	ForEachLen(bucket string, fn func(k []byte, vlen int) error) error
}

var (
	_ LeafReader   = (*File)(nil)
	_ LeafReader   = (*KVRecorder)(nil)
	_ LengthReader = (*File)(nil)
	_ LengthReader = (*kvReplay)(nil)
)

// LeafPageOf asks the recorded reader, when it can locate keys by page
// (a *File can), for the leaf page that holds key.
func (r *KVRecorder) LeafPageOf(bucket string, key []byte) (uint64, error) {
	if l, ok := r.src.(interface {
		LeafPageOf(string, []byte) (uint64, error)
	}); ok {
		return l.LeafPageOf(bucket, key)
	}
	return 0, errors.New("the reader cannot locate keys by page")
}
