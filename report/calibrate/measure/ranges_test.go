package measure

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

// The rebuilt RangeResponse must marshal to etcd's bytes and decode them
// back, or the per-byte cost calibrate measures is not etcd's.
func TestRangeResponseMatchesEtcd(t *testing.T) {
	for _, n := range []int{0, 1, 3, 200} {
		r := rand.New(rand.NewSource(int64(n)))
		kvs := make([]mvccpb.KeyValue, n)
		for i := range kvs {
			v := make([]byte, r.Intn(3000))
			r.Read(v)
			kvs[i] = mvccpb.KeyValue{Key: fmt.Appendf(nil, "/registry/pods/ns-%02d/obj-%07d", i%7, i), Value: v,
				CreateRevision: int64(i + 1), ModRevision: int64(1000 + i*300), Version: int64(1 + i%3), Lease: int64(i % 2)}
		}
		for _, more := range []bool{false, true} {
			ours := &rangeResponse{header: rangeHeader{clusterID: 0x1234567890abcdef, memberID: 77, revision: 123456789, raftTerm: 2}, more: more, count: int64(n)}
			theirs := &pb.RangeResponse{Header: &pb.ResponseHeader{ClusterId: 0x1234567890abcdef, MemberId: 77, Revision: 123456789, RaftTerm: 2}, More: more, Count: int64(n)}
			for i := range kvs {
				ours.kvs = append(ours.kvs, &kvs[i])
				theirs.Kvs = append(theirs.Kvs, &kvs[i])
			}
			got, err := ours.marshal()
			if err != nil {
				t.Fatal(err)
			}
			want, err := theirs.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%d kvs, more %v: marshalled %d bytes, etcd's RangeResponse %d, or different bytes", n, more, len(got), len(want))
			}
			var back rangeResponse
			if err := back.unmarshal(want); err != nil {
				t.Fatal(err)
			}
			if back.header != ours.header || back.more != more || back.count != int64(n) || len(back.kvs) != n {
				t.Fatalf("decoded %+v more %v count %d, %d kvs", back.header, back.more, back.count, len(back.kvs))
			}
			for i, kv := range back.kvs {
				w := &kvs[i]
				if !bytes.Equal(kv.Key, w.Key) || !bytes.Equal(kv.Value, w.Value) || kv.CreateRevision != w.CreateRevision ||
					kv.ModRevision != w.ModRevision || kv.Version != w.Version || kv.Lease != w.Lease {
					t.Fatalf("kv %d decoded differently", i)
				}
			}
		}
	}
}

func TestRangeResponseRejectsGarbage(t *testing.T) {
	for _, b := range [][]byte{{0x12}, {0x12, 0x05, 1}, {0x0a, 0x02, 0x08}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}} {
		var r rangeResponse
		if err := r.unmarshal(b); err == nil {
			t.Errorf("%x decoded without an error", b)
		}
	}
}

func TestAscendRangeStartsAndStops(t *testing.T) {
	tr := newBtree(func(a, b int) bool { return a < b })
	r := rand.New(rand.NewSource(9))
	for range 5000 {
		tr.ReplaceOrInsert(r.Intn(20000))
	}
	var all []int
	tr.Ascend(func(x int) { all = append(all, x) })
	for _, from := range []int{-1, 0, 1, 777, 9999, 19999, 20000, 30000} {
		for _, stop := range []int{0, 1, 10, 100000} {
			var got []int
			tr.ascendRange(from, func(x int) bool {
				if len(got) == stop {
					return false
				}
				got = append(got, x)
				return true
			})
			var want []int
			for _, x := range all {
				if x >= from && len(want) < stop {
					want = append(want, x)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("from %d, stop after %d: %d items, want %d", from, stop, len(got), len(want))
			}
		}
	}
}

func TestKeyIndexGetAtRevision(t *testing.T) {
	ki := &etcdKeyIndex{key: []byte("k"), generations: []etcdGeneration{
		{ver: 2, created: etcdRevision{2, 0}, revs: []etcdRevision{{2, 0}, {4, 0}, {6, 0}}}, // deleted at 6
		{ver: 1, created: etcdRevision{8, 1}, revs: []etcdRevision{{8, 1}, {9, 0}}},
	}}
	for _, tc := range []struct {
		at   int64
		want int64
		ok   bool
	}{{1, 0, false}, {2, 2, true}, {5, 4, true}, {6, 0, false}, {7, 0, false}, {8, 8, true}, {100, 9, true}} {
		rev, ok := ki.get(tc.at)
		if ok != tc.ok || (ok && rev.main != tc.want) {
			t.Errorf("get(%d) = %v %v, want %d %v", tc.at, rev, ok, tc.want, tc.ok)
		}
	}
}

func TestRangeStoreServesEveryKey(t *testing.T) {
	dir := t.TempDir()
	specs := []rangeSpec{{"events", 2500, 300, 50}, {"configmaps", 300, 4096, 10}}
	s, err := newRangeStore(filepath.Join(dir, "r.db"), specs)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	conn, err := dialLoopback()
	if err != nil {
		t.Skipf("no loopback: %v", err)
	}
	defer conn.close()
	for _, tc := range []struct {
		prefix string
		keys   int
	}{{"/registry/events/", 2500}, {"/registry/configmaps/", 300}, {"/registry/events/ns-07/", 50}, {"/registry/configmaps/ns-00/", 30}, {"/registry/pods/", 0}, {"/registry/", 2800}} {
		secs, b, n, err := s.timeRange(conn, tc.prefix)
		if err != nil {
			t.Fatal(err)
		}
		if n != tc.keys || !(secs > 0) {
			t.Errorf("%s: %d keys in %v s, want %d", tc.prefix, n, secs, tc.keys)
		}
		// The response is the keys' marshalled KeyValues, framed, and a
		// header.
		if tc.keys > 0 {
			kv := mvccpb.KeyValue{Key: []byte("/registry/events/ns-00/obj-0000000"), Value: make([]byte, 300), CreateRevision: 2, ModRevision: 2, Version: 1}
			if tc.prefix == "/registry/events/" && (b < tc.keys*kv.Size() || b > tc.keys*(kv.Size()+4)+100) {
				t.Errorf("%s: %d response bytes for %d keys of %d", tc.prefix, b, tc.keys, kv.Size())
			}
		}
		_, counted := s.timeCount(tc.prefix)
		if counted != tc.keys {
			t.Errorf("%s: count-only counted %d, want %d", tc.prefix, counted, tc.keys)
		}
	}
}

// TestMeasureRangesFits checks the fit's inputs and its outputs: every key
// timed, the coefficients positive, and the two shapes' times reproduced
// by the model the fit solved (exactly, up to the clamp).
func TestMeasureRangesFits(t *testing.T) {
	if testing.Short() {
		t.Skip("times ranges")
	}
	keys := 20000
	if v, err := strconv.Atoi(os.Getenv("DBINSPECT_RANGE_KEYS")); err == nil && v > 0 {
		keys = v
	}
	fit, secs, err := measureRanges(t.TempDir(), keys)
	if err != nil {
		t.Fatal(err)
	}
	if !(fit.walk > 0) || !(fit.perKey > 0) || !(fit.perByte > 0) || !(secs > 0) || len(fit.shapes) != 2 {
		t.Fatalf("fit %+v in %v s", fit, secs)
	}
	// fitTwo clamps a non-positive solution (noise on a loaded machine can
	// give one) to values that look ordinary: the exact solution, solved
	// here again, says whether the fit must reproduce both shapes.
	a, b := fit.shapes[0], fit.shapes[1]
	ta, tb := a.secs-float64(a.keys)*fit.walk, b.secs-float64(b.keys)*fit.walk
	det := float64(a.keys)*float64(b.bytes) - float64(b.keys)*float64(a.bytes)
	exact := det != 0 && (ta*float64(b.bytes)-tb*float64(a.bytes))/det > 0 && (float64(a.keys)*tb-float64(b.keys)*ta)/det > 0
	for _, sh := range fit.shapes {
		model := float64(sh.keys)*(fit.walk+fit.perKey) + float64(sh.bytes)*fit.perByte
		t.Logf("%s: %d keys, %d B, %.4f s; model %.4f s", sh.prefix, sh.keys, sh.bytes, sh.secs, model)
		if exact && (model < 0.99*sh.secs || model > 1.01*sh.secs) {
			t.Errorf("%s: the fit gives %.4f s, measured %.4f s", sh.prefix, model, sh.secs)
		}
	}
	// The second walk is in an index largeWalkFactor times the store's
	// events, which hold keys of its keys + keys/20 (at least 100).
	if fit.largeKeys != float64(keys*largeWalkFactor) || fit.smallKeys != float64(keys+max(keys/20, 100)) || !(fit.walkLarge > 0) ||
		fit.interfaceFactor < 1 || fit.interfaceFactor > 3 {
		t.Errorf("large walk %.0f ns/key at %.0f keys, small at %.0f keys", fit.walkLarge*1e9, fit.largeKeys, fit.smallKeys)
	}
	t.Logf("walk %.0f ns/key (%.0f ns/key at %.0f keys, x%.2f with interface items), read %.2f us/key, %.2f ns/byte", fit.walk*1e9, fit.walkLarge*1e9, fit.largeKeys, fit.interfaceFactor, fit.perKey*1e6, fit.perByte*1e9)
}

// A bare index holds every key of its spec, walks them in key order and
// counts them all at its revision.
func TestBareIndexCountsItsKeys(t *testing.T) {
	sp := rangeSpec{"events", 1234, 300, 7}
	s := newBareIndex(sp)
	if secs, n := s.timeCount(sp.prefix()); n != sp.keys || !(secs > 0) {
		t.Fatalf("counted %d keys of %d in %v s", n, sp.keys, secs)
	}
	if _, n := s.timeCount("/registry/events/ns-00/"); n != (sp.keys+sp.namespaces-1)/sp.namespaces {
		t.Errorf("ns-00 counted %d keys, want %d", n, (sp.keys+sp.namespaces-1)/sp.namespaces)
	}
	var prev []byte
	s.tree.ascendRange(&etcdKeyIndex{key: []byte("/")}, func(ki *etcdKeyIndex) bool {
		if prev != nil && string(ki.key) <= string(prev) {
			t.Fatalf("keys out of order: %q after %q", ki.key, prev)
		}
		prev = ki.key
		return true
	})
}
