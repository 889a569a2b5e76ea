package wal

import (
	"bytes"
	"fmt"
	"io"
	"math"

	"go.etcd.io/raft/v3/raftpb"
)

// Entry is what the reader keeps of one raft entry: everything but its data.
type Entry struct {
	Index uint64
	Term  uint64
	// Size is len(Data), saturated at MaxUint32.
	Size uint32
	// Type is the raftpb.EntryType (normal, conf change, conf change v2).
	Type raftpb.EntryType
	Kind Kind
	// Unchecked: the data was over MaxBuffered, so it was classified by its
	// top-level fields while streaming, not decoded whole.
	Unchecked bool
	// Segment is the index in Log.Segments of the segment holding it.
	Segment int32
	// Ops is how many mvcc operations applying it takes: 1 for a put or a
	// delete, a txn's success branch (the branch etcd usually takes), 0
	// for a no-op; 1 when the payload was too large to decode.
	Ops uint32
}

// Kind says what an entry asks etcd to do.
type Kind uint8

// Kinds of entries. Normal entries carry an etcdserverpb.InternalRaftRequest
// named by the one request it holds; the legacy v2 Request and conf changes
// are their own kinds.
const (
	KindNoop              Kind = iota // empty data: a new leader's no-op, skipped by etcd's apply
	KindPut                           // IRR put
	KindDeleteRange                   // IRR delete_range
	KindTxn                           // IRR txn
	KindCompaction                    // IRR compaction
	KindRange                         // IRR range (serializable reads never reach raft; linearizable ones do not either since 3.0: rare)
	KindLeaseGrant                    // IRR lease_grant
	KindLeaseRevoke                   // IRR lease_revoke
	KindLeaseCheckpoint               // IRR lease_checkpoint
	KindAlarm                         // IRR alarm
	KindAuth                          // IRR auth_* and authenticate
	KindClusterVersionSet             // IRR cluster_version_set
	KindMemberAttrSet                 // IRR cluster_member_attr_set
	KindDowngradeInfoSet              // IRR downgrade_info_set
	KindDowngradeTest                 // IRR downgrade_version_test
	KindIRRv2                         // IRR carrying a v2 Request
	KindIRREmpty                      // IRR with no request in it
	KindV2Request                     // legacy v2 Request (not an IRR)
	KindConfAddNode                   // ConfChange AddNode
	KindConfRemoveNode                // ConfChange RemoveNode
	KindConfUpdateNode                // ConfChange UpdateNode
	KindConfAddLearner                // ConfChange AddLearnerNode
	KindConfChange                    // ConfChange too large to decode, or of an unknown change type
	KindConfChangeV2                  // ConfChangeV2: etcd panics on it
	KindUndecodable                   // data that is neither: etcd panics ("unmarshal should never fail")
	KindUnknownType                   // an entry type raft does not know
	NumKinds
)

var kindNames = [NumKinds]string{
	"noop", "put", "delete_range", "txn", "compaction", "range",
	"lease_grant", "lease_revoke", "lease_checkpoint", "alarm", "auth",
	"cluster_version_set", "cluster_member_attr_set", "downgrade_info_set", "downgrade_version_test",
	"v2_in_irr", "empty_request", "v2_request",
	"conf_add_node", "conf_remove_node", "conf_update_node", "conf_add_learner", "conf_change",
	"conf_change_v2", "undecodable", "unknown_entry_type",
}

// String is the kind's stable name (used in JSON).
func (k Kind) String() string {
	if k < NumKinds {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// IsConfChange is true for every conf change kind.
func (k Kind) IsConfChange() bool { return k >= KindConfAddNode && k <= KindConfChangeV2 }

// irrFieldKind names an InternalRaftRequest by its field number, for
// payloads classified while streaming (raft_internal.proto).
func irrFieldKind(field uint64) (Kind, bool) {
	switch {
	case field == 2:
		return KindIRRv2, true
	case field == 3:
		return KindRange, true
	case field == 4:
		return KindPut, true
	case field == 5:
		return KindDeleteRange, true
	case field == 6:
		return KindTxn, true
	case field == 7:
		return KindCompaction, true
	case field == 8:
		return KindLeaseGrant, true
	case field == 9:
		return KindLeaseRevoke, true
	case field == 10:
		return KindAlarm, true
	case field == 11:
		return KindLeaseCheckpoint, true
	case field >= 1000 && field <= 1204:
		return KindAuth, true
	case field == 1300:
		return KindClusterVersionSet, true
	case field == 1301:
		return KindMemberAttrSet, true
	case field == 1302:
		return KindDowngradeInfoSet, true
	case field == 9900:
		return KindDowngradeTest, true
	}
	return 0, false
}

// classify names a fully read entry payload, decoding it as etcd's apply
// does: InternalRaftRequest first, then the legacy v2 Request.
func classify(typ raftpb.EntryType, data []byte) (Kind, uint32) {
	switch typ {
	case raftpb.EntryNormal:
		if len(data) == 0 {
			return KindNoop, 0
		}
		if r, err := decodeIRR(data); err == nil {
			if k := r.kind(); k != KindTxn {
				return k, 1
			}
			return KindTxn, r.ops
		}
		if decodeProto(data, msgV2Request, nil) == nil {
			return KindV2Request, 1
		}
		return KindUndecodable, 0
	case raftpb.EntryConfChange:
		var cc raftpb.ConfChange
		if err := cc.Unmarshal(data); err != nil {
			return KindUndecodable, 0
		}
		switch cc.Type {
		case raftpb.ConfChangeAddNode:
			return KindConfAddNode, 1
		case raftpb.ConfChangeRemoveNode:
			return KindConfRemoveNode, 1
		case raftpb.ConfChangeUpdateNode:
			return KindConfUpdateNode, 1
		case raftpb.ConfChangeAddLearnerNode:
			return KindConfAddLearner, 1
		}
		return KindConfChange, 1
	case raftpb.EntryConfChangeV2:
		return KindConfChangeV2, 1
	}
	return KindUnknownType, 0
}

// classifyStream names a payload too large to buffer by the first request
// field of its InternalRaftRequest, reading (and so checksumming) all of it.
func classifyStream(typ raftpb.EntryType, r *limited) (Kind, error) {
	if typ == raftpb.EntryConfChangeV2 {
		return KindConfChangeV2, discard(r, r.n)
	}
	if typ != raftpb.EntryNormal {
		if typ == raftpb.EntryConfChange {
			return KindConfChange, discard(r, r.n)
		}
		return KindUnknownType, discard(r, r.n)
	}
	kind, found := KindIRREmpty, false
	for r.n > 0 {
		tag, err := readVarint(r)
		if err != nil {
			return KindUndecodable, discard(r, r.n)
		}
		field, wt := tag>>3, tag&7
		if k, ok := irrFieldKind(field); ok && !found {
			kind, found = k, true
		}
		if err := skipField(r, wt, func() int64 { return r.n }); err != nil {
			return KindUndecodable, discard(r, r.n)
		}
	}
	return kind, nil
}

// decodeEntry reads a raftpb.Entry of n bytes from r. An entry up to
// limit is read into *buf and decoded with raftpb's Unmarshal;
// a larger one field by field, its data streamed. data is the entry's
// data when it was buffered (nil when streamed), valid until *buf is
// reused. Errors wrapping errMalformed mean the bytes are not an Entry.
func decodeEntry(r *limited, n int64, buf *[]byte, limit int64) (e Entry, data []byte, err error) {
	if n <= limit {
		if int64(cap(*buf)) < n {
			*buf = make([]byte, n)
		}
		b := (*buf)[:n]
		if _, err := io.ReadFull(r, b); err != nil {
			return e, nil, err
		}
		var re raftpb.Entry
		if err := re.Unmarshal(b); err != nil {
			return e, nil, fmt.Errorf("%w: entry: %v", errMalformed, err)
		}
		e.Index, e.Term, e.Type = re.Index, re.Term, re.Type
		e.Size = saturate(len(re.Data))
		e.Kind, e.Ops = classify(re.Type, re.Data)
		return e, re.Data, nil
	}
	e.Unchecked = true
	var dataSeen bool
	var dataLen int64
	for r.n > 0 {
		tag, err := readVarint(r)
		if err != nil {
			return e, nil, err
		}
		field, wt := tag>>3, tag&7
		switch {
		case field <= 3 && field >= 1 && wt == 0:
			v, err := readVarint(r)
			if err != nil {
				return e, nil, err
			}
			switch field {
			case 1:
				e.Type = raftpb.EntryType(v)
			case 2:
				e.Term = v
			case 3:
				e.Index = v
			}
		case field == 4 && wt == 2:
			m, err := readLen(r, r.n)
			if err != nil {
				return e, nil, err
			}
			dataSeen, dataLen = true, m
			sub := &limited{r: r, n: m}
			if m <= limit {
				if int64(cap(*buf)) < m {
					*buf = make([]byte, m)
				}
				b := (*buf)[:m]
				if _, err := io.ReadFull(sub, b); err != nil {
					return e, nil, err
				}
				e.Kind, e.Ops = classify(e.Type, b)
				data = b
			} else if e.Kind, err = classifyStream(e.Type, sub); err != nil {
				return e, nil, err
			} else {
				e.Ops = 1
			}
		default:
			if field == 0 {
				return e, nil, fmt.Errorf("%w: entry field number 0", errMalformed)
			}
			if err := skipField(r, wt, func() int64 { return r.n }); err != nil {
				return e, nil, err
			}
		}
	}
	if dataSeen {
		e.Size = saturate64(dataLen)
	} else {
		e.Kind, e.Ops = classify(e.Type, nil)
	}
	return e, data, nil
}

func saturate(n int) uint32 { return saturate64(int64(n)) }

func saturate64(n int64) uint32 {
	if n > math.MaxUint32 {
		return math.MaxUint32
	}
	return uint32(n)
}

// newBytesSrc reads a byte slice.
func newBytesSrc(b []byte) src { return bytes.NewReader(b) }
