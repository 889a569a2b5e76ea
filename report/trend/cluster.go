package trend

import (
	"crypto/sha1"
	"encoding/binary"
	"fmt"
	"sort"
	"strconv"
)

// ClusterID derives a cluster ID from the member IDs (hex) of the members
// bucket as etcd derives a new cluster's ID (membership.RaftCluster.genID:
// the first 8 bytes of the SHA-1 of the sorted member IDs, big-endian).
// It equals etcd's cluster ID while the membership is the one the cluster
// was started with; a member added or removed since changes it. The db
// does not store the ID itself (the WAL does). "" when no ID parses.
func ClusterID(memberIDs []string) string {
	var ids []uint64
	for _, s := range memberIDs {
		if id, err := strconv.ParseUint(s, 16, 64); err == nil {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return ""
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	b := make([]byte, 8*len(ids))
	for i, id := range ids {
		binary.BigEndian.PutUint64(b[8*i:], id)
	}
	h := sha1.Sum(b)
	return fmt.Sprintf("%x", binary.BigEndian.Uint64(h[:8]))
}
