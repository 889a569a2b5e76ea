package mvcc

// keyState is dbinspect's compact stand-in for one etcd keyIndex: enough
// to answer Get (version, create and mod revision), to price etcd's own
// keyIndex (generation and revision slice capacities), and to rank keys.
// It is 80 bytes plus the interned key; etcd spends at least 64 (keyIndex)
// + 48 (generation) + 16 (revision) + the key + btree slots on the same key.
// Slice capacities are not stored: both of etcd's slices start at cap 1
// and grow one append at a time, so their caps follow from their lengths.
type keyState struct {
	keyChunk   uint32 // the key in keyTable's arena (keyTable.key)
	keyOff     uint32
	keyLen     uint32
	createMain int64  // created.Main of the current generation
	modMain    int64  // main revision of the latest change etcd's index kept
	version    int64  // ver of the current generation
	lease      int64  // lease of the latest put; 0 after a delete
	totalBytes uint64 // Σ bucket key + value bytes over the key's revisions
	revs       uint32 // revisions of this key in the bucket
	gens       uint32 // len(keyIndex.generations)
	curRevs    uint32 // len(revs) of the last generation
	lastBytes  uint32 // bucket key + value bytes of the latest revision
	valueSize  uint32 // value bytes of the latest put
	live       bool   // the last generation is not empty
	lastTomb   bool   // the latest revision in the bucket is a tombstone
	class      uint16 // Kubernetes value class of the latest put (kube.go); fills padding
}

// indexShape accumulates the size of etcd's treeIndex after restore;
// revAlloc holds closed generations only until finishShape adds the rest.
type indexShape struct {
	keys, keyAlloc, gens, genAlloc, revAlloc uint64
}

// appendCap is the cap of a slice grown from cap 1 by single appends to
// length n, as etcd grows generations and revs.
func appendCap(n, elemSize uint64, noscan bool) uint64 {
	if n == 0 {
		return 0
	}
	c := uint64(1)
	for c < n {
		c = growCap(c, c+1, elemSize, noscan)
	}
	return c
}

// finishShape adds the key's open slices to the shape.
func (s *keyState) finishShape(sh *indexShape) {
	sh.genAlloc += appendCap(uint64(s.gens), generationSize, false) * generationSize
	sh.revAlloc += appendCap(uint64(s.curRevs), revisionSize, true) * revisionSize
}

// keyAllocBytes is what gogo's Unmarshal allocates for a key of n bytes
// (a copy made with append to a nil slice); 0 for an empty key.
func keyAllocBytes(n int) uint64 {
	if n == 0 {
		return 0
	}
	return roundUpSize(uint64(n), true)
}

// clamp32 saturates a length to uint32 (bbolt values are < 2 GiB anyway).
func clamp32(n uint64) uint32 {
	if n > 1<<32-1 {
		return 1<<32 - 1
	}
	return uint32(n)
}

// restoreNew mirrors etcd's restoreIntoIndex for a key not yet in the
// index: keyIndex.restore for a put, restoreTombstone for a delete.
// keyAlloc is keyAllocBytes of the key.
func (s *keyState) restoreNew(sh *indexShape, keyAlloc uint64, rev Revision, tomb bool, kv *keyValue) {
	sh.keys++
	sh.keyAlloc += keyAlloc
	s.modMain = rev.Main
	// generations = append(nil, g): cap 1; revs = []Revision{modified}: cap 1.
	s.gens, s.curRevs = 1, 1
	sh.gens++
	if tomb {
		// restoreTombstone: restore(Revision{}, rev, 1) + an empty generation.
		s.createMain, s.version = 0, 1
		s.closeGeneration(sh)
		s.live = false
		return
	}
	s.createMain, s.version = kv.CreateRevision, kv.Version
	s.live = true
}

// put mirrors keyIndex.put: a new generation starts at this revision.
func (s *keyState) put(sh *indexShape, rev Revision) {
	if s.curRevs == 0 {
		s.createMain = rev.Main
		s.version = 0
	}
	s.curRevs++
	s.version++
	s.modMain = rev.Main
	s.live = true
}

// tombstone mirrors keyIndex.tombstone. A delete of a key whose last
// generation is already empty is ErrRevisionNotFound in etcd: logged and
// ignored, so the index does not change.
func (s *keyState) tombstone(sh *indexShape, rev Revision) bool {
	if !s.live {
		return false
	}
	s.put(sh, rev)
	s.closeGeneration(sh)
	s.live = false
	return true
}

// closeGeneration prices the finished generation's revs and appends an
// empty generation. (generation holds a pointer, so the runtime adds a
// malloc header above 512 bytes: its caps go 1, 2, 4, 8, 18, ...)
func (s *keyState) closeGeneration(sh *indexShape) {
	sh.revAlloc += appendCap(uint64(s.curRevs), revisionSize, true) * revisionSize
	s.curRevs = 0
	s.gens++
	sh.gens++
}
