package mvcc

// RaftWindows are the raft log lengths whose payload the predictions need:
// 3.6's steady state (5000 kept + up to 100 before the next compaction),
// 3.6's snapshot count, and 3.5's snapshot count (+ 5000 catch-up).
var RaftWindows = []int{5000, 5100, 10000, 100000, 105000}

// raftTail keeps the payload bytes of the most recent main revisions in a
// ring: one main revision is one raft entry (a txn), and its payload is the
// sum of key + value lengths of its sub revisions.
type raftTail struct {
	ring    []uint64
	pushed  uint64
	cur     int64
	curSize uint64
	open    bool
}

func newRaftTail() *raftTail {
	max := 0
	for _, n := range RaftWindows {
		max = maxInt(max, n)
	}
	return &raftTail{ring: make([]uint64, max)}
}

func (r *raftTail) add(main int64, payload uint64) {
	if r.open && main != r.cur {
		r.flush()
	}
	if !r.open {
		r.cur, r.curSize, r.open = main, 0, true
	}
	r.curSize += payload
}

func (r *raftTail) flush() {
	if !r.open {
		return
	}
	r.ring[r.pushed%uint64(len(r.ring))] = r.curSize
	r.pushed++
	r.open = false
}

// windows sums the newest n entries for each n in RaftWindows.
func (r *raftTail) windows() []RaftWindow {
	r.flush()
	out := make([]RaftWindow, 0, len(RaftWindows))
	for _, n := range RaftWindows {
		have := min(uint64(n), r.pushed)
		var sum uint64
		for i := uint64(1); i <= have; i++ {
			sum += r.ring[(r.pushed-i)%uint64(len(r.ring))]
		}
		out = append(out, RaftWindow{Entries: n, Available: int(have), PayloadBytes: sum})
	}
	return out
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}
