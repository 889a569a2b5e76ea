package pages

// KVReader walks the root-level buckets of a bbolt file in key order.
// *File implements it by reading pages itself (one buffer per tree level,
// no lock, no mmap); tests may implement it over bbolt itself
// (internal/boltkv) and compare.
type KVReader interface {
	// BucketNames lists the root-level buckets in key order.
	BucketNames() ([]string, error)
	// ForEach calls fn for every key/value pair of the named root-level
	// bucket, in key order. k and v are only valid during the call: fn must
	// copy what it keeps. Nested buckets inside it are skipped. If fn returns
	// an error the walk stops and ForEach returns it. Damaged subtrees are
	// skipped and reported in the returned error (which wraps ErrCorrupt)
	// after every readable pair was visited.
	ForEach(bucket string, fn func(k, v []byte) error) error
}
