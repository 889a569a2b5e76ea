package wal

import (
	"errors"
	"fmt"
	"io"
)

// This file is a small hand-written protobuf decoder for the payloads of
// etcd's normal raft entries: etcdserverpb.InternalRaftRequest (IRR), the
// legacy v2 etcdserverpb.Request, and the WAL's etcdserverpb.Metadata. The
// api module's etcdserverpb package would decode them too, but it brings
// grpc and its gateway into the binary (about 9 MB of the CLI's 23.6 MB).
//
// It accepts exactly what the generated (gogo) Unmarshal methods accept:
// the same wire types per known field, the same varint and length rules,
// unknown fields skipped with the same skip function (groups included),
// and every nested message of the request checked as Unmarshal checks it.
// That matters because etcd's apply decodes an IRR first and falls back to
// a v2 Request only when Unmarshal fails: which one a damaged payload is
// depends on those rules. The schema below is every message reachable from
// InternalRaftRequest; irr_test.go checks it field by field against
// etcdserverpb's own Go types and compares the decoder with Unmarshal on
// every entry of the real data dirs, on generated requests and by fuzzing.

// msgID names a message of the schema. 0 is not a message (a scalar,
// string or bytes field).
type msgID uint8

const (
	msgScalar msgID = iota
	msgIRR
	msgRequestHeader
	msgV2Request
	msgRange
	msgPut
	msgDeleteRange
	msgTxn
	msgCompare
	msgRequestOp
	msgCompaction
	msgLeaseGrant
	msgLeaseRevoke
	msgAlarm
	msgLeaseCheckpointRequest
	msgLeaseCheckpoint
	msgAuthEnable
	msgAuthDisable
	msgAuthStatus
	msgInternalAuthenticate
	msgAuthUserAdd
	msgUserAddOptions
	msgAuthUserDelete
	msgAuthUserGet
	msgAuthUserChangePassword
	msgAuthUserGrantRole
	msgAuthUserRevokeRole
	msgAuthUserList
	msgAuthRoleList
	msgAuthRoleAdd
	msgAuthRoleDelete
	msgAuthRoleGet
	msgAuthRoleGrantPermission
	msgPermission
	msgAuthRoleRevokePermission
	msgClusterVersionSet
	msgClusterMemberAttrSet
	msgAttributes
	msgDowngradeInfoSet
	msgDowngradeVersionTest
	msgMetadata
	numMsgs
)

// wireField is one field of a message: its number, its wire type (0:
// varint, 2: length-delimited; etcd's request messages use no other) and,
// for a length-delimited field holding a message, which one.
type wireField struct {
	num  int32
	wire uint8
	msg  msgID
}

type message struct {
	name   string // the proto's full name, as in etcdserverpb's Go type
	fields []wireField
}

// Field shorthands for the table.
func vf(num int32) wireField              { return wireField{num: num, wire: 0} }
func bf(num int32) wireField              { return wireField{num: num, wire: 2} }
func mf(num int32, m msgID) wireField     { return wireField{num: num, wire: 2, msg: m} }
func bfs(nums ...int32) (out []wireField) { return appendAll(out, bf, nums) }
func vfs(nums ...int32) (out []wireField) { return appendAll(out, vf, nums) }
func appendAll(out []wireField, f func(int32) wireField, nums []int32) []wireField {
	for _, n := range nums {
		out = append(out, f(n))
	}
	return out
}

// IRR field numbers wal names an entry by (raft_internal.proto).
const (
	irrV2                   = 2
	irrRange                = 3
	irrPut                  = 4
	irrDeleteRange          = 5
	irrTxn                  = 6
	irrCompaction           = 7
	irrLeaseGrant           = 8
	irrLeaseRevoke          = 9
	irrAlarm                = 10
	irrLeaseCheckpoint      = 11
	irrClusterVersionSet    = 1300
	irrClusterMemberAttrSet = 1301
	irrDowngradeInfoSet     = 1302
	irrDowngradeVersionTest = 9900
)

var messages = [numMsgs]message{
	msgIRR: {"etcdserverpb.InternalRaftRequest", []wireField{
		mf(100, msgRequestHeader), vf(1), mf(irrV2, msgV2Request), mf(irrRange, msgRange), mf(irrPut, msgPut),
		mf(irrDeleteRange, msgDeleteRange), mf(irrTxn, msgTxn), mf(irrCompaction, msgCompaction),
		mf(irrLeaseGrant, msgLeaseGrant), mf(irrLeaseRevoke, msgLeaseRevoke), mf(irrAlarm, msgAlarm),
		mf(irrLeaseCheckpoint, msgLeaseCheckpointRequest),
		mf(1000, msgAuthEnable), mf(1011, msgAuthDisable), mf(1013, msgAuthStatus), mf(1012, msgInternalAuthenticate),
		mf(1100, msgAuthUserAdd), mf(1101, msgAuthUserDelete), mf(1102, msgAuthUserGet),
		mf(1103, msgAuthUserChangePassword), mf(1104, msgAuthUserGrantRole), mf(1105, msgAuthUserRevokeRole),
		mf(1106, msgAuthUserList), mf(1107, msgAuthRoleList),
		mf(1200, msgAuthRoleAdd), mf(1201, msgAuthRoleDelete), mf(1202, msgAuthRoleGet),
		mf(1203, msgAuthRoleGrantPermission), mf(1204, msgAuthRoleRevokePermission),
		mf(irrClusterVersionSet, msgClusterVersionSet), mf(irrClusterMemberAttrSet, msgClusterMemberAttrSet),
		mf(irrDowngradeInfoSet, msgDowngradeInfoSet), mf(irrDowngradeVersionTest, msgDowngradeVersionTest),
	}},
	msgRequestHeader: {"etcdserverpb.RequestHeader", []wireField{vf(1), bf(2), vf(3)}},
	// ID, Method, Path, Val, Dir, PrevValue, PrevIndex, PrevExist,
	// Expiration, Wait, Since, Recursive, Sorted, Quorum, Time, Stream, Refresh.
	msgV2Request: {"etcdserverpb.Request", []wireField{
		vf(1), bf(2), bf(3), bf(4), vf(5), bf(6), vf(7), vf(8), vf(9), vf(10), vf(11), vf(12), vf(13), vf(14), vf(15), vf(16), vf(17),
	}},
	msgRange:       {"etcdserverpb.RangeRequest", append(bfs(1, 2), vfs(3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13)...)},
	msgPut:         {"etcdserverpb.PutRequest", append(bfs(1, 2), vfs(3, 4, 5, 6)...)},
	msgDeleteRange: {"etcdserverpb.DeleteRangeRequest", []wireField{bf(1), bf(2), vf(3)}},
	msgTxn:         {"etcdserverpb.TxnRequest", []wireField{mf(1, msgCompare), mf(2, msgRequestOp), mf(3, msgRequestOp)}},
	// Result, Target, Key, RangeEnd (64), then the target_union oneof:
	// Version, CreateRevision, ModRevision, Value, Lease.
	msgCompare:   {"etcdserverpb.Compare", []wireField{vf(1), vf(2), bf(3), bf(64), vf(4), vf(5), vf(6), bf(7), vf(8)}},
	msgRequestOp: {"etcdserverpb.RequestOp", []wireField{mf(1, msgRange), mf(2, msgPut), mf(3, msgDeleteRange), mf(4, msgTxn)}},

	msgCompaction:             {"etcdserverpb.CompactionRequest", vfs(1, 2)},
	msgLeaseGrant:             {"etcdserverpb.LeaseGrantRequest", vfs(1, 2)},
	msgLeaseRevoke:            {"etcdserverpb.LeaseRevokeRequest", vfs(1)},
	msgAlarm:                  {"etcdserverpb.AlarmRequest", vfs(1, 2, 3)},
	msgLeaseCheckpointRequest: {"etcdserverpb.LeaseCheckpointRequest", []wireField{mf(1, msgLeaseCheckpoint)}},
	msgLeaseCheckpoint:        {"etcdserverpb.LeaseCheckpoint", vfs(1, 2)},

	msgAuthEnable:               {"etcdserverpb.AuthEnableRequest", nil},
	msgAuthDisable:              {"etcdserverpb.AuthDisableRequest", nil},
	msgAuthStatus:               {"etcdserverpb.AuthStatusRequest", nil},
	msgInternalAuthenticate:     {"etcdserverpb.InternalAuthenticateRequest", bfs(1, 2, 3)},
	msgAuthUserAdd:              {"etcdserverpb.AuthUserAddRequest", []wireField{bf(1), bf(2), mf(3, msgUserAddOptions), bf(4)}},
	msgUserAddOptions:           {"authpb.UserAddOptions", vfs(1)},
	msgAuthUserDelete:           {"etcdserverpb.AuthUserDeleteRequest", bfs(1)},
	msgAuthUserGet:              {"etcdserverpb.AuthUserGetRequest", bfs(1)},
	msgAuthUserChangePassword:   {"etcdserverpb.AuthUserChangePasswordRequest", bfs(1, 2, 3)},
	msgAuthUserGrantRole:        {"etcdserverpb.AuthUserGrantRoleRequest", bfs(1, 2)},
	msgAuthUserRevokeRole:       {"etcdserverpb.AuthUserRevokeRoleRequest", bfs(1, 2)},
	msgAuthUserList:             {"etcdserverpb.AuthUserListRequest", nil},
	msgAuthRoleList:             {"etcdserverpb.AuthRoleListRequest", nil},
	msgAuthRoleAdd:              {"etcdserverpb.AuthRoleAddRequest", bfs(1)},
	msgAuthRoleDelete:           {"etcdserverpb.AuthRoleDeleteRequest", bfs(1)},
	msgAuthRoleGet:              {"etcdserverpb.AuthRoleGetRequest", bfs(1)},
	msgAuthRoleGrantPermission:  {"etcdserverpb.AuthRoleGrantPermissionRequest", []wireField{bf(1), mf(2, msgPermission)}},
	msgPermission:               {"authpb.Permission", []wireField{vf(1), bf(2), bf(3)}},
	msgAuthRoleRevokePermission: {"etcdserverpb.AuthRoleRevokePermissionRequest", bfs(1, 2, 3)},

	msgClusterVersionSet:    {"membershippb.ClusterVersionSetRequest", bfs(1)},
	msgClusterMemberAttrSet: {"membershippb.ClusterMemberAttrSetRequest", []wireField{vf(1), mf(2, msgAttributes)}},
	msgAttributes:           {"membershippb.Attributes", bfs(1, 2)},
	msgDowngradeInfoSet:     {"membershippb.DowngradeInfoSetRequest", []wireField{vf(1), bf(2)}},
	msgDowngradeVersionTest: {"etcdserverpb.DowngradeVersionTestRequest", bfs(1)},

	msgMetadata: {"etcdserverpb.Metadata", vfs(1, 2)},
}

func (m msgID) field(num int32) *wireField {
	fs := messages[m].fields
	for i := range fs {
		if fs[i].num == num {
			return &fs[i]
		}
	}
	return nil
}

// The errors of gogo's generated code, by meaning (callers only test for
// nil; the text is for a Problem message).
var (
	errProtoOverflow  = errors.New("proto: integer overflow")
	errProtoLength    = errors.New("proto: negative length found during unmarshaling")
	errProtoEndGroup  = errors.New("proto: unexpected end of group")
	errProtoWireType  = errors.New("proto: illegal wireType")
	errProtoTruncated = io.ErrUnexpectedEOF
)

// gogoVarint reads a varint as gogo's generated code does: at most ten
// bytes, bits past 64 dropped.
func gogoVarint(b []byte) (v uint64, n int, err error) {
	for shift := uint(0); ; shift += 7 {
		if shift >= 64 {
			return 0, 0, errProtoOverflow
		}
		if n >= len(b) {
			return 0, 0, errProtoTruncated
		}
		c := b[n]
		n++
		v |= uint64(c&0x7F) << shift
		if c < 0x80 {
			return v, n, nil
		}
	}
}

// gogoSkip is gogo's generated skip function: the length of the unknown
// field (groups included) at the start of b. The result can exceed
// len(b); the caller checks it.
func gogoSkip(b []byte) (int, error) {
	l := len(b)
	i, depth := 0, 0
	for i < l {
		wire, n, err := gogoVarint(b[i:])
		if err != nil {
			return 0, err
		}
		i += n
		switch wire & 7 {
		case 0:
			for shift := uint(0); ; shift += 7 {
				if shift >= 64 {
					return 0, errProtoOverflow
				}
				if i >= l {
					return 0, errProtoTruncated
				}
				i++
				if b[i-1] < 0x80 {
					break
				}
			}
		case 1:
			i += 8
		case 2:
			length, n, err := gogoVarint(b[i:])
			if err != nil {
				return 0, err
			}
			i += n
			if int(length) < 0 {
				return 0, errProtoLength
			}
			i += int(length)
		case 3:
			depth++
		case 4:
			if depth == 0 {
				return 0, errProtoEndGroup
			}
			depth--
		case 5:
			i += 4
		default:
			return 0, fmt.Errorf("%w %d", errProtoWireType, wire&7)
		}
		if i < 0 {
			return 0, errProtoLength
		}
		if depth == 0 {
			return i, nil
		}
	}
	return 0, errProtoTruncated
}

// visitFunc sees each known field of the outermost message (depth 0) and
// of the messages directly inside it (depth 1, outer: the field holding
// it): the varint's value, or a length-delimited field's bytes.
type visitFunc func(depth int, outer, num int32, v uint64, b []byte)

type protoFrame struct {
	end   int
	msg   msgID
	outer int32
}

// decodeProto checks b as a message of type root exactly as gogo's
// generated Unmarshal does, calling visit (if not nil) on the fields of
// the two outermost levels. Nesting is kept on a heap stack, not Go's, so
// a hostile payload of deeply nested transactions cannot exhaust it.
func decodeProto(b []byte, root msgID, visit visitFunc) error {
	var arr [8]protoFrame
	stack := append(arr[:0], protoFrame{end: len(b), msg: root})
	i := 0
	for {
		top := stack[len(stack)-1]
		if i >= top.end {
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				return nil
			}
			continue
		}
		end, depth, pre := top.end, len(stack)-1, i
		wire, n, err := gogoVarint(b[i:end])
		if err != nil {
			return err
		}
		i += n
		num, wt := int32(wire>>3), uint8(wire&7)
		if wt == 4 {
			return fmt.Errorf("proto: %s: wiretype end group for non-group", messages[top.msg].name)
		}
		if num <= 0 {
			return fmt.Errorf("proto: %s: illegal tag %d (wire type %d)", messages[top.msg].name, num, wire)
		}
		f := top.msg.field(num)
		if f == nil {
			skip, err := gogoSkip(b[pre:end])
			if err != nil {
				return err
			}
			if skip < 0 || pre+skip < 0 {
				return errProtoLength
			}
			if pre+skip > end {
				return errProtoTruncated
			}
			i = pre + skip
			continue
		}
		if wt != f.wire {
			return fmt.Errorf("proto: wrong wireType = %d for field %d of %s", wt, num, messages[top.msg].name)
		}
		v, n, err := gogoVarint(b[i:end])
		if err != nil {
			return err
		}
		i += n
		if wt == 0 {
			if visit != nil && depth <= 1 {
				visit(depth, top.outer, num, v, nil)
			}
			continue
		}
		length := int(v)
		if length < 0 {
			return errProtoLength
		}
		post := i + length
		if post < 0 {
			return errProtoLength
		}
		if post > end {
			return errProtoTruncated
		}
		if visit != nil && depth <= 1 {
			visit(depth, top.outer, num, 0, b[i:post])
		}
		if f.msg != msgScalar {
			stack = append(stack, protoFrame{end: post, msg: f.msg, outer: num})
			continue
		}
		i = post
	}
}

// irrKindOrder is the order in which an IRR holding several requests (which
// etcd never writes) is named: the order of the generated-code classifier
// it replaces (txn first, then put, ... v2, auth).
var irrKindOrder = []struct {
	num  int32
	kind Kind
}{
	{irrTxn, KindTxn}, {irrPut, KindPut}, {irrDeleteRange, KindDeleteRange}, {irrCompaction, KindCompaction},
	{irrRange, KindRange}, {irrLeaseGrant, KindLeaseGrant}, {irrLeaseRevoke, KindLeaseRevoke},
	{irrLeaseCheckpoint, KindLeaseCheckpoint}, {irrAlarm, KindAlarm}, {irrClusterVersionSet, KindClusterVersionSet},
	{irrClusterMemberAttrSet, KindMemberAttrSet}, {irrDowngradeInfoSet, KindDowngradeInfoSet},
	{irrDowngradeVersionTest, KindDowngradeTest}, {irrV2, KindIRRv2},
}

// irrSummary is what the reader keeps of an InternalRaftRequest.
type irrSummary struct {
	present uint64 // bit i: messages[msgIRR].fields[i] occurs
	ops     uint32 // the txn's success ops (all occurrences, as Unmarshal merges them)
}

// irrBit is the bit of IRR field num in irrSummary.present (-1: none).
func irrBit(num int32) int {
	for i, f := range messages[msgIRR].fields {
		if f.num == num {
			return i
		}
	}
	return -1
}

// irrKindMasks is irrKindOrder as bit masks, then the auth requests' mask.
var irrKindMasks, irrAuthMask = func() ([]uint64, uint64) {
	var masks []uint64
	for _, k := range irrKindOrder {
		masks = append(masks, 1<<irrBit(k.num))
	}
	var auth uint64
	for i, f := range messages[msgIRR].fields {
		if f.num >= 1000 && f.num <= 1204 {
			auth |= 1 << i
		}
	}
	return masks, auth
}()

// kind names the request: the first of irrKindOrder present, else auth if
// any auth request (fields 1000-1204) is, else KindIRREmpty.
func (s *irrSummary) kind() Kind {
	for i, m := range irrKindMasks {
		if s.present&m != 0 {
			return irrKindOrder[i].kind
		}
	}
	if s.present&irrAuthMask != 0 {
		return KindAuth
	}
	return KindIRREmpty
}

// decodeIRR decodes b as an InternalRaftRequest; an error when
// etcdserverpb's Unmarshal would return one.
func decodeIRR(b []byte) (irrSummary, error) {
	var s irrSummary
	err := decodeProto(b, msgIRR, func(depth int, outer, num int32, _ uint64, _ []byte) {
		switch {
		case depth == 0:
			if b := irrBit(num); b >= 0 {
				s.present |= 1 << b
			}
		case outer == irrTxn && num == 2:
			s.ops++
		}
	})
	return s, err
}

// decodeMetadata decodes an etcdserverpb.Metadata{NodeID=1, ClusterID=2}.
func decodeMetadata(b []byte) (Metadata, error) {
	var m Metadata
	err := decodeProto(b, msgMetadata, func(depth int, _, num int32, v uint64, _ []byte) {
		if depth != 0 {
			return
		}
		switch num {
		case 1:
			m.NodeID = v
		case 2:
			m.ClusterID = v
		}
	})
	return m, err
}
