package predict

import (
	"math"

	"github.com/dbinspect/dbinspect/mvcc"
)

// LessorMemory is the Go heap etcd's lessor holds for the file's leases
// once a member restarted from it, by part. The lessor is the same in etcd
// 3.4 to 3.7 (lease/lessor.go, lease.go, lease_queue.go): every member
// keeps a Lease a lease, each with an itemSet of its keys, a leaseMap by id
// and an itemMap by key; the leader also keeps a LeaseWithTime a lease in
// its expiry heap (leaseExpiredNotifier: a map and a heap slice), and,
// only with lease checkpointing on, one a long-lived lease in its
// checkpoint heap.
type LessorMemory struct {
	Leases     int64 `json:"leases"`
	LeasedKeys int64 `json:"leased_keys"`
	// LeaseObjectBytes: each lease's Lease struct (112 B), revoke channel
	// (112 B) and itemSet map header (48 B).
	LeaseObjectBytes int64 `json:"lease_object_bytes"`
	// ItemSetBytes: the slots of the leases' itemSet maps, sized from the
	// number of keys each lease has.
	ItemSetBytes int64 `json:"item_set_bytes"`
	// LeaseMapBytes: leaseMap, lease id to *Lease.
	LeaseMapBytes int64 `json:"lease_map_bytes"`
	// ItemMapBytes: itemMap, key to lease id, one entry a leased key.
	ItemMapBytes int64 `json:"item_map_bytes"`
	// KeyStringBytes: the leased keys' names (one string a key, shared by
	// itemSet and itemMap).
	KeyStringBytes int64 `json:"key_string_bytes"`
	// ExpiryQueueBytes: the leader's expiry heap (a LeaseWithTime, a map
	// entry and a heap slot a lease); followers keep none.
	ExpiryQueueBytes int64 `json:"expiry_queue_bytes"`
	// FollowerBytes is what every member holds; LeaderBytes adds the expiry
	// heap. The memory figures count LeaderBytes.
	FollowerBytes int64 `json:"follower_bytes"`
	LeaderBytes   int64 `json:"leader_bytes"`
	// LongTTLLeases have a remaining TTL over the default checkpoint
	// interval (5 min); CheckpointBytes is what the leader's checkpoint
	// heap adds for them with --experimental-enable-lease-checkpoint
	// (3.5) or the LeaseCheckpoint feature gate (3.6+), both off by
	// default: not in LeaderBytes.
	LongTTLLeases   int64 `json:"long_ttl_leases"`
	CheckpointBytes int64 `json:"checkpoint_bytes"`
}

// Sizes on 64-bit Linux, Go 1.24+ (unsafe.Sizeof, in their size classes).
const (
	leaseStructBytes    = 112 // lease.Lease: 3 int64, 2 sync.RWMutex, time.Time, map, chan
	revokeChanBytes     = 112 // runtime.hchan of make(chan struct{}): measured 112 B a chan
	leaseWithTimeBytes  = 48  // lease.LeaseWithTime{id, time.Time, index}: 40 B
	goMapHeaderBytes    = 48  // internal/runtime/maps.Map
	goMapTableBytes     = 32  // internal/runtime/maps.table
	goMapGroupSlots     = 8   // abi.MapGroupSlots
	goMapMaxTableSlots  = 1024
	goMapMaxLoadPerSlot = 7 // of 8: a table grows at 7/8 full
	// Slot sizes (key, element, padding): LeaseItem{Key string} with
	// struct{} or LeaseID is 24 B (a zero-size last field is padded);
	// LeaseID with a pointer 16 B.
	itemSlotBytes  = 24
	leaseSlotBytes = 16
)

// goMapBytes is the heap of a Go map (Go 1.24+ swiss tables) holding n
// entries of slot bytes each, made with no size hint and filled one
// insert at a time, after a GC: the Map header; up to 8 entries one group
// (8 slots and a control word); past 8, one table of 16 to 1024 slots
// that doubles at 7/8 full; past 896, tables of 1024 slots, each split in
// two when it would pass 7/8 full, and a directory of table pointers.
// Which tables split depends on the hashes: the tables counted are the
// expected number for n random hashes (goMapTables).
func goMapBytes(n, slot int64) int64 {
	group := 8 + goMapGroupSlots*slot
	alloc := goHeapBytes
	switch {
	case n <= 0:
		return goMapHeaderBytes
	case n <= goMapGroupSlots:
		return goMapHeaderBytes + alloc(group)
	case n <= goMapMaxTableSlots*goMapMaxLoadPerSlot/8:
		c := int64(2 * goMapGroupSlots)
		for n > c*goMapMaxLoadPerSlot/8 {
			c *= 2
		}
		return goMapHeaderBytes + alloc(8) + goMapTableBytes + alloc(c/goMapGroupSlots*group)
	}
	tables := goMapTables(n)
	dir := int64(1)
	for float64(dir) < tables {
		dir *= 2
	}
	perTable := float64(goMapTableBytes + alloc(goMapMaxTableSlots/goMapGroupSlots*group))
	return goMapHeaderBytes + alloc(8*dir) + int64(math.Round(tables*perTable))
}

// goMapTables is the expected number of 1024-slot tables of a map of n
// entries with random hashes. The tables form a binary tree by hash
// prefix: a node at depth d holds Binomial(n, 2^-d) entries and splits iff
// it holds more than 896 (entries are only added), and a binary tree has
// one leaf more than it has split nodes, so the tables are
// 1 + sum over d of 2^d x P(Binomial(n, 2^-d) > 896) (normal
// approximation with continuity correction).
func goMapTables(n int64) float64 {
	const full = goMapMaxTableSlots * goMapMaxLoadPerSlot / 8
	tables := 1.0
	for d := 0; d < 62; d++ {
		p := math.Ldexp(1, -d)
		mean := float64(n) * p
		sd := math.Sqrt(mean * (1 - p))
		var over float64
		switch {
		case sd == 0:
			if mean > full {
				over = 1
			}
		default:
			over = 0.5 * math.Erfc((full+0.5-mean)/(sd*math.Sqrt2))
		}
		if over < 1e-9 && mean < full {
			break
		}
		tables += math.Ldexp(over, d)
	}
	return tables
}

// goHeapBytes is the heap one allocation of size bytes with pointers
// takes: its size class, with the 8-byte malloc header Go 1.22+ adds to
// small objects of more than 512 bytes that hold pointers.
func goHeapBytes(size int64) int64 {
	const header = 8
	b := int64(mvcc.GoAllocBytes(uint64(size), false))
	if size > 512 && size <= 32<<10-header {
		b += header
	}
	return b
}

// LessorInput is what the lessor model reads from the file.
type LessorInput struct {
	Leases     int64
	LeasedKeys int64
	// KeyAllocBytes is the leased keys' names in their Go size classes.
	KeyAllocBytes int64
	// KeysPerLease is how many leases have each number of keys.
	KeysPerLease []mvcc.KeysPerLeaseCount
	// LongTTL leases outlive the default checkpoint interval.
	LongTTL int64
}

// predictLessor sizes the lessor of a member restarted from the file.
func predictLessor(in LessorInput) LessorMemory {
	l := LessorMemory{Leases: in.Leases, LeasedKeys: in.LeasedKeys, LongTTLLeases: in.LongTTL}
	if in.Leases == 0 {
		return l
	}
	l.LeaseObjectBytes = in.Leases * (leaseStructBytes + revokeChanBytes + goMapHeaderBytes)
	counted := int64(0)
	for _, c := range in.KeysPerLease {
		l.ItemSetBytes += int64(c.Leases) * (goMapBytes(int64(c.Keys), itemSlotBytes) - goMapHeaderBytes)
		counted += int64(c.Leases)
	}
	if counted == 0 && in.LeasedKeys > 0 {
		// No distribution: the keys spread evenly.
		per := in.LeasedKeys / in.Leases
		l.ItemSetBytes = in.Leases * (goMapBytes(per, itemSlotBytes) - goMapHeaderBytes)
	}
	l.LeaseMapBytes = goMapBytes(in.Leases, leaseSlotBytes)
	if in.LeasedKeys > 0 {
		l.ItemMapBytes = goMapBytes(in.LeasedKeys, itemSlotBytes)
	}
	l.KeyStringBytes = in.KeyAllocBytes
	heapSlots := int64(mvcc.AppendCap(uint64(in.Leases), 8, false))
	l.ExpiryQueueBytes = in.Leases*leaseWithTimeBytes + goMapBytes(in.Leases, leaseSlotBytes) + goHeapBytes(heapSlots*8)
	l.FollowerBytes = l.LeaseObjectBytes + l.ItemSetBytes + l.LeaseMapBytes + l.ItemMapBytes + l.KeyStringBytes
	l.LeaderBytes = l.FollowerBytes + l.ExpiryQueueBytes
	if in.LongTTL > 0 {
		slots := int64(mvcc.AppendCap(uint64(in.LongTTL), 8, false))
		l.CheckpointBytes = in.LongTTL*leaseWithTimeBytes + goHeapBytes(slots*8)
	}
	return l
}

func lessorModel(in Inputs) Model {
	return Model{
		Name: "lessor",
		Model: "every member: leases x (Lease 112 B + revoke chan 112 B + itemSet map) + leaseMap + itemMap + leased key names in their size classes; " +
			"the leader adds its expiry heap: leases x (LeaseWithTime 48 B + map entry + heap slot); " +
			"Go maps as swiss tables: 48 B header, up to 8 entries one group of 8 slots, then tables of 16-1024 slots grown at 7/8 full, 1024-slot tables split in two",
		Inputs: map[string]int64{
			"leases": in.Leases, "leased_keys": in.LeasedKeys, "leased_key_alloc_bytes": in.Lessor.KeyAllocBytes, "long_ttl_leases": in.Lessor.LongTTL,
		},
		Assumptions: []string{
			"the member was restarted from this file: the lessor etcd rebuilds from the lease bucket and the keys' latest leases, nothing granted or attached since",
			"lease_bytes and the heap count the leader's lessor (the expiry heap included); a follower holds follower_bytes",
			"lease checkpointing is off (its default in 3.5 and 3.6): with it on the leader adds checkpoint_bytes",
			"Go 1.24 or later (swiss-table maps), 64-bit: etcd 3.6 and 3.7 releases; older Go (3.4 releases) lays maps out in buckets, which this does not follow",
			"keys hash evenly across a map's tables",
		},
	}
}
