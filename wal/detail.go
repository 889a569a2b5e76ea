package wal

import (
	"io/fs"

	"go.etcd.io/raft/v3/raftpb"
)

// Detail is what a listing of the log shows of one entry's request beyond
// Entry: names, counts and sizes, never a value.
type Detail struct {
	// Decoded: the payload was read whole and decoded; false for one over
	// MaxBuffered or one that does not decode (Entry's fields only).
	Decoded bool
	// Key is a put's, delete_range's or range's key, a txn's first
	// success op's key (else its first compare's), a v2 request's path.
	// RangeEnd is the range end of a delete_range or range (or that op).
	Key, RangeEnd []byte
	// ValueBytes is a put's value size; a txn's: its success ops' puts.
	ValueBytes int64
	// Compares, Success and Failure count a txn's compares and ops.
	Compares, Success, Failure int
	// Revision is a compaction's.
	Revision int64
	// Lease is a put's lease, a lease grant's or revoke's ID; TTL a
	// grant's, in seconds.
	Lease, TTL int64
	// Method is a v2 request's (PUT, DELETE, QGET...): untrusted text.
	Method string
	// NodeID is a conf change's member.
	NodeID uint64
}

// EntryDetail decodes the request of entry e from its data (nil when it
// was not buffered).
func EntryDetail(e Entry, data []byte) Detail {
	var d Detail
	if data == nil && e.Size > 0 {
		return d
	}
	switch e.Type {
	case raftpb.EntryConfChange:
		var cc raftpb.ConfChange
		if cc.Unmarshal(data) == nil {
			d.Decoded, d.NodeID = true, cc.NodeID
		}
		return d
	case raftpb.EntryNormal:
	default:
		return d
	}
	switch e.Kind {
	case KindNoop:
		d.Decoded = true
	case KindV2Request:
		d.Decoded = decodeV2(data, &d) == nil
	case KindUndecodable:
	default:
		var firstOp, firstCompare []byte
		err := decodeProto(data, msgIRR, func(depth int, outer, num int32, v uint64, b []byte) {
			if depth == 0 {
				if num == irrV2 {
					_ = decodeV2(b, &d)
				}
				return
			}
			switch outer {
			case irrPut:
				putField(&d, num, v, b)
			case irrDeleteRange, irrRange:
				rangeField(&d, num, b)
			case irrCompaction:
				if num == 1 {
					d.Revision = int64(v)
				}
			case irrLeaseGrant:
				switch num {
				case 1:
					d.TTL = int64(v)
				case 2:
					d.Lease = int64(v)
				}
			case irrLeaseRevoke:
				if num == 1 {
					d.Lease = int64(v)
				}
			case irrTxn:
				switch num {
				case 1:
					d.Compares++
					if firstCompare == nil {
						firstCompare = b
					}
				case 2:
					d.Success++
					if firstOp == nil {
						firstOp = b
					}
					d.ValueBytes += opValueBytes(b)
				case 3:
					d.Failure++
				}
			}
		})
		if err != nil {
			return Detail{}
		}
		d.Decoded = true
		if e.Kind == KindTxn {
			var op Detail
			if firstOp != nil {
				opDetail(firstOp, &op)
			}
			if op.Key == nil && firstCompare != nil {
				_ = decodeProto(firstCompare, msgCompare, func(depth int, _, num int32, _ uint64, b []byte) {
					if depth == 0 && num == 3 {
						op.Key = b
					} else if depth == 0 && num == 64 {
						op.RangeEnd = b
					}
				})
			}
			d.Key, d.RangeEnd = op.Key, op.RangeEnd
		}
	}
	return d
}

func putField(d *Detail, num int32, v uint64, b []byte) {
	switch num {
	case 1:
		d.Key = b
	case 2:
		d.ValueBytes = int64(len(b))
	case 3:
		d.Lease = int64(v)
	}
}

func rangeField(d *Detail, num int32, b []byte) {
	switch num {
	case 1:
		d.Key = b
	case 2:
		d.RangeEnd = b
	}
}

// opDetail reads a RequestOp's key and range end (its put's value size
// into ValueBytes).
func opDetail(op []byte, d *Detail) {
	_ = decodeProto(op, msgRequestOp, func(depth int, outer, num int32, v uint64, b []byte) {
		if depth != 1 {
			return
		}
		switch outer {
		case 2:
			putField(d, num, v, b)
		case 1, 3:
			rangeField(d, num, b)
		}
	})
}

func opValueBytes(op []byte) int64 {
	var d Detail
	opDetail(op, &d)
	return d.ValueBytes
}

// decodeV2 reads a v2 Request's method and path (fields 2 and 3).
func decodeV2(b []byte, d *Detail) error {
	return decodeProto(b, msgV2Request, func(depth int, _, num int32, _ uint64, f []byte) {
		if depth != 0 {
			return
		}
		switch num {
		case 2:
			d.Method = string(f)
		case 3:
			d.Key = f
		}
	})
}

// Live marks the entries of l.Entries that raft keeps: a later entry
// record with the same or a lower index replaces the entries from that
// index on (a new leader overwriting uncommitted ones), as etcd's ReadAll
// does. The others were overwritten.
func (l *Log) Live() []bool {
	live := make([]bool, len(l.Entries))
	var stack []int32 // positions in l.Entries of the entries kept so far
	for i, e := range l.Entries {
		for len(stack) > 0 && l.Entries[stack[len(stack)-1]].Index >= e.Index {
			live[stack[len(stack)-1]] = false
			stack = stack[:len(stack)-1]
		}
		stack = append(stack, int32(i))
		live[i] = true
	}
	return live
}

// ListFS reads the WAL directory dir of fsys and calls fn, in file order,
// on each entry raft keeps (Live) for which keep is true, with its
// Detail. It reads the files twice: once to know which entries are
// overwritten, once to decode the ones listed, so memory does not grow
// with the log. A file that changes between the two reads (a running
// member appending) lists what the first read saw.
func ListFS(fsys fs.FS, dir string, keep func(Entry) bool, fn func(Entry, Detail)) (*Log, []bool, error) {
	l, err := ReadDirFS(fsys, dir)
	if err != nil {
		return nil, nil, err
	}
	live := l.Live()
	_, err = readDirFS(fsys, dir, func(i int, e Entry, data []byte) {
		if i < len(live) && live[i] && keep(e) {
			fn(e, EntryDetail(e, data))
		}
	})
	return l, live, err
}
