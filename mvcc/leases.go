package mvcc

import (
	"fmt"
	"sort"
)

// checkpointIntervalSeconds is etcd's default lease checkpoint interval
// (lease.defaultLeaseCheckpointInterval, 3.4 to 3.7).
const checkpointIntervalSeconds = 5 * 60

// summariseLeases joins the lease bucket with the keys' latest leases, the
// way etcd attaches keys to leases after restore.
func (sc *scanner) summariseLeases(sum *Summary) {
	ls := sc.other.ls
	leases := sc.other.leases
	ls.Count = uint64(len(leases))
	attached := map[int64]uint64{}
	if sc.sout != nil {
		attached = sc.sout.attached
	}
	sc.table.each(func(_ int, s *keyState) {
		if s.live && s.lease != 0 {
			attached[s.lease]++
		}
	})
	ttls := make([]int64, 0, len(leases))
	perLease := make([]uint32, 0, len(leases))
	known := make(map[int64]bool, len(leases))
	top := make([]LeaseStat, 0, len(leases))
	counts := map[uint64]uint64{}
	for _, l := range leases {
		known[l.id] = true
		ttls = append(ttls, l.ttl)
		n := attached[l.id]
		perLease = append(perLease, clamp32(n))
		counts[n]++
		if rem := l.remaining; rem > checkpointIntervalSeconds || (rem <= 0 && l.ttl > checkpointIntervalSeconds) {
			ls.LongTTL++
		}
		ls.AttachedKeys += n
		if n == 0 {
			ls.LeasesWithoutKeys++
		} else {
			top = append(top, LeaseStat{ID: fmt.Sprintf("%x", l.id), TTL: l.ttl, Keys: n})
		}
	}
	for id, n := range attached {
		if !known[id] {
			ls.MissingLeases++
			ls.KeysWithMissingLease += n
		}
	}
	if len(ttls) > 0 {
		ls.TTL = distribution64(ttls) // sorts ttls
		ls.MinTTL = ttls[0]
	}
	ls.KeysPerLease = distribution32(perLease)
	for k, n := range counts {
		ls.KeysPerLeaseCounts = append(ls.KeysPerLeaseCounts, KeysPerLeaseCount{Keys: k, Leases: n})
	}
	sort.Slice(ls.KeysPerLeaseCounts, func(i, j int) bool { return ls.KeysPerLeaseCounts[i].Keys < ls.KeysPerLeaseCounts[j].Keys })
	sort.Slice(top, func(i, j int) bool {
		if top[i].Keys != top[j].Keys {
			return top[i].Keys > top[j].Keys
		}
		return top[i].ID < top[j].ID
	})
	if len(top) > sc.opts.TopN {
		top = top[:sc.opts.TopN]
	}
	ls.Top = top
	sum.Leases = ls
}
