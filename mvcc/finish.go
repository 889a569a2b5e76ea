package mvcc

import (
	"encoding/base64"
	"fmt"
	"github.com/dbinspect/dbinspect/internal/redact"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// finish turns the streamed state into the Summary. read, if not nil, is
// called once the compaction what-if is resolved, before the per-key pass.
func (sc *scanner) finish(read func(*scanner)) *Summary {
	o := sc.opts
	m := sc.meta
	sum := &Summary{
		LastStoredRevision:       sc.lastStoredMain,
		CompactRevision:          m.FinishedCompactRevision,
		ScheduledCompactRevision: m.ScheduledCompactRevision,
		ConsistentIndex:          m.ConsistentIndex,
		Term:                     m.Term,
		StorageVersion:           m.StorageVersion,
		Meta:                     m,
		TotalRevisions:           sc.revisions,
		Tombstones:               sc.tombstones,
		LargestValueBytes:        sc.largestValue,
		Buckets:                  sc.buckets,
		UnknownBuckets:           sc.unknown,
		Malformed:                sc.malformed,
		ReadErrors:               sc.readErrors,
		Options:                  o,
		RaftTail:                 sc.raft.windows(),
	}
	switch {
	case sc.order != nil:
		sum.RestoreOrder = sc.order.order()
	case sc.sout != nil:
		sum.RestoreOrder = sc.sout.order
	}

	// kvstore.go restore: currentRev starts at 1, follows the last restored
	// revision, then is raised to the finished and scheduled compactions.
	cur := sc.currentRevision()
	sum.Revision = cur

	sc.whatIf.resolveLatest(cur, sc.table)
	sum.Compaction = CompactionWhatIf{
		Revision:         sc.whatIf.at,
		RemovedRevisions: sc.whatIf.revisions,
		RemovedBytes:     sc.whatIf.bytes,
		ScannedRevisions: sc.whatIf.scanned,
	}
	if o.CompactAt > cur {
		sum.Notes = append(sum.Notes, fmt.Sprintf("compaction what-if at %d is past the current revision %d: etcd would refuse it (future revision)", o.CompactAt, cur))
	} else if o.CompactAt > 0 && o.CompactAt <= m.FinishedCompactRevision {
		sum.Notes = append(sum.Notes, fmt.Sprintf("compaction what-if at %d is at or below the last compaction %d: etcd would refuse it (already compacted)", o.CompactAt, m.FinishedCompactRevision))
	}

	sum.Restore = RestoreWork{
		Revisions:            sc.revisions,
		KeyBytes:             sc.keyBytes,
		ValueBytes:           sc.valueBytes,
		Tombstones:           sc.tombstones,
		IgnoredTombstones:    sc.ignoredTombs,
		UnfinishedCompaction: m.UnfinishedCompaction,
	}
	if sc.rerun != nil {
		sum.Restore.Rerun = &CompactionWhatIf{
			Revision:         sc.rerun.at,
			RemovedRevisions: sc.rerun.revisions,
			RemovedBytes:     sc.rerun.bytes,
			ScannedRevisions: sc.rerun.scanned,
		}
	}
	if read != nil {
		read(sc)
	}
	if sc.sout != nil {
		sc.sortedPerKey(sum)
	} else {
		sc.perKey(sum)
	}
	sum.Index = IndexShape{
		Keys:                 sc.shape.keys,
		KeyAllocBytes:        sc.shape.keyAlloc,
		Generations:          sc.shape.gens,
		GenerationAllocBytes: sc.shape.genAlloc,
		RevisionAllocBytes:   sc.shape.revAlloc,
	}
	sc.summariseLeases(sum)
	sc.etcdutl(sum)

	sum.Auth = sc.other.auth
	sum.Members = sc.other.members
	sum.RemovedMembers = sc.other.removed
	sum.Cluster = sc.other.cluster
	sum.WrittenBy = writtenBy(m, sum.Cluster)
	if sum.WrittenBy == "3.4" {
		sum.Meta.EtcdVersions = "3.4.x (no term in meta; the cluster bucket's version is 3.4)"
	}
	sum.Alarms = sc.other.alarms
	if red := sc.redactor(); red != nil {
		// A malformed bucket key can hold anything, user bytes included.
		for i := range sum.Malformed.First {
			sum.Malformed.First[i].BucketKey = red.segment(sum.Malformed.First[i].BucketKey)
		}
	}
	// Lists are [] rather than null in JSON.
	sum.Members = nonNil(sum.Members)
	sum.RemovedMembers = nonNil(sum.RemovedMembers)
	sum.Alarms = nonNil(sum.Alarms)
	sum.UnknownBuckets = nonNil(sum.UnknownBuckets)
	sum.Prefixes = nonNil(sum.Prefixes)
	if sc.unmarkedLong > 0 {
		sum.Notes = append(sum.Notes, fmt.Sprintf("%d revision keys are 18 bytes without the tombstone mark 't'; etcd reads them as puts, and so does this scan", sc.unmarkedLong))
	}
	if len(sc.readErrors) > 0 {
		sum.Notes = append(sum.Notes, "some pages could not be read: the figures and the etcdutl hash cover only the readable pairs")
	}
	return sum
}

// perKey walks the key states once: counts, distribution, top lists and
// prefixes.
func (sc *scanner) perKey(sum *Summary) {
	o := sc.opts
	table := sc.table
	revCounts := make([]uint32, 0, table.len())
	tops := [4]*topHeap{}
	for i := range tops {
		tops[i] = &topHeap{n: o.TopN, table: table}
	}
	var byPrefix, byNamespace prefixAgg
	var kube *kubeAgg
	if sc.kube != nil {
		kube = newKubeAgg(sc.kube, o.TopN)
	}
	var hist revisionHistogram
	var filter *FilterStat
	if o.Filter.on() {
		filter = &FilterStat{Prefix: o.Filter.Prefix, Namespace: o.Filter.Namespace}
	}
	var keySet *keySetBuilder
	if o.LiveKeySet {
		keySet = newKeySetBuilder(table.len())
	}
	table.each(func(i int, s *keyState) {
		if s.revs == 0 {
			return
		}
		revCounts = append(revCounts, s.revs)
		hist.add(s.revs)
		s.finishShape(&sc.shape)
		live := liveBytes(s)
		sum.KeyBucketBytes += s.totalBytes
		sum.LiveBytes += live
		sum.HistoryBytes += s.totalBytes - live
		nonEmptyGens := s.gens
		if s.live {
			sum.LiveKeys++
			if s.lease != 0 {
				sum.Restore.LeasedKeys++
				sum.Restore.LeasedKeyAllocBytes += keyAllocBytes(int(s.keyLen))
			}
		} else {
			sum.DeletedKeys++
			nonEmptyGens--
		}
		if nonEmptyGens >= 2 {
			sum.MultiGenerationKeys++
		}
		key := table.key(s)
		if filter != nil {
			if !o.Filter.match(key) {
				return // the totals above count it; no table lists it
			}
			filter.add(s, live)
		}
		tops[0].offer(uint64(s.revs), i)
		tops[1].offer(s.totalBytes-live, i)
		if s.live {
			tops[2].offer(uint64(s.valueSize), i)
			tops[3].offer(saturatingMul(uint64(s.valueSize), uint64(s.revs)), i)
		}
		if p, ok := parseK8sKey(key); ok && o.K8s && o.PrefixSeparator == "/" {
			resource := key[len(k8sRoot):max(p.resourceEnd-1, len(k8sRoot))]
			rp := byPrefix.add(key[:p.resourceEnd], resource, "", s)
			var np *PrefixStat
			if p.namespaceEnd > 0 {
				ns := key[p.resourceEnd : p.namespaceEnd-1]
				np = byNamespace.add(key[:p.namespaceEnd], resource, ns, s)
			}
			if keySet != nil && s.live {
				keySet.add(key, key[:p.resourceEnd])
			}
			if kube != nil && s.live && s.class != classNone {
				kube.add(rp, np, s.class, uint64(s.valueSize), s.modMain)
			}
			return
		}
		label := prefixLabel(key, o.PrefixSeparator, o.PrefixDepth)
		byPrefix.add(label, "", "", s)
		if keySet != nil && s.live {
			keySet.add(key, label)
		}
	})
	sum.RevisionsPerKey = distribution32(revCounts)
	sum.RevisionsPerKeyHistogram = hist.buckets()

	red := sc.redactor()
	if filter != nil {
		filter.finish(sum, red)
	}
	if keySet != nil {
		sum.LiveKeySet = keySet.finish(red)
	}
	stat := func(rs []ranked) []KeyStat {
		out := make([]KeyStat, 0, len(rs))
		for _, r := range rs {
			out = append(out, sc.keyStat(table.state(r.idx), red))
		}
		return out
	}
	sum.TopKeys = TopKeys{
		ByRevisions:           stat(tops[0].best()),
		ByHistoryBytes:        stat(tops[1].best()),
		ByValueBytes:          stat(tops[2].best()),
		ByValueTimesRevisions: stat(tops[3].best()),
	}
	sum.Prefixes = redactPrefixes(byPrefix.list(o.MaxPrefixes, sum.KeyBucketBytes, o.DataSize), red)
	if len(byNamespace.stats) > 0 {
		sum.PrefixesByNamespace = redactPrefixes(byNamespace.list(o.MaxPrefixes, sum.KeyBucketBytes, o.DataSize), red)
	}
	if kube != nil {
		sum.Kube = kube.summary(sum.Prefixes, sum.PrefixesByNamespace, red)
	}
}

func (sc *scanner) redactor() *redactor {
	if !sc.opts.RedactKeys {
		return nil
	}
	r := newRedactor(sc.opts.PrefixSeparator, sc.opts.K8s)
	r.keepNamespace, r.h = sc.opts.RedactKeepNamespace, redact.New(sc.opts.RedactSalt)
	return r
}

// exactB64 is s in base64 when s is not valid UTF-8 (JSON would replace
// its bad bytes), else "".
func exactB64(s string) string {
	if utf8.ValidString(s) {
		return ""
	}
	return base64.StdEncoding.EncodeToString([]byte(s))
}

// redactPrefixes redacts the prefixes when asked, then keeps the exact
// bytes of any that are not valid UTF-8 (of the redacted name, if so).
func redactPrefixes(ps []PrefixStat, red *redactor) []PrefixStat {
	defer func() {
		for i := range ps {
			ps[i].PrefixB64 = exactB64(ps[i].Prefix)
		}
	}()
	if red == nil {
		return ps
	}
	for i := range ps {
		ps[i].Prefix = red.label(ps[i].Prefix)
		if ps[i].Namespace != "" && !red.keepNamespace {
			ps[i].Namespace = red.segment(ps[i].Namespace)
		}
	}
	return ps
}

// keyStat answers as etcd's Get would: a deleted key has no version,
// create or mod revision.
func (sc *scanner) keyStat(s *keyState, red *redactor) KeyStat {
	return keyStatOf(s, sc.table.key(s), red)
}

// keyStatOf is keyStat for a key named name.
func keyStatOf(s *keyState, name string, red *redactor) KeyStat {
	live := liveBytes(s)
	k := KeyStat{
		Key:          strings.Clone(name),
		Live:         s.live,
		Revisions:    uint64(s.revs),
		Generations:  uint64(s.gens),
		TotalBytes:   s.totalBytes,
		HistoryBytes: s.totalBytes - live,
	}
	if red != nil {
		k.Key = red.key(name)
	}
	k.KeyB64 = exactB64(k.Key)
	if s.live {
		k.Version, k.CreateRevision, k.ModRevision = s.version, s.createMain, s.modMain
		k.Lease, k.ValueBytes = s.lease, uint64(s.valueSize)
	}
	return k
}

// lookupKey answers for one key as etcd's Get would (tests use it to
// compare with etcd's recorded answers).
func (sc *scanner) lookupKey(key string) (KeyStat, bool) {
	idx, ok := sc.table.lookup([]byte(key))
	if !ok {
		return KeyStat{}, false
	}
	return sc.keyStat(sc.table.state(idx), nil), true
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func saturatingMul(a, b uint64) uint64 {
	if a != 0 && b > math.MaxUint64/a {
		return math.MaxUint64
	}
	return a * b
}

// distribution32 gives nearest-rank percentiles; it sorts xs in place.
func distribution32(xs []uint32) Distribution {
	if len(xs) == 0 {
		return Distribution{}
	}
	slices.Sort(xs)
	rank := func(p float64) uint64 {
		i := int(math.Ceil(p*float64(len(xs)))) - 1
		return uint64(xs[max(i, 0)])
	}
	return Distribution{P50: rank(0.50), P90: rank(0.90), P99: rank(0.99), Max: uint64(xs[len(xs)-1])}
}

func distribution64(xs []int64) Distribution {
	if len(xs) == 0 {
		return Distribution{}
	}
	slices.Sort(xs)
	rank := func(p float64) uint64 {
		i := int(math.Ceil(p*float64(len(xs)))) - 1
		return uint64(max(xs[max(i, 0)], 0))
	}
	return Distribution{P50: rank(0.50), P90: rank(0.90), P99: rank(0.99), Max: uint64(max(xs[len(xs)-1], 0))}
}
