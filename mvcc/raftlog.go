package mvcc

// Lengths of etcd's in-memory raft log, in entries (one entry is one main
// revision): the one definition the scan and the predictions share.
const (
	// RaftCatchUpEntries is etcd's DefaultSnapshotCatchUpEntries (3.5-3.7):
	// what a compaction of the raft log keeps.
	RaftCatchUpEntries = 5000
	// RaftLogEntries36 is 3.6+'s steady state: it compacts every 100
	// applied entries down to the catch-up entries.
	RaftLogEntries36 = RaftCatchUpEntries + 100
	// RaftSnapshotCount36 is 3.6's default --snapshot-count.
	RaftSnapshotCount36 = 10000
	// RaftSnapshotCount35 is 3.5's default --snapshot-count: 3.5 compacts
	// only at a disk snapshot, so it holds up to this many entries plus
	// the catch-up ones (RaftLogEntries35).
	RaftSnapshotCount35 = 100000
	RaftLogEntries35    = RaftSnapshotCount35 + RaftCatchUpEntries
)

// RaftWindows are the raft log lengths whose payload the scan sums
// (Summary.RaftTail) for the predictions.
var RaftWindows = []int{RaftCatchUpEntries, RaftLogEntries36, RaftSnapshotCount36, RaftSnapshotCount35, RaftLogEntries35}

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
