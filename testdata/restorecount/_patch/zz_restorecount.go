// This file is added to go.etcd.io/etcd/server/v3/storage/mvcc (v3.6.16)
// by run.sh's -overlay: it is not part of this module's packages. It is a
// copy of kvstore.go's restore read loop and restoreIntoIndex, unchanged
// but for the counters (marked "count:"), run on the real treeIndex.

package mvcc

import (
	"fmt"
	"math"

	"go.uber.org/zap"

	"go.etcd.io/etcd/client/pkg/v3/verify"
	"go.etcd.io/etcd/server/v3/lease"
	"go.etcd.io/etcd/server/v3/storage/backend"
	"go.etcd.io/etcd/server/v3/storage/schema"
)

// RestoreCounts is what CountRestore counted inside restoreIntoIndex.
type RestoreCounts struct {
	Revisions      uint64 // revisions sent to restoreIntoIndex
	Hits           uint64 // found in kiCache
	Misses         uint64 // not in kiCache: idx.KeyIndex (a Get) follows
	GetsFound      uint64 // Gets that found the key in the treeIndex
	Inserts        uint64 // idx.Insert calls
	EvictionRounds uint64 // misses on a full kiCache
	Evicted        uint64 // entries deleted from kiCache
	Keys           int    // keys in the treeIndex at the end
}

// CountRestore restores b's key bucket into a fresh treeIndex the way
// store.restore does and returns the counts.
func CountRestore(lg *zap.Logger, b backend.Backend) RestoreCounts {
	var c RestoreCounts
	idx := newTreeIndex(lg)
	min, max := NewRevBytes(), NewRevBytes()
	min = RevToBytes(Revision{Main: 1}, min)
	max = RevToBytes(Revision{Main: math.MaxInt64, Sub: math.MaxInt64}, max)
	keyToLease := make(map[string]lease.LeaseID)
	tx := b.ReadTx()
	tx.RLock()
	rkvc, revc := countingRestoreIntoIndex(lg, idx, &c)
	for {
		keys, vals := tx.UnsafeRange(schema.Key, min, max, int64(restoreChunkKeys))
		if len(keys) == 0 {
			break
		}
		restoreChunk(lg, rkvc, keys, vals, keyToLease)
		if len(keys) < restoreChunkKeys {
			break
		}
		newMin := BytesToRev(keys[len(keys)-1][:revBytesLen])
		newMin.Sub++
		min = RevToBytes(newMin, min)
	}
	close(rkvc)
	<-revc
	tx.RUnlock()
	c.Keys = idx.(*treeIndex).tree.Len()
	return c
}

// lookup counts one kiCache lookup.
func (c *RestoreCounts) lookup(hit bool) {
	c.Revisions++
	if hit {
		c.Hits++
	} else {
		c.Misses++
	}
}

// countingRestoreIntoIndex is restoreIntoIndex with the lines marked
// "count:" added (checked by TestPatchIsFaithful).
func countingRestoreIntoIndex(lg *zap.Logger, idx index, c *RestoreCounts) (chan<- revKeyValue, <-chan int64) {
	rkvc, revc := make(chan revKeyValue, restoreChunkKeys), make(chan int64, 1)
	go func() {
		currentRev := int64(1)
		defer func() { revc <- currentRev }()
		// restore the tree index from streaming the unordered index.
		kiCache := make(map[string]*keyIndex, restoreChunkKeys)
		for rkv := range rkvc {
			ki, ok := kiCache[rkv.kstr]
			c.lookup(ok) // count:
			// purge kiCache if many keys but still missing in the cache
			if !ok && len(kiCache) >= restoreChunkKeys {
				c.EvictionRounds++ // count:
				i := 10
				for k := range kiCache {
					delete(kiCache, k)
					c.Evicted++ // count:
					if i--; i == 0 {
						break
					}
				}
			}
			// cache miss, fetch from tree index if there
			if !ok {
				ki = &keyIndex{key: rkv.kv.Key}
				if idxKey := idx.KeyIndex(ki); idxKey != nil {
					kiCache[rkv.kstr], ki = idxKey, idxKey
					ok = true
					c.GetsFound++ // count:
				}
			}

			rev := BytesToRev(rkv.key)
			verify.Verify(func() {
				if rev.Main < currentRev {
					panic(fmt.Errorf("revision %d shouldn't be less than the previous revision %d", rev.Main, currentRev))
				}
			})
			currentRev = rev.Main

			if ok {
				if isTombstone(rkv.key) {
					if err := ki.tombstone(lg, rev.Main, rev.Sub); err != nil {
						lg.Warn("tombstone encountered error", zap.Error(err))
					}
					continue
				}
				ki.put(lg, rev.Main, rev.Sub)
			} else {
				if isTombstone(rkv.key) {
					ki.restoreTombstone(lg, rev.Main, rev.Sub)
				} else {
					ki.restore(lg, Revision{Main: rkv.kv.CreateRevision}, rev, rkv.kv.Version)
				}
				idx.Insert(ki)
				c.Inserts++ // count:
				kiCache[rkv.kstr] = ki
			}
		}
	}()
	return rkvc, revc
}
