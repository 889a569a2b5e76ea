// Package boltkv adapts a bbolt database to pages.KVReader so tests can run
// decoders over bbolt's own reading of a file and compare with ours.
// It is for tests only: the tool never opens its input with bbolt.
package boltkv

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Reader reads root-level buckets through bbolt.
type Reader struct{ DB *bolt.DB }

// Open opens a private copy of a db file read-only through bbolt.
func Open(path string) (*Reader, error) {
	db, err := bolt.Open(path, 0o400, &bolt.Options{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	return &Reader{DB: db}, nil
}

// Close closes the underlying db.
func (r *Reader) Close() error { return r.DB.Close() }

// BucketNames lists the root-level buckets in key order.
func (r *Reader) BucketNames() ([]string, error) {
	var names []string
	err := r.DB.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			names = append(names, string(name))
			return nil
		})
	})
	return names, err
}

// ForEach visits the pairs of a root-level bucket in key order, skipping
// nested buckets.
func (r *Reader) ForEach(bucket string, fn func(k, v []byte) error) error {
	return r.DB.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucket))
		if b == nil {
			return fmt.Errorf("no bucket %q", bucket)
		}
		return b.ForEach(func(k, v []byte) error {
			if v == nil {
				return nil // nested bucket
			}
			return fn(k, v)
		})
	})
}
