package wal

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
	"go.etcd.io/etcd/api/v3/authpb"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/membershippb"
	"go.etcd.io/raft/v3/raftpb"
)

// The oracle: how the reader named entries with etcdserverpb's generated
// Unmarshal before irr.go replaced it (etcd's apply order: an
// InternalRaftRequest, else a v2 Request).

func oracleClassify(typ raftpb.EntryType, data []byte) (Kind, uint32) {
	if typ != raftpb.EntryNormal || len(data) == 0 {
		return classify(typ, data) // conf changes and no-ops never used etcdserverpb
	}
	var r pb.InternalRaftRequest
	if err := r.Unmarshal(data); err == nil {
		if r.Txn != nil {
			return KindTxn, uint32(len(r.Txn.Success))
		}
		return oracleIRRKind(&r), 1
	}
	var v2 pb.Request
	if err := v2.Unmarshal(data); err == nil {
		return KindV2Request, 1
	}
	return KindUndecodable, 0
}

func oracleIRRKind(r *pb.InternalRaftRequest) Kind {
	switch {
	case r.Put != nil:
		return KindPut
	case r.Txn != nil:
		return KindTxn
	case r.DeleteRange != nil:
		return KindDeleteRange
	case r.Compaction != nil:
		return KindCompaction
	case r.Range != nil:
		return KindRange
	case r.LeaseGrant != nil:
		return KindLeaseGrant
	case r.LeaseRevoke != nil:
		return KindLeaseRevoke
	case r.LeaseCheckpoint != nil:
		return KindLeaseCheckpoint
	case r.Alarm != nil:
		return KindAlarm
	case r.ClusterVersionSet != nil:
		return KindClusterVersionSet
	case r.ClusterMemberAttrSet != nil:
		return KindMemberAttrSet
	case r.DowngradeInfoSet != nil:
		return KindDowngradeInfoSet
	case r.DowngradeVersionTest != nil:
		return KindDowngradeTest
	case r.V2 != nil:
		return KindIRRv2
	case r.AuthEnable != nil, r.AuthDisable != nil, r.AuthStatus != nil, r.Authenticate != nil,
		r.AuthUserAdd != nil, r.AuthUserDelete != nil, r.AuthUserGet != nil, r.AuthUserChangePassword != nil,
		r.AuthUserGrantRole != nil, r.AuthUserRevokeRole != nil, r.AuthUserList != nil, r.AuthRoleList != nil,
		r.AuthRoleAdd != nil, r.AuthRoleDelete != nil, r.AuthRoleGet != nil, r.AuthRoleGrantPermission != nil,
		r.AuthRoleRevokePermission != nil:
		return KindAuth
	}
	return KindIRREmpty
}

func oracleMetadata(b []byte) (Metadata, bool) {
	var m pb.Metadata
	err := m.Unmarshal(b)
	return Metadata{NodeID: m.NodeID, ClusterID: m.ClusterID}, err == nil
}

// checkClassify fails when the decoder and the oracle disagree on b.
func checkClassify(t testing.TB, what string, typ raftpb.EntryType, b []byte) Kind {
	t.Helper()
	gk, gops := classify(typ, b)
	wk, wops := oracleClassify(typ, b)
	if gk != wk || gops != wops {
		t.Fatalf("%s: decoder says %v (%d ops), etcdserverpb %v (%d ops); payload %x", what, gk, gops, wk, wops, b)
	}
	gm, gerr := decodeMetadata(b)
	wm, wok := oracleMetadata(b)
	if (gerr == nil) != wok || (wok && gm != wm) {
		t.Fatalf("%s: metadata %+v (err %v), etcdserverpb %+v (ok %v); payload %x", what, gm, gerr, wm, wok, b)
	}
	return wk
}

// TestIRRSchemaMatchesEtcdserverpb walks etcdserverpb's Go types from
// InternalRaftRequest and Metadata (their protobuf struct tags and oneof
// wrappers) and requires irr.go's table to list exactly the same messages,
// fields, wire types and nested messages.
func TestIRRSchemaMatchesEtcdserverpb(t *testing.T) {
	byName := map[string]msgID{}
	for id := msgID(1); id < numMsgs; id++ {
		if messages[id].name == "" {
			t.Fatalf("message %d has no entry in the table", id)
		}
		byName[messages[id].name] = id
	}
	reached := map[msgID]bool{}
	var walk func(rt reflect.Type)
	walk = func(rt reflect.Type) {
		id, ok := byName[rt.String()]
		if !ok {
			t.Fatalf("etcdserverpb reaches %s, which the table does not have", rt)
		}
		if reached[id] {
			return
		}
		reached[id] = true
		type got struct {
			wire uint8
			msg  string
		}
		want := map[int32]got{}
		var subs []reflect.Type
		add := func(f reflect.StructField) {
			parts := strings.Split(f.Tag.Get("protobuf"), ",")
			if len(parts) < 3 {
				t.Fatalf("%s.%s: tag %q", rt, f.Name, f.Tag)
			}
			var num int32
			for _, c := range parts[1] {
				num = num*10 + int32(c-'0')
			}
			var g got
			switch parts[0] {
			case "varint":
				g.wire = 0
			case "bytes":
				g.wire = 2
			default:
				t.Fatalf("%s.%s: wire %q: irr.go handles varint and bytes only", rt, f.Name, parts[0])
			}
			for _, p := range parts {
				if p == "packed" {
					t.Fatalf("%s.%s is packed: irr.go does not accept packed fields", rt, f.Name)
				}
			}
			ft := f.Type
			for ft.Kind() == reflect.Pointer || (ft.Kind() == reflect.Slice && ft.Elem().Kind() != reflect.Uint8) {
				if ft.Kind() == reflect.Slice && g.wire == 0 {
					t.Fatalf("%s.%s: a repeated scalar (gogo accepts it packed too)", rt, f.Name)
				}
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				g.msg = ft.String()
				subs = append(subs, ft)
			}
			want[num] = g
		}
		for i := 0; i < rt.NumField(); i++ {
			if f := rt.Field(i); f.Tag.Get("protobuf") != "" {
				add(f)
			}
		}
		if o, ok := reflect.New(rt).Interface().(interface{ XXX_OneofWrappers() []any }); ok {
			for _, w := range o.XXX_OneofWrappers() {
				add(reflect.TypeOf(w).Elem().Field(0))
			}
		}
		have := map[int32]got{}
		for _, f := range messages[id].fields {
			g := got{wire: f.wire}
			if f.msg != msgScalar {
				g.msg = messages[f.msg].name
			}
			if _, dup := have[f.num]; dup {
				t.Errorf("%s: field %d twice in the table", rt, f.num)
			}
			have[f.num] = g
		}
		if !reflect.DeepEqual(have, want) {
			t.Errorf("%s: table %v, etcdserverpb %v", rt, have, want)
		}
		for _, s := range subs {
			walk(s)
		}
	}
	walk(reflect.TypeOf(pb.InternalRaftRequest{}))
	walk(reflect.TypeOf(pb.Metadata{}))
	if len(reached) != int(numMsgs)-1 {
		t.Errorf("etcdserverpb reaches %d messages, the table has %d", len(reached), numMsgs-1)
	}
}

// walRecords is every (type, data) record of a WAL segment file, read with
// code independent of the reader: length fields and walpb.Record fields by
// hand. It stops where the framing stops making sense (a torn or cut
// file); CRCs are not checked, so a damaged payload is kept.
func walRecords(t *testing.T, path string) (out []struct {
	typ  uint64
	data []byte
}) {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for off := 0; off+8 <= len(b); {
		lf := binary.LittleEndian.Uint64(b[off:])
		if lf == 0 {
			break
		}
		n, pad := decodeFrameSize(lf)
		if n < 0 || int64(off)+8+n+pad > int64(len(b)) {
			break
		}
		rec := b[off+8 : off+8+int(n)]
		off += 8 + int(n+pad)
		var typ uint64
		var data []byte
		for i := 0; i < len(rec); {
			tag, k := binary.Uvarint(rec[i:])
			if k <= 0 {
				break
			}
			i += k
			v, k := binary.Uvarint(rec[i:])
			if k <= 0 {
				break
			}
			i += k
			switch {
			case tag == 1<<3:
				typ = v
			case tag == 3<<3|2 && v <= uint64(len(rec)-i):
				data = rec[i : i+int(v)]
				i += int(v)
			}
		}
		out = append(out, struct {
			typ  uint64
			data []byte
		}{typ, data})
	}
	return out
}

// TestClassifyAgainstEtcdserverpbOnDataDirs compares the decoder with
// etcdserverpb on every entry and metadata record of every real data dir
// (the damaged ones included: the CRC fixtures carry a flipped byte).
func TestClassifyAgainstEtcdserverpbOnDataDirs(t *testing.T) {
	total := 0
	for _, d := range fixtures.DataDirs(t) {
		t.Run(d.Name, func(t *testing.T) {
			files, _ := filepath.Glob(filepath.Join(fixtures.DataDirPath(t, d), "member", "wal", "*.wal"))
			sort.Strings(files)
			kinds := map[Kind]int{}
			for _, f := range files {
				for i, rec := range walRecords(t, f) {
					what := fmt.Sprintf("%s record %d", filepath.Base(f), i)
					switch rec.typ {
					case uint64(EntryType):
						var e raftpb.Entry
						if e.Unmarshal(rec.data) != nil {
							continue
						}
						kinds[checkClassify(t, what, e.Type, e.Data)]++
					case uint64(MetadataType):
						checkClassify(t, what, raftpb.EntryNormal, rec.data)
					}
				}
			}
			n := 0
			for _, c := range kinds {
				n += c
			}
			if n == 0 || kinds[KindPut]+kinds[KindTxn] == 0 {
				t.Fatalf("no puts or txns among %d entries: %v", n, kinds)
			}
			total += n
			t.Logf("%d entries agree: %v", n, kinds)
		})
	}
	t.Logf("%d entries in all", total)
}

// genIRR makes a random InternalRaftRequest of any kind, now and then with
// two requests in it (which etcd never writes) to pin the naming order.
func genIRR(r *rand.Rand) *pb.InternalRaftRequest {
	key := func() []byte {
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		return b
	}
	str := func() string { return string(key()) }
	var op func(depth int) *pb.RequestOp
	txn := func(depth int) *pb.TxnRequest {
		t := &pb.TxnRequest{}
		for range r.IntN(3) {
			c := &pb.Compare{Result: pb.Compare_CompareResult(r.IntN(4)), Target: pb.Compare_CompareTarget(r.IntN(5)), Key: key()}
			switch r.IntN(5) {
			case 0:
				c.TargetUnion = &pb.Compare_Version{Version: r.Int64()}
			case 1:
				c.TargetUnion = &pb.Compare_ModRevision{ModRevision: r.Int64N(1e6)}
			case 2:
				c.TargetUnion = &pb.Compare_Value{Value: key()}
			case 3:
				c.TargetUnion = &pb.Compare_Lease{Lease: r.Int64()}
			}
			if r.IntN(4) == 0 {
				c.RangeEnd = key()
			}
			t.Compare = append(t.Compare, c)
		}
		for range r.IntN(6) {
			t.Success = append(t.Success, op(depth+1))
		}
		for range r.IntN(3) {
			t.Failure = append(t.Failure, op(depth+1))
		}
		return t
	}
	op = func(depth int) *pb.RequestOp {
		switch n := r.IntN(4); {
		case n == 0:
			return &pb.RequestOp{Request: &pb.RequestOp_RequestRange{RequestRange: &pb.RangeRequest{Key: key(), RangeEnd: key(), Limit: r.Int64N(100)}}}
		case n == 1:
			return &pb.RequestOp{Request: &pb.RequestOp_RequestPut{RequestPut: &pb.PutRequest{Key: key(), Value: key(), Lease: r.Int64N(3)}}}
		case n == 2 || depth > 2:
			return &pb.RequestOp{Request: &pb.RequestOp_RequestDeleteRange{RequestDeleteRange: &pb.DeleteRangeRequest{Key: key(), PrevKv: r.IntN(2) == 0}}}
		}
		return &pb.RequestOp{Request: &pb.RequestOp_RequestTxn{RequestTxn: txn(depth)}}
	}
	q := &pb.InternalRaftRequest{ID: r.Uint64()}
	if r.IntN(2) == 0 {
		q.Header = &pb.RequestHeader{ID: r.Uint64(), Username: str(), AuthRevision: r.Uint64N(9)}
	}
	for range 1 + r.IntN(4)/3 {
		switch r.IntN(30) {
		case 0, 1, 2:
			q.Put = &pb.PutRequest{Key: key(), Value: key(), Lease: r.Int64N(5), IgnoreValue: r.IntN(5) == 0}
		case 3, 4, 5:
			q.Txn = txn(0)
		case 6:
			q.DeleteRange = &pb.DeleteRangeRequest{Key: key(), RangeEnd: key()}
		case 7:
			q.Compaction = &pb.CompactionRequest{Revision: r.Int64N(1e6), Physical: r.IntN(2) == 0}
		case 8:
			q.Range = &pb.RangeRequest{Key: key(), Serializable: true}
		case 9:
			q.LeaseGrant = &pb.LeaseGrantRequest{TTL: r.Int64N(100), ID: r.Int64()}
		case 10:
			q.LeaseRevoke = &pb.LeaseRevokeRequest{ID: r.Int64()}
		case 11:
			q.LeaseCheckpoint = &pb.LeaseCheckpointRequest{Checkpoints: []*pb.LeaseCheckpoint{{ID: r.Int64(), Remaining_TTL: r.Int64N(60)}}}
		case 12:
			q.Alarm = &pb.AlarmRequest{Action: pb.AlarmRequest_AlarmAction(r.IntN(3)), MemberID: r.Uint64(), Alarm: pb.AlarmType(r.IntN(3))}
		case 13:
			q.ClusterVersionSet = &membershippb.ClusterVersionSetRequest{Ver: "3.6.0"}
		case 14:
			q.ClusterMemberAttrSet = &membershippb.ClusterMemberAttrSetRequest{Member_ID: r.Uint64(), MemberAttributes: &membershippb.Attributes{Name: str(), ClientUrls: []string{str(), str()}}}
		case 15:
			q.DowngradeInfoSet = &membershippb.DowngradeInfoSetRequest{Enabled: true, Ver: "3.5.0"}
		case 16:
			q.DowngradeVersionTest = &pb.DowngradeVersionTestRequest{Ver: str()}
		case 17:
			q.V2 = &pb.Request{ID: r.Uint64(), Method: "PUT", Path: str(), Val: str(), Expiration: r.Int64()}
		case 18:
			q.AuthEnable = &pb.AuthEnableRequest{}
		case 19:
			q.Authenticate = &pb.InternalAuthenticateRequest{Name: str(), SimpleToken: str()}
		case 20:
			q.AuthUserAdd = &pb.AuthUserAddRequest{Name: str(), Options: &authpb.UserAddOptions{NoPassword: true}, HashedPassword: str()}
		case 21:
			q.AuthRoleGrantPermission = &pb.AuthRoleGrantPermissionRequest{Name: str(), Perm: &authpb.Permission{PermType: authpb.READWRITE, Key: key(), RangeEnd: key()}}
		case 22:
			q.AuthUserGrantRole = &pb.AuthUserGrantRoleRequest{User: str(), Role: str()}
		case 23:
			q.AuthRoleRevokePermission = &pb.AuthRoleRevokePermissionRequest{Role: str(), Key: key(), RangeEnd: key()}
		case 24:
			q.AuthUserChangePassword = &pb.AuthUserChangePasswordRequest{Name: str(), Password: str()}
		case 25:
			q.AuthRoleList = &pb.AuthRoleListRequest{}
		case 26:
			q.AuthStatus = &pb.AuthStatusRequest{}
		}
	}
	return q
}

// mutate damages b the ways a disk or a fuzzer does.
func mutate(r *rand.Rand, b []byte) []byte {
	c := append([]byte(nil), b...)
	switch r.IntN(6) {
	case 0:
		if len(c) > 0 {
			c = c[:r.IntN(len(c))]
		}
	case 1:
		if len(c) > 0 {
			c[r.IntN(len(c))] ^= byte(1 << r.IntN(8))
		}
	case 2:
		if len(c) > 0 {
			c[r.IntN(len(c))] = byte(r.IntN(256))
		}
	case 3:
		i := r.IntN(len(c) + 1)
		c = append(c[:i], append([]byte{byte(r.IntN(256))}, c[i:]...)...)
	case 4: // an unknown field: varint, fixed, bytes or a group
		tag := uint64(r.IntN(2000))<<3 | uint64(r.IntN(8))
		c = binary.AppendUvarint(c, tag)
		c = binary.AppendUvarint(c, uint64(r.IntN(300)))
	case 5:
		c = make([]byte, r.IntN(24))
		for i := range c {
			c[i] = byte(r.IntN(256))
		}
	}
	return c
}

// TestClassifyAgainstEtcdserverpbGenerated compares the decoder with
// etcdserverpb on 4,000 generated requests of every kind, v2 Requests and
// Metadata, and 16,000 damaged copies of them.
func TestClassifyAgainstEtcdserverpbGenerated(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 2026))
	kinds := map[Kind]int{}
	for i := range 4000 {
		var b []byte
		var err error
		switch i % 10 {
		case 8:
			b, err = (&pb.Request{ID: r.Uint64(), Method: "PUT", Path: "/k", Val: "v", Dir: i%3 == 0}).Marshal()
		case 9:
			b, err = (&pb.Metadata{NodeID: r.Uint64(), ClusterID: r.Uint64()}).Marshal()
		default:
			b, err = genIRR(r).Marshal()
		}
		if err != nil {
			t.Fatal(err)
		}
		kinds[checkClassify(t, "generated", raftpb.EntryNormal, b)]++
		for range 4 {
			kinds[checkClassify(t, "damaged", raftpb.EntryNormal, mutate(r, b))]++
		}
	}
	for _, k := range []Kind{KindPut, KindTxn, KindDeleteRange, KindCompaction, KindRange, KindLeaseGrant, KindLeaseRevoke,
		KindLeaseCheckpoint, KindAlarm, KindAuth, KindClusterVersionSet, KindMemberAttrSet, KindDowngradeInfoSet,
		KindDowngradeTest, KindIRRv2, KindIRREmpty, KindV2Request, KindUndecodable} {
		if kinds[k] == 0 {
			t.Errorf("no %v among the generated payloads: %v", k, kinds)
		}
	}
	t.Logf("kinds: %v", kinds)
}

// TestDecodeProtoDeepNesting: a payload of a million nested transactions
// is decoded without recursion (gogo's Unmarshal would need a Go stack
// frame per level).
func TestDecodeProtoDeepNesting(t *testing.T) {
	// RequestOp{request_txn: TxnRequest{success: RequestOp{...}}}, built
	// backwards from the innermost level, then reversed.
	const levels = 1 << 20
	var rev []byte
	field := func(tag byte) {
		v := binary.AppendUvarint(nil, uint64(len(rev)))
		for i := len(v) - 1; i >= 0; i-- {
			rev = append(rev, v[i])
		}
		rev = append(rev, tag)
	}
	for range levels {
		field(4<<3 | 2) // RequestOp.request_txn
		field(2<<3 | 2) // TxnRequest.success
	}
	b := make([]byte, len(rev))
	for i, c := range rev {
		b[len(rev)-1-i] = c
	}
	irr := binary.AppendUvarint([]byte{6<<3 | 2}, uint64(len(b)))
	irr = append(irr, b...)
	if k, ops := classify(raftpb.EntryNormal, irr); k != KindTxn || ops != 1 {
		t.Fatalf("got %v %d", k, ops)
	}
	if k, _ := classify(raftpb.EntryNormal, irr[:len(irr)-1]); k != KindUndecodable {
		t.Fatalf("cut: got %v", k)
	}
}

// FuzzClassifyIRR requires the decoder and etcdserverpb's Unmarshal to
// agree on any payload.
func FuzzClassifyIRR(f *testing.F) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		b, _ := genIRR(r).Marshal()
		f.Add(b)
	}
	f.Add([]byte{0x08, 0x01, 0x10, 0x02})
	f.Add([]byte{0x32, 0x02, 0x12, 0x00})
	f.Add([]byte{0xa3, 0x06, 0xa4, 0x06})
	f.Fuzz(func(t *testing.T, b []byte) {
		k := checkClassify(t, "fuzz", raftpb.EntryNormal, b)
		// The listing's detail decodes any payload without a panic, and
		// names only bytes of it.
		d := EntryDetail(Entry{Type: raftpb.EntryNormal, Kind: k, Size: uint32(len(b))}, b)
		if len(d.Key) > len(b) || len(d.RangeEnd) > len(b) || d.ValueBytes > int64(len(b))*int64(len(b)+1) {
			t.Fatalf("detail %+v of %d bytes", d, len(b))
		}
	})
}

// BenchmarkClassifyIRR names 1,000 generated requests (a mix of every kind,
// txns of up to a few levels) with the decoder and with etcdserverpb's
// Unmarshal; MB/s is over the payload bytes.
func BenchmarkClassifyIRR(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 7))
	var payloads [][]byte
	var total int64
	for range 1000 {
		p, _ := genIRR(r).Marshal()
		payloads = append(payloads, p)
		total += int64(len(p))
	}
	for _, c := range []struct {
		name string
		f    func(raftpb.EntryType, []byte) (Kind, uint32)
	}{{"decoder", classify}, {"etcdserverpb", oracleClassify}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(total)
			b.ReportAllocs()
			for b.Loop() {
				for _, p := range payloads {
					c.f(raftpb.EntryNormal, p)
				}
			}
		})
	}
}
