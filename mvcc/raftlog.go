package mvcc

// RaftWindows are the raft log lengths whose payload the predictions need:
// 3.6's steady state (5000 kept + up to 100 before the next compaction),
// 3.6's snapshot count, and 3.5's snapshot count (+ 5000 catch-up).
var RaftWindows = []int{5000, 5100, 10000, 100000, 105000}

// raftTail keeps the payload bytes of the most recent main revisions in a
// ring: one main revision is one raft entry (a txn), and its payload is the
// sum of key + value lengths of its sub revisions.
type raftTail struct {
	size    int      // ring length once full: the largest window
	ring    []uint64 // grows to size, then wraps
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
	return &raftTail{size: max}
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
	if len(r.ring) < r.size {
		r.ring = append(r.ring, r.curSize)
	} else {
		r.ring[r.pushed%uint64(r.size)] = r.curSize
	}
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
			sum += r.ring[(r.pushed-i)%uint64(r.size)]
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
