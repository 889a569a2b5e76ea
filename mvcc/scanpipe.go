package mvcc

import (
	"errors"
	"hash/crc32"
	"sync/atomic"
)

// The key bucket's read is split over two goroutines when the sorted pass
// runs (issue 16): one reads and parses the pages (pages.File's tree walk,
// pread) and feeds etcdutl's hash, the other decodes each pair and appends
// its record. The reader copies small leaves' pairs into batches, so that
// it can read on while the records are made; a leaf of large values (past
// pipeCopyMax) is lent instead, and the reader waits until it is done
// with, so a db of large values is not copied. The pairs reach the
// scanner in bucket order either way, so every figure is the same as a
// read on one goroutine.

const (
	// pipeBatchBytes is the size of a batch of copied pairs, and
	// pipeBatches how many are in flight: together the whole memory of
	// the split (about 1 MiB).
	pipeBatchBytes = 256 << 10
	pipeBatches    = 4
	// pipeCopyMax is the largest leaf (keys and values) that is copied
	// into a batch rather than lent.
	pipeCopyMax = 16 << 10
)

// pipeBatch is a run of pairs handed from the reader to the scanner.
type pipeBatch struct {
	data         []byte
	keys, values [][]byte
	// preps[i] is pair i parsed and decoded by the reader (pairPrep).
	preps []pairPrep
	// lent says the pairs alias the reader's page buffer: the reader waits
	// for the batch to come back before it reads on.
	lent bool
}

// mappedReader is a leafReader that may hand out bytes that stay valid
// after the call (pages.File reading through its mapping): the reader then
// batches the pairs in place instead of copying them, and the goroutine
// that uses them guards itself against the file shrinking under it.
type mappedReader interface {
	Mapped() bool
	Guard() func(*error)
	Trail() (touch func([]byte), release func())
}

// pairPrep is a key-bucket pair as the reader parsed and decoded it for
// sortedApply (the same calls, on the other goroutine): the bucket key and
// its error; when it parsed with a main revision of 1 or more, the decoded
// KeyValue (aliasing the pair's value as handed to fn) and its error; and
// class, 1 + the Kubernetes value class of a put of a /registry/ key when
// the reader classified it, else 0.
type pairPrep struct {
	bk    BucketKey
	bkErr error
	kv    keyValue
	kvErr error
	class uint32
}

// pipedLeaves reads bucket through lr on a goroutine of its own, feeding
// each pair to crc (in order, on the reader's goroutine), and calls fn
// with every pair in bucket order on the caller's goroutine, with the pair
// parsed and decoded (prepPair). It returns ForEachLeaf's error once every
// pair was handed to fn. classify, when not nil, is called on the reader's
// goroutine, in bucket order, with the value of each put of a /registry/
// key as the scanner would (kubeClasses.id). The reader's goroutine has
// time to spare while the scanner's per-revision work sets the pace: the
// value classes and the decoding (each a large share of the scanner's
// time) are done there. When lr reads through a mapping (mappedReader), no
// pair is copied: the batches hold the mapping's slices.
func pipedLeaves(lr leafReader, bucket string, crc *uint32, classify func(v []byte) uint16, fn func(k, v []byte, pp *pairPrep)) (err error) {
	mr, _ := lr.(mappedReader)
	inPlace := mr != nil && mr.Mapped()
	full := make(chan *pipeBatch, pipeBatches)
	free := make(chan *pipeBatch, pipeBatches)
	for range pipeBatches {
		free <- &pipeBatch{data: make([]byte, 0, pipeBatchBytes)}
	}
	lent := &pipeBatch{lent: true}
	back := make(chan struct{})
	var (
		readErr error
		stop    atomic.Bool // the caller's side failed: read no further
	)
	errStopped := errors.New("stopped")
	go func() {
		defer close(full)
		cur := <-free
		size := 0 // bytes of the pairs in cur, in place
		send := func() {
			if len(cur.keys) > 0 {
				full <- cur
				cur = <-free
				size = 0
			}
		}
		readErr = lr.ForEachLeaf(bucket, func(keys, values [][]byte) error {
			if stop.Load() {
				return errStopped
			}
			leaf := 0
			for i, k := range keys {
				*crc = crc32.Update(*crc, castagnoli, k)
				*crc = crc32.Update(*crc, castagnoli, values[i])
				leaf += len(k) + len(values[i])
			}
			if inPlace {
				if size+leaf > pipeBatchBytes && size > 0 {
					send()
				}
				for i, k := range keys {
					cur.keys = append(cur.keys, k)
					cur.values = append(cur.values, values[i])
					cur.preps = prepPair(cur.preps, classify, k, values[i])
				}
				size += leaf
				return nil
			}
			if leaf > pipeCopyMax {
				send()
				lent.keys, lent.values = keys, values
				lent.preps = lent.preps[:0]
				for i, k := range keys {
					lent.preps = prepPair(lent.preps, classify, k, values[i])
				}
				full <- lent
				<-back
				return nil
			}
			if len(cur.data)+leaf > cap(cur.data) {
				send()
			}
			for i, k := range keys {
				at := len(cur.data)
				cur.data = append(cur.data, k...)
				cur.keys = append(cur.keys, cur.data[at:len(cur.data):len(cur.data)])
				at = len(cur.data)
				cur.data = append(cur.data, values[i]...)
				cur.values = append(cur.values, cur.data[at:len(cur.data):len(cur.data)])
				// Decoded from the copy: the decoded slices alias it.
				cur.preps = prepPair(cur.preps, classify, cur.keys[len(cur.keys)-1], cur.values[len(cur.values)-1])
			}
			return nil
		})
		send()
	}()
	recycle := func(b *pipeBatch) {
		clear(b.preps) // keep no page bytes alive
		b.preps = b.preps[:0]
		if b.lent {
			b.keys, b.values = nil, nil
			back <- struct{}{}
			return
		}
		clear(b.keys)
		clear(b.values)
		b.data, b.keys, b.values = b.data[:0], b.keys[:0], b.values[:0]
		free <- b
	}
	var inHand *pipeBatch
	touch, release := func([]byte) {}, func() {}
	if inPlace {
		// The reader drops the pages it leaves; this goroutine maps
		// again those it uses after that, and drops them in turn.
		touch, release = mr.Trail()
	}
	defer release()
	consume := func() (err error) {
		if mr != nil {
			// The pairs are the file's own bytes (in place or lent).
			defer mr.Guard()(&err)
		}
		for b := range full {
			inHand = b
			for i, k := range b.keys {
				touch(b.values[i])
				fn(k, b.values[i], &b.preps[i])
			}
			inHand = nil
			recycle(b)
		}
		return nil
	}
	if err := consume(); err != nil {
		// The file shrank under the pairs: let the reader finish, and
		// say so whatever it says.
		stop.Store(true)
		if inHand != nil {
			recycle(inHand)
		}
		for b := range full {
			recycle(b)
		}
		return err
	}
	return readErr
}

// prepPair appends pair (k, v) parsed and decoded as sortedApply would,
// and classified (classify not nil) when sortedApply would classify it: a
// well-formed put at revision 1 or later of a /registry/ key.
func prepPair(preps []pairPrep, classify func(v []byte) uint16, k, v []byte) []pairPrep {
	preps = append(preps, pairPrep{})
	pp := &preps[len(preps)-1]
	pp.bk, pp.bkErr = ParseBucketKey(k)
	if pp.bkErr != nil || pp.bk.Main < 1 {
		return preps
	}
	pp.kvErr = decodeKeyValue(v, &pp.kv)
	if classify != nil && pp.kvErr == nil && !pp.bk.Tombstone && hasRegistryRoot(pp.kv.Key) {
		pp.class = uint32(classify(pp.kv.Value)) + 1
	}
	return preps
}

// nameBatch is a run of names handed from pipedNames' reader.
type nameBatch struct {
	data []byte
	ends []uint32
}

// pipedNames reads bucket "key" through lr on a goroutine of its own,
// calling visit with every pair in bucket order there, and calls add, on
// the caller's goroutine, with each name visit emits, in order. It returns
// ForEachLeaf's error (visit's, which stops the read).
func pipedNames(lr leafReader, visit func(k, v []byte, emit func([]byte)) error, add func([]byte)) error {
	full := make(chan *nameBatch, pipeBatches)
	free := make(chan *nameBatch, pipeBatches)
	for range pipeBatches {
		free <- &nameBatch{data: make([]byte, 0, pipeBatchBytes)}
	}
	var err error
	go func() {
		defer close(full)
		cur := <-free
		emit := func(name []byte) {
			if len(cur.data)+len(name) > cap(cur.data) && len(cur.ends) > 0 {
				full <- cur
				cur = <-free
			}
			cur.data = append(cur.data, name...)
			cur.ends = append(cur.ends, uint32(len(cur.data)))
		}
		err = lr.ForEachLeaf("key", func(keys, values [][]byte) error {
			for i, k := range keys {
				if err := visit(k, values[i], emit); err != nil {
					return err
				}
			}
			return nil
		})
		if len(cur.ends) > 0 {
			full <- cur
		}
	}()
	for b := range full {
		start := uint32(0)
		for _, end := range b.ends {
			add(b.data[start:end])
			start = end
		}
		b.data, b.ends = b.data[:0], b.ends[:0]
		free <- b
	}
	return err
}
