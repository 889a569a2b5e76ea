package mvcc

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
	"github.com/dbinspect/dbinspect/pages"
	"go.etcd.io/etcd/api/v3/authpb"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

func FuzzParseBucketKey(f *testing.F) {
	f.Add(appendBucketKey(nil, BucketKey{Revision: Revision{Main: 5, Sub: 1}}))
	f.Add(appendBucketKey(nil, BucketKey{Revision: Revision{Main: 7}, Tombstone: true}))
	f.Add([]byte("alarm"))
	for _, s := range fixtureBucketSeeds(f, 50, "key") {
		f.Add(s[1])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := ParseBucketKey(b)
		if err != nil {
			return
		}
		// A parsed key re-encodes to the same bytes, except an unmarked
		// 18th byte, which etcd also reads as a put.
		enc := appendBucketKey(nil, k)
		if !bytes.Equal(enc, b) && !(len(b) == markedRevBytesLen && !k.Tombstone && bytes.Equal(enc, b[:revBytesLen])) {
			t.Fatalf("%x parsed as %+v re-encodes to %x", b, k, enc)
		}
	})
}

// FuzzDecodeKeyValue requires the zero-copy decoder to accept exactly what
// mvccpb's generated Unmarshal accepts and to read the same fields.
func FuzzDecodeKeyValue(f *testing.F) {
	for _, kv := range []mvccpb.KeyValue{
		{Key: []byte("/registry/pods/a/b"), CreateRevision: 2, ModRevision: 9, Version: 3, Value: []byte("v"), Lease: 7},
		{Key: []byte("k")},
		{Key: []byte("k"), CreateRevision: -1, Lease: -5},
	} {
		b, _ := kv.Marshal()
		f.Add(b)
	}
	for _, s := range fixtureBucketSeeds(f, 50, "key") {
		if len(s[2]) < 4096 { // a cut value is not a KeyValue
			f.Add(s[2])
		}
	}
	f.Add([]byte{0x3a, 0x00, 0x0a, 0x01, 'k'}) // unknown field 7 then key
	f.Add([]byte{0x0b, 0x0c})                  // group
	f.Fuzz(func(t *testing.T, b []byte) {
		// keyOfValue, the key table's warm-up shortcut, must not fail on
		// anything; it may differ from the full decode (a repeated key
		// field, where the last wins), which only changes what is warmed.
		if k, ok := keyOfValue(b); ok && (len(k) == 0 || len(k) > len(b)) {
			t.Fatalf("%x: keyOfValue gave %d bytes", b, len(k))
		}
		var want mvccpb.KeyValue
		wantErr := want.Unmarshal(b)
		var got keyValue
		gotErr := decodeKeyValue(b, &got)
		if (wantErr == nil) != (gotErr == nil) {
			t.Fatalf("%x: mvccpb err %v, ours %v", b, wantErr, gotErr)
		}
		if wantErr != nil {
			return
		}
		if !bytes.Equal(got.Key, want.Key) || !bytes.Equal(got.Value, want.Value) ||
			got.CreateRevision != want.CreateRevision || got.ModRevision != want.ModRevision ||
			got.Version != want.Version || got.Lease != want.Lease {
			t.Fatalf("%x: mvccpb %+v, ours %+v", b, want, got)
		}
	})
}

// FuzzScan feeds arbitrary key-bucket pairs and meta values to Scan: it
// must not panic, and its totals must stay consistent.
func FuzzScan(f *testing.F) {
	good, _ := (&mvccpb.KeyValue{Key: []byte("/a"), CreateRevision: 2, ModRevision: 2, Version: 1, Value: []byte("x")}).Marshal()
	f.Add(appendBucketKey(nil, BucketKey{Revision: Revision{Main: 2}}), good, appendBucketKey(nil, BucketKey{Revision: Revision{Main: 3}, Tombstone: true}), good, []byte{1})
	// Two Kubernetes objects: one encrypted, one protobuf.
	secret, _ := (&mvccpb.KeyValue{Key: []byte("/registry/secrets/ns/a"), CreateRevision: 2, ModRevision: 2, Version: 1, Value: []byte("k8s:enc:aescbc:v1:k:ct")}).Marshal()
	pod, _ := (&mvccpb.KeyValue{Key: []byte("/registry/pods/ns/p"), CreateRevision: 3, ModRevision: 3, Version: 1, Value: []byte("k8s\x00\x0a\x09\x0a\x02v1\x12\x03Pod\x12\x01x")}).Marshal()
	f.Add(appendBucketKey(nil, BucketKey{Revision: Revision{Main: 2}}), secret, appendBucketKey(nil, BucketKey{Revision: Revision{Main: 3}}), pod, []byte{1})
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2, metaRev []byte) {
		kv := newMemKV()
		kv.put("key", k1, v1)
		kv.put("key", k2, v2)
		kv.put("meta", []byte("finishedCompactRev"), metaRev)
		kv.put("lease", k1, v2)
		kv.put("alarm", v1, nil)
		kv.put("members", k2, v1)
		sum, err := Scan(kv, DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		if sum.TotalRevisions+sum.Malformed.Count != uint64(len(kv.buckets["key"])) {
			t.Fatalf("revisions %d + malformed %d != %d pairs", sum.TotalRevisions, sum.Malformed.Count, len(kv.buckets["key"]))
		}
		if sum.LiveBytes+sum.HistoryBytes != sum.KeyBucketBytes {
			t.Fatalf("byte totals disagree")
		}
		var histKeys, histRevs uint64
		for _, b := range sum.RevisionsPerKeyHistogram {
			histKeys += b.Keys
			histRevs += b.Revisions
		}
		if histKeys != sum.LiveKeys+sum.DeletedKeys || histRevs != sum.TotalRevisions {
			t.Fatalf("histogram holds %d keys, %d revisions; scan %d keys, %d revisions", histKeys, histRevs, sum.LiveKeys+sum.DeletedKeys, sum.TotalRevisions)
		}
		checkKube(t, sum)
		checkCompactionKeep(t, kv, sum)
	})
}

// checkKube: the Kubernetes tallies add up: every encoding, kind and
// resource list sums to the registry's objects and bytes, which are at
// most the live keys and their values.
func checkKube(t *testing.T, sum *Summary) {
	t.Helper()
	k := sum.Kube
	if k == nil {
		return
	}
	if k.Objects == 0 || k.Objects > sum.LiveKeys {
		t.Fatalf("kube objects %d of %d live keys", k.Objects, sum.LiveKeys)
	}
	sums := func(name string, n, b uint64) {
		if n != k.Objects || b != k.ValueBytes {
			t.Fatalf("%s sum to %d objects, %d bytes; registry %d, %d", name, n, b, k.Objects, k.ValueBytes)
		}
	}
	var n, b uint64
	for _, e := range k.Encodings {
		n, b = n+e.Objects, b+e.ValueBytes
	}
	sums("encodings", n, b)
	n, b = 0, 0
	for _, e := range k.Kinds {
		n, b = n+e.Objects, b+e.ValueBytes
	}
	sums("kinds", n, b)
	n, b = 0, 0
	for _, g := range k.Resources {
		n, b = n+g.Objects, b+g.ValueBytes
		if g.Plain+g.Encrypted+g.Unknown != g.Objects {
			t.Fatalf("%s: plain %d + encrypted %d + unknown %d != %d", g.Resource, g.Plain, g.Encrypted, g.Unknown, g.Objects)
		}
	}
	sums("resources", n, b)
}

// checkCompactionKeep requires the filter's drops to add up to the
// what-if, unless two pairs share a revision: etcd's compaction keeps by
// revision, so the filter keeps both, while the what-if counts pairs.
func checkCompactionKeep(t *testing.T, kv *memKV, sum *Summary) {
	keep, err := CompactionKeep(kv, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[Revision]bool{}
	var dropped, droppedBytes uint64
	for _, p := range kv.buckets["key"] {
		if bk, err := ParseBucketKey(p[0]); err == nil {
			if seen[bk.Revision] {
				return
			}
			seen[bk.Revision] = true
		}
		if !keep.Keep("key", p[0]) {
			dropped++
			droppedBytes += uint64(len(p[0]) + len(p[1]))
		}
	}
	if c := sum.Compaction; c.RemovedRevisions != dropped || c.RemovedBytes != droppedBytes {
		t.Fatalf("filter drops %d pairs, %d bytes; what-if removes %d, %d", dropped, droppedBytes, c.RemovedRevisions, c.RemovedBytes)
	}
}

// fixtureBucketSeeds returns up to max pairs of each named bucket from the
// sampled fixtures, read through dbinspect's own page reader; values over
// 4 KiB are cut there (fuzzing them whole only slows the fuzzer).
func fixtureBucketSeeds(f *testing.F, max int, buckets ...string) [][3][]byte {
	var out [][3][]byte
	for _, fx := range fixtures.Sample(f) {
		file, err := pages.Open(fixtures.Path(f, fx))
		if err != nil {
			f.Fatal(err)
		}
		have, err := file.BucketNames()
		if err != nil {
			f.Fatal(err)
		}
		for _, b := range buckets {
			if !slices.Contains(have, b) {
				continue
			}
			n := 0
			err := file.ForEach(b, func(k, v []byte) error {
				if n++; n > max {
					return errEnough
				}
				out = append(out, [3][]byte{[]byte(b), bytes.Clone(k), bytes.Clone(v[:min(len(v), 4096)])})
				return nil
			})
			if err != nil && !errors.Is(err, errEnough) {
				f.Fatalf("%s: bucket %s: %v", fx.Name, b, err)
			}
		}
		file.Close()
	}
	return out
}

var errEnough = errors.New("enough seeds")

// FuzzDecodeVarintFields checks the decoder behind leases and alarms
// against gogo's generated code for a message of the same kind:
// authpb.UserAddOptions has one varint field (NoPassword), so on any input
// both must fail or both succeed, skipping unknown fields alike, and agree
// on that field. The lease decode is the same loop with three fields.
func FuzzDecodeVarintFields(f *testing.F) {
	for _, s := range fixtureBucketSeeds(f, 20, "lease", "alarm") {
		if string(s[0]) == "lease" {
			f.Add(s[2])
		} else {
			f.Add(s[1])
		}
	}
	f.Add([]byte{0x08, 0x96, 0x01, 0x10, 0x3c, 0x18, 0x05}) // lease 150, TTL 60, remaining 5
	f.Add([]byte{0x08, 0x01, 0x2a, 0x01, 0x00, 0x10, 0x02}) // unknown bytes field 5
	f.Add([]byte{0x0b, 0x08, 0x01, 0x0c, 0x08, 0x01})       // group holding field 1
	f.Fuzz(func(t *testing.T, b []byte) {
		var want authpb.UserAddOptions
		wantErr := want.Unmarshal(b)
		var got [1]uint64
		gotErr := decodeVarintFields(b, got[:])
		if (wantErr == nil) != (gotErr == nil) {
			t.Fatalf("%x: gogo err %v, ours %v", b, wantErr, gotErr)
		}
		if wantErr == nil && (got[0] != 0) != want.NoPassword {
			t.Fatalf("%x: gogo NoPassword %v, ours %d", b, want.NoPassword, got[0])
		}
		// Three fields differ from one only in what counts as unknown:
		// fields 2 and 3 must then be varints.
		id, _, _, err := decodeLease(b)
		if err == nil && (gotErr != nil || uint64(id) != got[0]) {
			t.Fatalf("%x: decodeLease gave id %d, one-field decode %d (%v)", b, id, got[0], gotErr)
		}
	})
}

// FuzzOtherBuckets feeds arbitrary pairs to every non-key bucket decoder
// (lease, auth, members, cluster, alarm, meta): no panic, and no
// figure that the input cannot justify.
func FuzzOtherBuckets(f *testing.F) {
	names := []string{"lease", "auth", "authUsers", "authRoles", "members", "members_removed", "cluster", "alarm", "meta"}
	for _, s := range fixtureBucketSeeds(f, 5, names...) {
		for i, n := range names {
			if n == string(s[0]) {
				f.Add(uint8(i), s[1], s[2])
			}
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, k, v []byte) {
		kv := newMemKV()
		kv.put(names[int(which)%len(names)], k, v)
		sum, err := Scan(kv, DefaultOptions())
		if err != nil {
			return
		}
		if sum.Leases.Count+sum.Leases.Malformed > 1 || len(sum.Members) > 1 || len(sum.Alarms) > 1 ||
			sum.Auth.Users+sum.Auth.Roles > 1 {
			t.Fatalf("one pair gave leases %+v, %d members, %d alarms, auth %+v", sum.Leases, len(sum.Members), len(sum.Alarms), sum.Auth)
		}
	})
}
