package mvcc

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
)

// KVReader has the method set of pages.KVReader (which *pages.File and
// internal/boltkv implement); it is restated here so this package builds
// on its own. Any pages.KVReader is a KVReader.
type KVReader interface {
	BucketNames() ([]string, error)
	ForEach(bucket string, fn func(k, v []byte) error) error
}

// leafReader is a KVReader that can also hand over the pairs of one leaf
// page together (pages.File can): the key bucket's
// scan then warms the key table for a leaf's keys at once (keyTable.warm).
type leafReader interface {
	ForEachLeaf(bucket string, fn func(keys, values [][]byte) error) error
}

// ErrNotEtcd is returned when the file has no "key" bucket.
var ErrNotEtcd = errors.New(`no "key" bucket: this is not an etcd v3 data file (member/snap/db or a snapshot)`)

const maxMalformedListed = 20

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// scanner holds the state of one Scan.
type scanner struct {
	restoreIndex
	opts   Options
	meta   Meta
	other  otherBuckets
	raft   *raftTail
	whatIf *compactSim
	rerun  *compactSim
	kube   *kubeClasses // nil unless Options.K8s with "/" separators
	// sorted is the sorted key pass (sortpass.go); nil when the key table
	// restores the index. sout is its result.
	sorted *sortPass
	sout   *sortedOut
	// order records the restore order (restoreorder.go); nil unless
	// Options.RestoreOrder.
	order *orderRecorder

	crc uint32
	// prep, while pipedLeaves reads the key bucket, is the pair being
	// scanned as its reader parsed, decoded and classified it (the reader
	// owns kube then).
	prep *pairPrep

	entries        uint64 // key-bucket pairs seen, the position of the next one
	lastStoredMain int64
	restoredMain   int64 // etcd's currentRev before the compaction raise
	revisions      uint64
	tombstones     uint64
	ignoredTombs   uint64
	keyBytes       uint64
	valueBytes     uint64
	largestValue   uint64
	unmarkedLong   uint64
	malformed      MalformedEntries
	buckets        []BucketStat
	unknown        []string
	readErrors     []string
	totalPairs     uint64
	unrestorable   []Revision // at or below the what-if, when recording
}

// Scan reads every root bucket of an etcd db through src, rebuilding the
// revision index the way etcd's restore does, and returns the summary.
// Bad entries are counted and the scan goes on; read errors from src are
// listed in Summary.ReadErrors. It fails only when the bucket list cannot
// be read or the file has no key bucket.
func Scan(src KVReader, opts Options) (*Summary, error) {
	sum, _, err := scanRecording(src, opts, false, nil)
	return sum, err
}

// scanWithCompactionKeep is Scan that also returns CompactionKeep(src,
// opts.CompactAt), built from the same single read of the key bucket
// instead of a second one. keep is nil when part of etcd's buckets could
// not be read (Summary.ReadErrors): a partial filter would keep too little.
func scanWithCompactionKeep(src KVReader, opts Options) (sum *Summary, keep *CompactionFilter, err error) {
	sum, err = ScanFiltered(src, opts, func(f *CompactionFilter) { keep = f })
	if err != nil {
		return sum, nil, err
	}
	return sum, keep, nil
}

// ScanFiltered is scanWithCompactionKeep that hands the filter to ready
// as soon as etcd's buckets have been read, before the per-key summary
// (top keys, prefixes, leases) is built, so work that needs only the
// filter can run beside the rest of the scan. ready is called once, from
// the scan's goroutine, and not at all when the filter would be nil.
func ScanFiltered(src KVReader, opts Options, ready func(*CompactionFilter)) (*Summary, error) {
	return ScanStaged(src, opts, ScanHooks{Filter: ready})
}

// ScanHooks hand parts of a scan's results over as soon as they are
// known, from the scan's goroutine, so that work that needs only them can
// run beside the rest of the scan.
type ScanHooks struct {
	// Filter is ScanFiltered's ready.
	Filter func(*CompactionFilter)
	// OrderKeys, with Options.RestoreOrder, may be called once with what
	// will be RestoreOrder.Keys, and the number of keys (of Ranks), before
	// the names are read again to rank the keys. keys must not be
	// written. It is a head start only: the Summary's RestoreOrder.Keys
	// is this very slice (same first element and length) only when the
	// order was not built again another way (the key table redoing the
	// scan); a caller checks that before it uses its work.
	OrderKeys func(keys []uint32, nKeys int)
}

// ScanStaged is ScanFiltered with hooks.
func ScanStaged(src KVReader, opts Options, hooks ScanHooks) (*Summary, error) {
	ready := hooks.Filter
	if ready == nil {
		ready = func(*CompactionFilter) {}
	}
	sum, _, err := scanStaged(src, opts, true, hooks.OrderKeys, func(sc *scanner) {
		switch {
		case len(sc.readErrors) > 0:
		case sc.sout != nil:
			ready(sc.sout.keep)
		default:
			ready(keepFilter(sc.whatIf, sc.unrestorable))
		}
	})
	return sum, err
}

// scan is Scan with the key table, whose scanner can answer lookupKey
// (tests).
func scan(src KVReader, opts Options) (*Summary, *scanner, error) {
	return scanMode(src, opts, false, nil, false, nil)
}

// scanRecording is scan; with record it also keeps what CompactionKeep
// needs: the revision the what-if keeps per key and the unrestorable ones.
// read, if not nil, is called once the buckets are read and the what-if
// is resolved.
//
// It takes the sorted key pass unless Options.LiveKeySet asks for key
// hashes of its own; when the sorted pass cannot hold the db exactly, the
// key table scans it again.
func scanRecording(src KVReader, opts Options, record bool, read func(*scanner)) (*Summary, *scanner, error) {
	return scanMode(src, opts, record, read, !opts.LiveKeySet, nil)
}

// scanStaged is scanRecording with ScanHooks.OrderKeys.
func scanStaged(src KVReader, opts Options, record bool, orderKeys func([]uint32, int), read func(*scanner)) (*Summary, *scanner, error) {
	return scanMode(src, opts, record, read, !opts.LiveKeySet, orderKeys)
}

// scanMode is scanRecording with the sorted pass or, sorted false, the
// key table; orderKeys is ScanHooks.OrderKeys.
func scanMode(src KVReader, opts Options, record bool, read func(*scanner), sorted bool, orderKeys func([]uint32, int)) (*Summary, *scanner, error) {
	opts = opts.withDefaults()
	names, err := src.BucketNames()
	if err != nil {
		return nil, nil, fmt.Errorf("list buckets: %w", err)
	}
	var hasKey, hasMeta bool
	for _, n := range names {
		hasKey = hasKey || n == "key"
		hasMeta = hasMeta || n == "meta"
	}
	if !hasKey {
		return nil, nil, ErrNotEtcd
	}
	sc := &scanner{restoreIndex: newRestoreIndex(), opts: opts, raft: newRaftTail(), buckets: make([]BucketStat, 0, len(names))}
	if opts.K8s && opts.PrefixSeparator == "/" {
		sc.kube = newKubeClasses()
	}
	switch {
	case sorted:
		sc.sorted = newSortPass()
		if opts.RestoreOrder {
			sc.sorted.order = &orderTags{keysReady: orderKeys}
		}
	case opts.RestoreOrder:
		sc.order = newOrderRecorder()
	}
	if hasMeta {
		// meta sorts after key but its compaction revisions are needed
		// while the key bucket streams, so it is read first.
		if err := src.ForEach("meta", func(k, v []byte) error { sc.meta.add(k, v); return nil }); err != nil {
			sc.readErrors = append(sc.readErrors, fmt.Sprintf("bucket meta: %v", err))
		}
	}
	sc.meta.finish()
	sc.whatIf = newCompactSim(opts.CompactAt)
	sc.whatIf.record = record
	if sc.meta.UnfinishedCompaction {
		sc.rerun = newCompactSim(sc.meta.ScheduledCompactRevision)
	}
	for _, name := range names {
		sc.scanBucket(src, name)
	}
	if sc.sorted != nil {
		handed := sc.sortedPrepare(src, read)
		if handed {
			read = nil // once only
		}
		if sc.sorted.abort != "" {
			return scanMode(src, opts, record, read, false, nil)
		}
	}
	sc.locateMalformed(src)
	return sc.finish(read), sc, nil
}

// maxLocatedKey bounds the key bytes kept per listed malformed entry.
const maxLocatedKey = 256

// locateMalformed names the leaf page of each listed malformed entry when
// the reader can (pages.File can), so a support engineer can
// look at it with `bbolt page`.
func (sc *scanner) locateMalformed(src KVReader) {
	l, ok := src.(interface {
		LeafPageOf(bucket string, key []byte) (uint64, error)
	})
	if !ok {
		return
	}
	for i := range sc.malformed.First {
		e := &sc.malformed.First[i]
		if page, err := l.LeafPageOf("key", e.key); err == nil {
			e.Page = page
		}
		e.key = nil
	}
}

// scanBucket visits one bucket in key order, feeding etcdutl's hash (bucket
// name, then every key and value) and the bucket's decoder.
func (sc *scanner) scanBucket(src KVReader, name string) {
	sc.crc = crc32.Update(sc.crc, castagnoli, []byte(name))
	bs := BucketStat{Name: name, Known: knownBuckets[name]}
	if !bs.Known {
		sc.unknown = append(sc.unknown, quoteName([]byte(name)))
	}
	count := func(k, v []byte) {
		bs.Keys++
		bs.KeyBytes += uint64(len(k))
		bs.ValueBytes += uint64(len(v))
		switch name {
		case "key":
			sc.keyEntry(k, v)
		case "meta":
		default:
			sc.other.add(name, k, v)
		}
	}
	pair := func(k, v []byte) {
		sc.crc = crc32.Update(sc.crc, castagnoli, k)
		sc.crc = crc32.Update(sc.crc, castagnoli, v)
		count(k, v)
	}
	var err error
	lr, leaves := src.(leafReader)
	switch {
	case leaves && name == "key" && sc.sorted != nil:
		// Read on one goroutine, decoded on this one (scanpipe.go).
		var classify func([]byte) uint16
		if sc.kube != nil {
			classify = sc.kube.id
		}
		err = pipedLeaves(lr, name, &sc.crc, classify, func(k, v []byte, pp *pairPrep) {
			sc.prep = pp
			count(k, v)
		})
		sc.prep = nil
	case leaves && name == "key":
		err = lr.ForEachLeaf(name, func(keys, values [][]byte) error {
			sc.table.warm(values)
			for i, k := range keys {
				pair(k, values[i])
			}
			return nil
		})
	default:
		err = src.ForEach(name, func(k, v []byte) error { pair(k, v); return nil })
	}
	if err != nil {
		sc.readErrors = append(sc.readErrors, fmt.Sprintf("bucket %s: %v", quoteName([]byte(name)), err))
	}
	sc.totalPairs += bs.Keys
	sc.buckets = append(sc.buckets, bs)
}

// keyEntry is the hot path: one revision of the key bucket.
func (sc *scanner) keyEntry(k, v []byte) {
	pos := sc.entries
	sc.entries++
	var e restoredEntry
	if sc.sorted != nil {
		e = sc.sortedApply(k, v)
		if e.fault != entryRestored && sc.sorted.order != nil {
			sc.sorted.order.bad = append(sc.sorted.order.bad, pos)
		}
	} else {
		e = sc.apply(k, v)
	}
	switch e.fault {
	case entryBadKey:
		sc.bad(pos, k, e.err.Error()+" (etcd 3.6 panics on it at startup)")
		return
	case entryBelowRestore:
		sc.lastStoredMain = e.bk.Main
		sc.bad(pos, k, "revision 0 is below the range etcd restores from (1_0)")
		// Compaction ranges from 0_0, and no kept revision is 0: it goes.
		sc.whatIf.observeUnindexed(e.bk.Main, e.entryBytes)
		if sc.rerun != nil {
			sc.rerun.observeUnindexed(e.bk.Main, e.entryBytes)
		}
		return
	case entryBadValue:
		sc.lastStoredMain = e.bk.Main
		if sc.whatIf.record && e.bk.Main <= sc.whatIf.at {
			sc.unrestorable = append(sc.unrestorable, e.bk.Revision)
		}
		sc.bad(pos, k, "value is not an mvccpb.KeyValue (etcd would stop at startup): "+e.err.Error())
		return
	}
	sc.lastStoredMain = e.bk.Main
	if sc.order != nil {
		sc.order.add(sc.kv.Key)
	}
	if len(k) == markedRevBytesLen && !e.bk.Tombstone {
		sc.unmarkedLong++
	}
	if !e.indexed {
		sc.ignoredTombs++
	}
	kv := &sc.kv
	rev, tomb := e.bk.Revision, e.bk.Tombstone
	if tomb {
		sc.tombstones++
	} else if sc.kube != nil && sc.sorted == nil && bytes.HasPrefix(kv.Key, registryRoot) {
		sc.table.state(e.idx).class = sc.kube.id(kv.Value)
	}
	sc.restoredMain = rev.Main
	sc.revisions++
	sc.keyBytes += uint64(len(kv.Key))
	sc.valueBytes += uint64(len(kv.Value))
	sc.largestValue = max(sc.largestValue, uint64(len(kv.Value)))
	sc.raft.add(rev.Main, uint64(len(kv.Key)+len(kv.Value)))
	if sc.sorted != nil {
		return // the replay of the key's run takes it to the simulations
	}
	sc.whatIf.observe(e.idx, rev, tomb, e.indexed, e.entryBytes)
	if sc.rerun != nil {
		sc.rerun.observe(e.idx, rev, tomb, e.indexed, e.entryBytes)
	}
}

func (sc *scanner) bad(pos uint64, k []byte, reason string) {
	sc.malformed.Count++
	if len(sc.malformed.First) < maxMalformedListed {
		sc.malformed.First = append(sc.malformed.First, MalformedEntry{
			Index:     pos,
			BucketKey: hex.EncodeToString(k[:min(len(k), 32)]),
			Reason:    reason,
			key:       bytes.Clone(k[:min(len(k), maxLocatedKey)]),
		})
	}
}
