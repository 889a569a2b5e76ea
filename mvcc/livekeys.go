package mvcc

import (
	"hash/maphash"
	"sort"
	"strings"
)

// LiveKeySet fingerprints the live keys of one scan so that two scans can
// be compared key by key (dbinspect diff) without keeping either's key
// names: per live key, a 64-bit hash of the key and the index of its
// prefix, 12 bytes a key, in two slices sorted by hash. Two sets are then
// compared by one merge of the sorted hashes, in time linear in their size
// and no memory beyond the sets.
//
// The hashes come from one seed per process: sets from scans in the same
// process compare, sets from different processes do not. A random seed
// also means no key can be crafted to collide.
//
// Collision odds: a key is misclassified only when its hash equals that of
// a different key of the other scan. Among N distinct keys in the two
// scans together, the chance that any two share a hash is at most
// N²/2^65: about 3 in a million for N = 10 million, and a collision
// miscounts one key (an added and a removed key count as unchanged).
type LiveKeySet struct {
	// Labels are the prefix labels, as in Summary.Prefixes before the
	// fold into "(other)" (hashed alike with RedactKeys).
	Labels []string
	// Hashes are the key hashes, ascending; Prefix[i] indexes Labels for
	// the key of Hashes[i].
	Hashes []uint64
	Prefix []uint32
}

var liveKeySeed = maphash.MakeSeed()

// keySetBuilder collects the set during the per-key pass.
type keySetBuilder struct {
	set *LiveKeySet
	ids map[string]uint32
}

func newKeySetBuilder(n int) *keySetBuilder {
	return &keySetBuilder{
		set: &LiveKeySet{Hashes: make([]uint64, 0, n), Prefix: make([]uint32, 0, n)},
		ids: map[string]uint32{},
	}
}

// add records one live key under its prefix label.
func (b *keySetBuilder) add(key, label string) {
	id, ok := b.ids[label]
	if !ok {
		// label may point into the key table's arena: keep a copy.
		label = strings.Clone(label)
		id = uint32(len(b.set.Labels))
		b.ids[label] = id
		b.set.Labels = append(b.set.Labels, label)
	}
	b.set.Hashes = append(b.set.Hashes, maphash.String(liveKeySeed, key))
	b.set.Prefix = append(b.set.Prefix, id)
}

// finish sorts by hash and redacts the labels as the prefix list is.
func (b *keySetBuilder) finish(red *redactor) *LiveKeySet {
	sort.Sort(byHash{b.set})
	if red != nil {
		for i, l := range b.set.Labels {
			b.set.Labels[i] = red.label(l)
		}
	}
	return b.set
}

type byHash struct{ s *LiveKeySet }

func (h byHash) Len() int           { return len(h.s.Hashes) }
func (h byHash) Less(i, j int) bool { return h.s.Hashes[i] < h.s.Hashes[j] }
func (h byHash) Swap(i, j int) {
	h.s.Hashes[i], h.s.Hashes[j] = h.s.Hashes[j], h.s.Hashes[i]
	h.s.Prefix[i], h.s.Prefix[j] = h.s.Prefix[j], h.s.Prefix[i]
}
