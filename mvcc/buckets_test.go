package mvcc

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"go.etcd.io/etcd/api/v3/authpb"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func varintMsg(fields ...uint64) []byte {
	var b []byte
	for i, f := range fields {
		b = binary.AppendUvarint(b, uint64(i+1)<<3)
		b = binary.AppendUvarint(b, f)
	}
	return b
}

// Ensure that the lease, auth, members, cluster and alarm buckets are
// decoded, joined with the keys, and that foreign buckets are listed.
func TestOtherBuckets(t *testing.T) {
	m := newModel()
	m.txn(t, op{key: "/a", value: []byte("x"), lease: 0x10})
	m.txn(t, op{key: "/b", value: []byte("x"), lease: 0x10})
	m.txn(t, op{key: "/c", value: []byte("x"), lease: 0x99}) // lease not in the bucket
	m.txn(t, op{key: "/d", value: []byte("x"), lease: 0x20})
	m.txn(t, op{del: true, key: "/d"}) // a delete detaches the key
	kv := m.kv
	kv.put("lease", u64(0x10), varintMsg(0x10, 60))
	kv.put("lease", u64(0x20), varintMsg(0x20, 3600, 100))
	kv.put("lease", u64(0x30), varintMsg(0x31, 5)) // ID differs from its key
	kv.put("auth", []byte("authEnabled"), []byte{1})
	kv.put("auth", []byte("authRevision"), u64(7))
	for _, name := range []string{"root", "alice"} {
		u := authpb.User{Name: []byte(name), Password: []byte("secret-hash")}
		if name == "alice" {
			u.Options = &authpb.UserAddOptions{NoPassword: true}
		}
		b, _ := u.Marshal()
		kv.put("authUsers", []byte(name), b)
	}
	r, _ := (&authpb.Role{Name: []byte("root")}).Marshal()
	kv.put("authRoles", []byte("root"), r)
	mem, _ := json.Marshal(map[string]any{"id": uint64(0x8e9e05c52164694d), "peerURLs": []string{"http://127.0.0.1:2380"}, "name": "default", "clientURLs": []string{"http://127.0.0.1:2379"}})
	kv.put("members", []byte("8e9e05c52164694d"), mem)
	kv.put("members_removed", []byte("1234"), []byte("removed"))
	kv.put("cluster", []byte("clusterVersion"), []byte("3.6.0"))
	kv.put("alarm", varintMsg(0x8e9e05c52164694d, 1), nil)
	kv.put("mystery", []byte("k"), []byte("v"))
	kv.put("meta", []byte("consistent_index"), u64(42))
	kv.put("meta", []byte("term"), u64(3))
	kv.put("meta", []byte("storageVersion"), []byte("3.6.0"))
	kv.put("meta", []byte("confState"), []byte(`{"voters":[10276657743932975437],"auto_leave":false}`))

	sum, err := Scan(kv, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	l := sum.Leases
	if l.Count != 2 || l.Malformed != 1 || l.AttachedKeys != 2 || l.LeasesWithoutKeys != 1 ||
		l.KeysWithMissingLease != 1 || l.MissingLeases != 1 || l.WithRemainingTTL != 1 || l.MinTTL != 60 || l.TTL.Max != 3600 {
		t.Errorf("leases = %+v", l)
	}
	if len(l.Top) != 1 || l.Top[0].ID != "10" || l.Top[0].Keys != 2 {
		t.Errorf("top leases = %+v", l.Top)
	}
	if sum.Restore.LeasedKeys != 3 || sum.Restore.LeasedKeyAllocBytes != 3*8 {
		t.Errorf("leased keys = %d (%d B of names), want 3 (a, b, c: 8 B each)", sum.Restore.LeasedKeys, sum.Restore.LeasedKeyAllocBytes)
	}
	// 0x20 lost /d; 0x10 has /a and /b.
	if want := []KeysPerLeaseCount{{Keys: 0, Leases: 1}, {Keys: 2, Leases: 1}}; !reflect.DeepEqual(l.KeysPerLeaseCounts, want) {
		t.Errorf("keys per lease counts = %+v, want %+v", l.KeysPerLeaseCounts, want)
	}
	// 0x10's TTL is 60 s; 0x20's is 3600 s but its checkpointed remaining
	// TTL, 100 s, is what counts: neither outlives the 5 min interval.
	if l.LongTTL != 0 {
		t.Errorf("long TTL leases = %d, want 0", l.LongTTL)
	}
	a := sum.Auth
	if !a.Enabled || a.Revision != 7 || a.Users != 2 || a.UsersNoPassword != 1 || a.Roles != 1 || !a.RootUser || !a.RootRole {
		t.Errorf("auth = %+v", a)
	}
	if len(sum.Members) != 1 || sum.Members[0].ID != "8e9e05c52164694d" || sum.Members[0].Name != "default" || len(sum.Members[0].PeerURLs) != 1 {
		t.Errorf("members = %+v", sum.Members)
	}
	if len(sum.RemovedMembers) != 1 || sum.RemovedMembers[0] != "1234" {
		t.Errorf("removed members = %v", sum.RemovedMembers)
	}
	if sum.Cluster.Version != "3.6.0" {
		t.Errorf("cluster = %+v", sum.Cluster)
	}
	if len(sum.Alarms) != 1 || sum.Alarms[0].Type != "NOSPACE" || sum.Alarms[0].MemberID != "8e9e05c52164694d" {
		t.Errorf("alarms = %+v", sum.Alarms)
	}
	if len(sum.UnknownBuckets) != 1 || sum.UnknownBuckets[0] != `"mystery"` {
		t.Errorf("unknown buckets = %v", sum.UnknownBuckets)
	}
	if sum.ConsistentIndex != 42 || sum.Term != 3 || sum.StorageVersion != "3.6.0" || sum.Meta.ConfState == nil || len(sum.Meta.ConfState.Voters) != 1 {
		t.Errorf("meta = %+v", sum.Meta)
	}
	if !strings.HasPrefix(sum.Meta.EtcdVersions, "3.6") || sum.Etcdutl.Version != "3.6.0" {
		t.Errorf("versions = %q, etcdutl %q", sum.Meta.EtcdVersions, sum.Etcdutl.Version)
	}
	js, _ := json.Marshal(sum)
	if strings.Contains(string(js), "secret-hash") || strings.Contains(string(js), `"x"`) {
		t.Errorf("summary JSON leaks a stored value: %s", js)
	}
}

// Ensure that malformed entries are counted with their position, etcd's
// view of the remaining entries is unchanged, and read errors are kept.
func TestMalformedEntriesAreCountedAndSkipped(t *testing.T) {
	m := newModel()
	m.txn(t, op{key: "/a", value: []byte("1")})
	m.txn(t, op{key: "/a", value: []byte("2")})
	m.txn(t, op{key: "/b", value: []byte("1")})
	good, err := Scan(m.kv, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	bad := func(main int64) []byte { return appendBucketKey(nil, BucketKey{Revision: Revision{Main: main}}) }
	val, _ := (&mvccpb.KeyValue{Key: []byte("/z"), ModRevision: 5, Version: 1}).Marshal()
	cases := []struct {
		name   string
		k, v   []byte
		reason string
	}{
		{"short key", []byte("abc"), val, "17 or 18"},
		{"no separator", append(append(u64(2), 'x'), u64(1)...), val, "'_'"},
		{"negative", append(append(u64(1<<63), '_'), u64(0)...), val, "negative"},
		{"revision zero", bad(0), val, "below the range"},
		{"truncated value", append(bad(2), 'z'), val[:len(val)-3], "mvccpb.KeyValue"},
		{"wrong wire type", append(bad(2), 'y'), []byte{0x08 | 0x02, 0x01}, "mvccpb.KeyValue"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			kv := newMemKV()
			for b, pairs := range m.kv.buckets {
				kv.buckets[b] = append([][2][]byte(nil), pairs...)
			}
			kv.put("key", c.k, c.v)
			sum, err := Scan(kv, DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			if sum.Malformed.Count != 1 || len(sum.Malformed.First) != 1 || !strings.Contains(sum.Malformed.First[0].Reason, c.reason) {
				t.Fatalf("malformed = %+v, want one with %q", sum.Malformed, c.reason)
			}
			// The position is the entry's index in the bucket.
			i := sum.Malformed.First[0].Index
			if string(kv.buckets["key"][i][0]) != string(c.k) {
				t.Errorf("reported index %d does not hold the bad entry", i)
			}
			if sum.LiveKeys != good.LiveKeys || sum.TotalRevisions != good.TotalRevisions || sum.Index != good.Index {
				t.Errorf("a bad entry changed the index: %d keys %d revisions, want %d %d", sum.LiveKeys, sum.TotalRevisions, good.LiveKeys, good.TotalRevisions)
			}
		})
	}

	kv := newMemKV()
	for b, pairs := range m.kv.buckets {
		kv.buckets[b] = pairs
	}
	kv.failOn = "key"
	sum, err := Scan(kv, DefaultOptions())
	if err != nil || len(sum.ReadErrors) != 1 || sum.LiveKeys != good.LiveKeys {
		t.Errorf("read error: err=%v read errors=%v live=%d", err, sum.ReadErrors, sum.LiveKeys)
	}

	if _, err := Scan(&memKV{buckets: map[string][][2][]byte{"other": nil}}, DefaultOptions()); !errors.Is(err, ErrNotEtcd) {
		t.Errorf("a file without a key bucket gave %v, want ErrNotEtcd", err)
	}
}

// Ensure that etcd's revision rule (raise to the compaction revisions) is
// applied and explained when it differs from etcdutl's.
func TestRevisionRaisedToCompaction(t *testing.T) {
	m := newModel()
	m.txn(t, op{key: "/a", value: []byte("1")})
	m.txn(t, op{key: "/a", value: []byte("2")})
	// An older etcd compacted at 9 and dropped the tombstones after rev 3.
	m.kv.put("meta", []byte("finishedCompactRev"), appendBucketKey(nil, BucketKey{Revision: Revision{Main: 9}}))
	m.kv.put("meta", []byte("scheduledCompactRev"), appendBucketKey(nil, BucketKey{Revision: Revision{Main: 9}}))
	sum, err := Scan(m.kv, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Revision != 9 || sum.Etcdutl.Revision != 3 || !strings.Contains(sum.Etcdutl.Why, "compaction at 9") {
		t.Errorf("revision %d, etcdutl %d, why %q", sum.Revision, sum.Etcdutl.Revision, sum.Etcdutl.Why)
	}
	if sum.Meta.UnfinishedCompaction {
		t.Errorf("finished compaction flagged as unfinished")
	}
}
