package mvcc

import "math/bits"

// revisionHistogram counts keys by revision count in power-of-two
// buckets: bucket i holds counts in [2^i, 2^(i+1)-1]. A uint32 count
// needs at most 32 of them, so it costs nothing per key.
type revisionHistogram struct {
	keys, revisions [32]uint64
	used            int // buckets up to the highest non-empty one
}

func (h *revisionHistogram) add(revs uint32) {
	if revs == 0 {
		return
	}
	i := bits.Len32(revs) - 1
	h.keys[i]++
	h.revisions[i] += uint64(revs)
	h.used = max(h.used, i+1)
}

// buckets lists every bucket from 1 up to the highest non-empty one, so
// a chart shows gaps as empty bars; [] when no key was counted.
func (h *revisionHistogram) buckets() []CountBucket {
	out := make([]CountBucket, 0, h.used)
	for i := range h.used {
		out = append(out, CountBucket{
			Min:       1 << i,
			Max:       1<<(i+1) - 1,
			Keys:      h.keys[i],
			Revisions: h.revisions[i],
		})
	}
	return out
}
