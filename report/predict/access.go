package predict

import (
	"fmt"
	"math"

	"github.com/dbinspect/dbinspect/report/calibrate"
	"github.com/dbinspect/dbinspect/report/predict/restoresim"
)

// accessLookupSeconds is restoreIntoIndex's treeIndex Gets and key-cache
// evictions charged from the replay of the db's own restore order
// (restoresim): each far Get at the cost of a key-cache-missing revision
// in a heap of the tree's size at that moment built in random key order
// (btreeGetSeconds); a near Get at that less what calibrate measured a
// near Get saves over a far one in a tree that size (its path is in the
// CPU caches); a sequential Get nothing when calibrate timed the restore
// in key order end to end (revisionSeconds charges the whole revision),
// else at the cost of such a revision in a heap built and rewritten in
// key order (seqGetSeconds: its index entry lies beside the last one, and
// the GC marks such a heap at a fraction of the price); each miss once the cache has filled at calibrate's cost of a
// miss on a full cache (its share of an eviction round every 10 misses,
// and the map insert). Cache hits cost no Get: the per-revision restore
// cost already holds the cache lookup.
func accessLookupSeconds(a *restoresim.Counts, cal calibrate.Calibration) float64 {
	var secs float64
	for b := range restoresim.SizeBuckets {
		n := restoresim.BucketKeys(b)
		get := btreeGetSeconds(cal, n)
		if far := a.BySize[restoresim.Far][b]; far > 0 {
			secs += float64(far) * get
		}
		if near := a.BySize[restoresim.Near][b]; near > 0 {
			secs += float64(near) * nearGetSeconds(cal, n, get)
		}
		if sq := a.BySize[restoresim.Seq][b]; sq > 0 && !(cal.RestoreSeqSecondsPerRevision > 0) {
			secs += float64(sq) * seqGetSeconds(cal, n, get)
		}
	}
	return secs + float64(a.MissesFull)*max(cal.KeyCacheSecondsPerMiss, 0)
}

// revisionSeconds is the per-revision work of the restore. restore runs
// two goroutines joined by a channel (store.restore reads and unmarshals,
// restoreIntoIndex indexes) in every version from 3.5 to 3.7; which one
// bounds it depends on the index goroutine's work. With a replay and the
// end-to-end measurements: the sequential revisions (one per sequential
// Get) at RestoreSeqSecondsPerRevision, which holds their Get; the
// key-cache hits at RestoreHitSecondsPerRevision, the restore timed end
// to end where the index goroutine does no Get at all; the others, whose
// far or near Get makes the index goroutine the bound, at the
// one-goroutine per-revision cost (their Get charged apart).
//
// etcd 3.7 decodes each revision in the reading goroutine with
// protobuf-go into a new message, which calibrate times against 3.6's gogo
// decode (Decode37SecondsPerRevision): on 3.7 the sequential and hit
// revisions, whose restore that goroutine bounds, cost that much more; the
// others, bound by the index goroutine, do not.
func revisionSeconds(in Inputs, cal calibrate.Calibration, version string) float64 {
	revs := float64(in.Revisions)
	if in.Access == nil {
		return revs * cal.RestoreSecondsPerRevision
	}
	var seq, hits float64
	if cal.RestoreSeqSecondsPerRevision > 0 {
		seq = min(float64(in.Access.Seq), revs)
	}
	if cal.RestoreHitSecondsPerRevision > 0 {
		hits = min(float64(in.Access.Hits), revs-seq)
	}
	secs := (revs-seq-hits)*cal.RestoreSecondsPerRevision + seq*cal.RestoreSeqSecondsPerRevision + hits*cal.RestoreHitSecondsPerRevision
	if decodesWithProtobufGo(version) {
		secs += (seq + hits) * max(cal.Decode37SecondsPerRevision, 0)
	}
	return secs
}

// decodesWithProtobufGo is whether etcd version decodes the restore's
// revisions with protobuf-go (3.7) rather than gogo (3.4 to 3.6).
func decodesWithProtobufGo(version string) bool { return version == "3.7" }

// seqGetSeconds is a sequential Get in a tree of n keys whose far Get
// costs get: calibrate's key-cache-missing revision in a heap built and
// rewritten in key order, never above a near Get; a near Get when the
// calibration predates that measurement.
func seqGetSeconds(cal calibrate.Calibration, n, get float64) float64 {
	near := nearGetSeconds(cal, n, get)
	if !(cal.BtreeGetSeqSecondsSmall > 0) || !(cal.BtreeGetSeqSecondsLarge > 0) {
		return near
	}
	return min(getBetween(cal.BtreeGetSeqSecondsSmall, cal.BtreeGetSeqSecondsLarge, cal.BtreeGetSmallKeys, cal.BtreeGetLargeKeys, n), near)
}

// nearGetSeconds is a near Get in a tree of n keys whose far (random) Get
// costs get: get less the saving calibrate measured at that size between
// bare far and near Gets, never below the bare near Get.
func nearGetSeconds(cal calibrate.Calibration, n, get float64) float64 {
	far := interpolateLog(cal.LookupTreeKeys, cal.LookupFarSeconds, n)
	near := interpolateLog(cal.LookupTreeKeys, cal.LookupNearSeconds, n)
	if !(far > 0) || !(near > 0) {
		return get
	}
	return min(max(get-max(far-near, 0), near), get)
}

// interpolateLog is ys at x, linear in log2 x between the sizes xs
// calibrate measured (increasing), held at the ends below the first and
// extrapolated from the last two above the last (a far Get's cost grows
// with the tree's depth once it outgrows the caches). 0 without data.
func interpolateLog(xs, ys []float64, x float64) float64 {
	if len(xs) == 0 || len(xs) != len(ys) || !(x > 0) {
		return 0
	}
	if x <= xs[0] || len(xs) == 1 {
		return ys[0]
	}
	lx := math.Log2(x)
	i := 1
	for i < len(xs)-1 && x > xs[i] {
		i++
	}
	x0, x1 := math.Log2(xs[i-1]), math.Log2(xs[i])
	if !(x1 > x0) {
		return ys[i]
	}
	return max(ys[i-1]+(ys[i]-ys[i-1])*(lx-x0)/(x1-x0), 0)
}

// AccessPattern names in plain words what the replay found.
func AccessPattern(a *restoresim.Counts) string {
	if a == nil || a.Revisions == 0 {
		return "no revisions"
	}
	rev := float64(a.Revisions)
	hits := float64(a.Hits) / rev
	gets := float64(a.Misses)
	near := 0.0
	if gets > 0 {
		near = float64(a.Near+a.Seq) / gets
	}
	later := a.Revisions - a.Keys // revisions after a key's first
	var words string
	switch {
	case a.Keys <= restoresim.CacheKeys:
		words = "few enough keys for restore's 10,000-key cache: every rewrite hits it"
	case later*10 < a.Revisions:
		words = "keys mostly written once"
	case hits >= 0.5:
		words = "keys rewritten in bursts or while recent: most rewrites hit the key cache"
	default:
		words = "keys rewritten after many others: most rewrites miss the key cache"
	}
	switch {
	case gets == 0:
	case near >= 0.8 && float64(a.Seq) >= 0.5*float64(a.Near+a.Seq):
		words += ", in ascending runs over keys created in key order: treeIndex lookups mostly sequential (cheapest: path and index entry just touched)"
	case near >= 0.8:
		words += ", in ascending runs: treeIndex lookups mostly near (cheap)"
	case near >= 0.3:
		words += ", partly in ascending runs: treeIndex lookups a mix of near and far"
	default:
		words += ", in random key order: treeIndex lookups mostly far (each a walk down a tree outside the CPU caches)"
	}
	return words
}

// accessAssumption is the startup model's statement of the pattern found
// and what its lookups cost (seconds, before the work factor).
func accessAssumption(a *restoresim.Counts, cal calibrate.Calibration) string {
	rev := float64(max(a.Revisions, 1))
	gets := float64(max(a.Misses, 1))
	return fmt.Sprintf("access pattern (restoreIntoIndex replayed on this db's order of keys): %s; of %d revisions %.1f%% hit the key cache, %.1f%% were treeIndex lookups, "+
		"of which %.1f%% sequential (next to a key just looked up, in key order and in memory), %.1f%% near (in key order only) and %.1f%% far; %d keys inserted (%d in key order); lookups and evictions cost %.2f s",
		AccessPattern(a), a.Revisions, 100*float64(a.Hits)/rev, 100*float64(a.Misses)/rev,
		100*float64(a.Seq)/gets, 100*float64(a.Near)/gets, 100*float64(a.Far)/gets, a.Keys, a.SeqInserts, accessLookupSeconds(a, cal))
}
