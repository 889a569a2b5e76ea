package mvcc

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"

	"go.etcd.io/etcd/api/v3/authpb"
)

// knownBuckets are the root buckets etcd 3.4-3.7 create (schema/bucket.go).
var knownBuckets = map[string]bool{
	"key": true, "meta": true, "lease": true, "alarm": true, "cluster": true,
	"members": true, "members_removed": true, "auth": true, "authUsers": true, "authRoles": true,
}

// LeaseSummary describes the lease bucket and the keys attached to leases.
type LeaseSummary struct {
	Count uint64 `json:"count"`
	// TTL is the granted TTL in seconds over all leases (Min in MinTTL).
	TTL    Distribution `json:"ttl_seconds"`
	MinTTL int64        `json:"min_ttl_seconds"`
	// WithRemainingTTL counts leases with a checkpointed remaining TTL.
	WithRemainingTTL uint64 `json:"with_remaining_ttl"`
	// KeysPerLease is over leases present in the bucket.
	KeysPerLease      Distribution `json:"keys_per_lease"`
	AttachedKeys      uint64       `json:"attached_keys"`
	LeasesWithoutKeys uint64       `json:"leases_without_keys"`
	// KeysWithMissingLease are live keys naming a lease the bucket lacks:
	// etcd logs "failed to attach a lease" for each at startup.
	KeysWithMissingLease uint64      `json:"keys_with_missing_lease"`
	MissingLeases        uint64      `json:"missing_leases"`
	Top                  []LeaseStat `json:"top,omitempty"`
	Malformed            uint64      `json:"malformed"`
	// KeysPerLeaseCounts is the whole distribution behind KeysPerLease:
	// how many leases have each number of attached keys, by keys
	// ascending (at most ~sqrt(2 x attached keys) entries). The lessor
	// memory model sizes each lease's itemSet map from it.
	KeysPerLeaseCounts []KeysPerLeaseCount `json:"-"`
	// LongTTL counts leases whose remaining TTL (the checkpointed one,
	// else the granted one) exceeds etcd's default lease checkpoint
	// interval, 5 minutes: with lease checkpointing on, the leader keeps a
	// checkpoint entry for each.
	LongTTL uint64 `json:"-"`
}

// KeysPerLeaseCount is Leases leases with Keys attached keys each.
type KeysPerLeaseCount struct {
	Keys   uint64
	Leases uint64
}

// LeaseStat is one lease and the keys attached to it.
type LeaseStat struct {
	ID   string `json:"id"` // hex, as etcdctl prints it
	TTL  int64  `json:"ttl_seconds"`
	Keys uint64 `json:"keys"`
}

// AuthSummary describes the auth buckets; passwords are never read out.
type AuthSummary struct {
	Enabled          bool   `json:"enabled"`
	Revision         uint64 `json:"revision"`
	Users            uint64 `json:"users"`
	UsersNoPassword  uint64 `json:"users_no_password"`
	Roles            uint64 `json:"roles"`
	RootUser         bool   `json:"root_user"`
	RootRole         bool   `json:"root_role"`
	MalformedEntries uint64 `json:"malformed_entries"`
}

// Member is one entry of the members bucket.
type Member struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	PeerURLs   []string `json:"peer_urls"`
	ClientURLs []string `json:"client_urls"`
	IsLearner  bool     `json:"is_learner"`
	Problem    string   `json:"problem,omitempty"`
}

// ClusterInfo is the cluster bucket.
type ClusterInfo struct {
	Version          string `json:"version,omitempty"`
	DowngradeTarget  string `json:"downgrade_target,omitempty"`
	DowngradeEnabled bool   `json:"downgrade_enabled"`
	Problem          string `json:"problem,omitempty"`
}

// Alarm is one raised alarm (alarm bucket).
type Alarm struct {
	MemberID string `json:"member_id"`
	Type     string `json:"type"` // NOSPACE, CORRUPT
}

type leaseRec struct{ id, ttl, remaining int64 }

// otherBuckets decodes every bucket except key and meta.
type otherBuckets struct {
	leases  []leaseRec
	ls      LeaseSummary
	auth    AuthSummary
	members []Member
	removed []string
	cluster ClusterInfo
	alarms  []Alarm
}

func (o *otherBuckets) add(bucket string, k, v []byte) {
	switch bucket {
	case "lease":
		o.addLease(k, v)
	case "auth":
		switch string(k) {
		case "authEnabled":
			o.auth.Enabled = len(v) == 1 && v[0] == 1
		case "authRevision":
			if len(v) == 8 {
				o.auth.Revision = binary.BigEndian.Uint64(v)
			} else {
				o.auth.MalformedEntries++
			}
		}
	case "authUsers":
		var u authpb.User
		if err := u.Unmarshal(v); err != nil {
			o.auth.MalformedEntries++
			return
		}
		o.auth.Users++
		if u.Options != nil && u.Options.NoPassword {
			o.auth.UsersNoPassword++
		}
		if string(k) == "root" {
			o.auth.RootUser = true
		}
	case "authRoles":
		var r authpb.Role
		if err := r.Unmarshal(v); err != nil {
			o.auth.MalformedEntries++
			return
		}
		o.auth.Roles++
		if string(k) == "root" {
			o.auth.RootRole = true
		}
	case "members":
		o.members = append(o.members, decodeMember(k, v))
	case "members_removed":
		o.removed = append(o.removed, memberIDString(k))
	case "cluster":
		switch string(k) {
		case "clusterVersion":
			o.cluster.Version = boundedString(v, 64)
		case "downgrade":
			var d struct {
				Target  string `json:"target-version"`
				Enabled bool   `json:"enabled"`
			}
			if len(v) > maxMetaValue || json.Unmarshal(v, &d) != nil {
				o.cluster.Problem = "downgrade is not JSON"
				return
			}
			o.cluster.DowngradeTarget, o.cluster.DowngradeEnabled = boundedString([]byte(d.Target), 64), d.Enabled
		}
	case "alarm":
		// The key is an etcdserverpb.AlarmMember{MemberID=1, Alarm=2}.
		var f [2]uint64
		if err := decodeVarintFields(k, f[:]); err != nil {
			o.alarms = append(o.alarms, Alarm{Type: "malformed"})
			return
		}
		o.alarms = append(o.alarms, Alarm{MemberID: fmt.Sprintf("%x", f[0]), Type: alarmName(int32(f[1]))})
	}
}

func (o *otherBuckets) addLease(k, v []byte) {
	if len(k) != 8 {
		o.ls.Malformed++
		return
	}
	id, ttl, remaining, err := decodeLease(v)
	if err != nil || id != int64(binary.BigEndian.Uint64(k)) {
		o.ls.Malformed++
		return
	}
	o.leases = append(o.leases, leaseRec{id: id, ttl: ttl, remaining: remaining})
	if remaining > 0 {
		o.ls.WithRemainingTTL++
	}
}

// decodeLease decodes leasepb.Lease{ID=1, TTL=2, RemainingTTL=3}.
func decodeLease(data []byte) (id, ttl, remaining int64, err error) {
	var f [3]uint64
	if err := decodeVarintFields(data, f[:]); err != nil {
		return 0, 0, 0, err
	}
	return int64(f[0]), int64(f[1]), int64(f[2]), nil
}

// decodeVarintFields decodes a protobuf message whose fields 1..len(out)
// are varints into out, skipping unknown fields the way gogo does; the
// last occurrence of a field wins.
func decodeVarintFields(data []byte, out []uint64) error {
	i := 0
	for i < len(data) {
		wire, n, err := readVarint(data, i)
		if err != nil {
			return err
		}
		// gogo truncates the field number to int32, so a tag beyond that
		// range names a low field: do the same.
		field, wt := int32(wire>>3), wire&7
		if field <= 0 || wt == 4 {
			return fmt.Errorf("proto: illegal tag %d", wire)
		}
		if int(field) <= len(out) {
			if wt != 0 {
				return fmt.Errorf("proto: wrong wire type %d for field %d", wt, field)
			}
			v, n2, err := readVarint(data, n)
			if err != nil {
				return err
			}
			out[field-1], i = v, n2
			continue
		}
		skip, err := skipProtoField(data[i:])
		if err != nil {
			return err
		}
		if skip <= 0 || i+skip > len(data) {
			return errProtoInvalidLength
		}
		i += skip
	}
	return nil
}

// alarmName follows etcdserverpb.AlarmType_name.
func alarmName(t int32) string {
	switch t {
	case 0:
		return "NONE"
	case 1:
		return "NOSPACE"
	case 2:
		return "CORRUPT"
	}
	return "type " + strconv.Itoa(int(t))
}

func decodeMember(k, v []byte) Member {
	m := Member{ID: memberIDString(k)}
	if len(v) > maxMetaValue {
		m.Problem = "member record too large"
		return m
	}
	var rec struct {
		PeerURLs   []string `json:"peerURLs"`
		IsLearner  bool     `json:"isLearner"`
		Name       string   `json:"name"`
		ClientURLs []string `json:"clientURLs"`
	}
	if err := json.Unmarshal(v, &rec); err != nil {
		m.Problem = "member record is not JSON"
		return m
	}
	m.Name, m.PeerURLs, m.ClientURLs, m.IsLearner = rec.Name, rec.PeerURLs, rec.ClientURLs, rec.IsLearner
	return m
}

// memberIDString keeps a well-formed hex member id and quotes anything else.
func memberIDString(k []byte) string {
	if len(k) > 0 && len(k) <= 16 {
		if _, err := strconv.ParseUint(string(k), 16, 64); err == nil {
			return string(k)
		}
	}
	return "invalid:" + hex.EncodeToString(k[:min(len(k), 32)])
}

func boundedString(b []byte, n int) string {
	if len(b) > n {
		return strconv.Quote(string(b[:n])) + "..."
	}
	return string(b)
}
