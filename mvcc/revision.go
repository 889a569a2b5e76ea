package mvcc

import (
	"encoding/binary"
	"errors"
)

// Revision is an etcd revision: Main counts transactions (one raft entry
// each), Sub numbers the changes inside one transaction.
type Revision struct {
	Main int64 `json:"main"`
	Sub  int64 `json:"sub"`
}

// BucketKey is a decoded key of the "key" bucket.
type BucketKey struct {
	Revision
	// Tombstone is true for an 18-byte key ending in 't' (a delete).
	Tombstone bool
}

const (
	revBytesLen       = 8 + 1 + 8 // main, '_', sub
	markedRevBytesLen = revBytesLen + 1
	markTombstone     = 't'
)

// Errors for revision keys that etcd's BytesToBucketKey would panic on.
var (
	// ErrRevisionKeyLength is returned for a key that is not 17 or 18 bytes.
	ErrRevisionKeyLength = errors.New("revision key is not 17 or 18 bytes long")
	// ErrRevisionKeySeparator is returned when byte 8 is not '_'.
	ErrRevisionKeySeparator = errors.New("revision key has no '_' between main and sub revision")
	// ErrRevisionNegative is returned when main or sub has the top bit set.
	ErrRevisionNegative = errors.New("revision key holds a negative revision")
)

// ParseBucketKey decodes a key of the "key" bucket the way etcd 3.6's
// BytesToBucketKey does, returning an error where etcd would panic.
// Like etcd, an 18-byte key whose last byte is not 't' is a put.
func ParseBucketKey(b []byte) (BucketKey, error) {
	if len(b) != revBytesLen && len(b) != markedRevBytesLen {
		return BucketKey{}, ErrRevisionKeyLength
	}
	if b[8] != '_' {
		return BucketKey{}, ErrRevisionKeySeparator
	}
	main := int64(binary.BigEndian.Uint64(b[0:8]))
	sub := int64(binary.BigEndian.Uint64(b[9:17]))
	if main < 0 || sub < 0 {
		return BucketKey{}, ErrRevisionNegative
	}
	return BucketKey{
		Revision:  Revision{Main: main, Sub: sub},
		Tombstone: len(b) == markedRevBytesLen && b[revBytesLen] == markTombstone,
	}, nil
}

// appendBucketKey appends the 17- or 18-byte encoding of k to dst.
func appendBucketKey(dst []byte, k BucketKey) []byte {
	dst = binary.BigEndian.AppendUint64(dst, uint64(k.Main))
	dst = append(dst, '_')
	dst = binary.BigEndian.AppendUint64(dst, uint64(k.Sub))
	if k.Tombstone {
		dst = append(dst, markTombstone)
	}
	return dst
}
