package pages

// LengthReader is a KVReader that can also yield value lengths alone,
// without reading the values (the defrag simulation needs only lengths).
type LengthReader interface {
	KVReader
	ForEachLen(bucket string, fn func(k []byte, vlen int) error) error
}

var (
	_ LeafReader   = (*File)(nil)
	_ LengthReader = (*File)(nil)
)
