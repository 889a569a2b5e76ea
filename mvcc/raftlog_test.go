package mvcc

import "testing"

// Ensure that the raft windows sum the newest main revisions, across the
// ring's wrap-around, with sub revisions folded into their main revision.
func TestRaftTail(t *testing.T) {
	r := newRaftTail()
	const mains = 120000
	for m := int64(1); m <= mains; m++ {
		r.add(m, uint64(m))
		if m%3 == 0 {
			r.add(m, 1) // a second sub revision
		}
	}
	for _, w := range r.windows() {
		var want uint64
		for m := uint64(mains - w.Entries + 1); m <= mains; m++ {
			want += m
			if m%3 == 0 {
				want++
			}
		}
		if w.Available != w.Entries || w.PayloadBytes != want {
			t.Errorf("window %d: %+v, want %d bytes", w.Entries, w, want)
		}
	}
	short := newRaftTail()
	short.add(5, 10)
	short.add(6, 20)
	if w := short.windows()[0]; w.Available != 2 || w.PayloadBytes != 30 {
		t.Errorf("short history window = %+v", w)
	}
}
