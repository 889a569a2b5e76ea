package mvcc

// restoreIndex replays etcd's restore (kvstore.go restoreChunk and
// restoreIntoIndex) one key-bucket pair at a time into the key table.
// Scan and CompactionKeep share it, so both see the index etcd would
// build, pair for pair.
type restoreIndex struct {
	table *keyTable
	shape indexShape
	kv    keyValue // reused decode target: no per-revision allocation
}

func newRestoreIndex() restoreIndex { return restoreIndex{table: newKeyTable()} }

// entryFault says why a pair was not restored into the index.
type entryFault uint8

const (
	entryRestored entryFault = iota
	// entryBadKey: the revision key does not parse; etcd 3.6 panics on it
	// at startup.
	entryBadKey
	// entryBelowRestore: main revision 0, below the range restore reads
	// (from 1_0) but inside the one compaction deletes from (0_0).
	entryBelowRestore
	// entryBadValue: not an mvccpb.KeyValue; etcd stops at startup.
	entryBadValue
)

// restoredEntry is what apply learned from one pair.
type restoredEntry struct {
	fault      entryFault
	err        error // the parse error, for entryBadKey and entryBadValue
	bk         BucketKey
	idx        int    // the key's index in the table (when restored)
	indexed    bool   // false for a delete of an already deleted key, which etcd ignores
	entryBytes uint32 // bucket key + value bytes
}

// apply restores one pair of the key bucket. On success the key's state
// is updated and ix.kv holds the decoded value until the next call.
func (ix *restoreIndex) apply(k, v []byte) restoredEntry {
	e := restoredEntry{entryBytes: clamp32(uint64(len(k) + len(v)))}
	bk, err := ParseBucketKey(k)
	if err != nil {
		e.fault, e.err = entryBadKey, err
		return e
	}
	e.bk = bk
	if bk.Main < 1 {
		e.fault = entryBelowRestore
		return e
	}
	kv := &ix.kv
	if err := decodeKeyValue(v, kv); err != nil {
		e.fault, e.err = entryBadValue, err
		return e
	}
	rev, tomb := bk.Revision, bk.Tombstone
	idx, found := ix.table.lookup(kv.Key)
	e.indexed = true
	if !found {
		idx = ix.table.insert(kv.Key, idx)
		ix.table.state(idx).restoreNew(&ix.shape, keyAllocBytes(len(kv.Key)), rev, tomb, kv)
	} else if tomb {
		e.indexed = ix.table.state(idx).tombstone(&ix.shape, rev)
	} else {
		ix.table.state(idx).put(&ix.shape, rev)
	}
	e.idx = idx
	s := ix.table.state(idx)
	s.revs++
	s.totalBytes += uint64(e.entryBytes)
	s.lastBytes = e.entryBytes
	s.lastTomb = tomb
	if tomb {
		// restoreChunk drops the key from keyToLease on any tombstone.
		s.lease = 0
		s.valueSize = 0
	} else {
		s.lease = kv.Lease
		s.valueSize = clamp32(uint64(len(kv.Value)))
	}
	return e
}
