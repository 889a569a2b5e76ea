package mvcc

import (
	"errors"
	"fmt"
	"io"
)

// keyValue is a zero-copy view of an mvccpb.KeyValue: Key and Value alias
// the decoded buffer and are valid only as long as it is.
type keyValue struct {
	Key            []byte
	CreateRevision int64
	ModRevision    int64
	Version        int64
	Value          []byte
	Lease          int64
}

// Errors of the KeyValue wire decoder; they match gogo's generated
// mvccpb errors in meaning so a value is rejected exactly when etcd's
// Unmarshal rejects it.
var (
	errProtoIntOverflow      = errors.New("proto: integer overflow")
	errProtoInvalidLength    = errors.New("proto: negative length found during unmarshaling")
	errProtoUnexpectedEndGrp = errors.New("proto: unexpected end of group")
	errProtoEndGroup         = errors.New("proto: KeyValue: wiretype end group for non-group")
)

// decodeKeyValue decodes an mvccpb.KeyValue without copying. It follows
// mvccpb's generated Unmarshal step by step (same varint limits, same last-
// field-wins rule, unknown fields skipped) so the fuzz test can require
// identical answers.
func decodeKeyValue(data []byte, kv *keyValue) error {
	*kv = keyValue{}
	l := len(data)
	i := 0
	for i < l {
		pre := i
		wire, n, err := readVarint(data, i)
		if err != nil {
			return err
		}
		i = n
		fieldNum := int32(wire >> 3)
		wireType := int(wire & 7)
		if wireType == 4 {
			return errProtoEndGroup
		}
		if fieldNum <= 0 {
			return fmt.Errorf("proto: KeyValue: illegal tag %d (wire type %d)", fieldNum, wire)
		}
		switch fieldNum {
		case 1, 5:
			if wireType != 2 {
				return fmt.Errorf("proto: wrong wireType = %d for field %d", wireType, fieldNum)
			}
			v, n, err := readVarint(data, i)
			if err != nil {
				return err
			}
			i = n
			byteLen := int(v)
			if byteLen < 0 {
				return errProtoInvalidLength
			}
			post := i + byteLen
			if post < 0 {
				return errProtoInvalidLength
			}
			if post > l {
				return io.ErrUnexpectedEOF
			}
			if fieldNum == 1 {
				kv.Key = data[i:post:post]
			} else {
				kv.Value = data[i:post:post]
			}
			i = post
		case 2, 3, 4, 6:
			if wireType != 0 {
				return fmt.Errorf("proto: wrong wireType = %d for field %d", wireType, fieldNum)
			}
			v, n, err := readVarint(data, i)
			if err != nil {
				return err
			}
			i = n
			switch fieldNum {
			case 2:
				kv.CreateRevision = int64(v)
			case 3:
				kv.ModRevision = int64(v)
			case 4:
				kv.Version = int64(v)
			case 6:
				kv.Lease = int64(v)
			}
		default:
			i = pre
			skip, err := skipProtoField(data[i:])
			if err != nil {
				return err
			}
			if skip < 0 || i+skip < 0 {
				return errProtoInvalidLength
			}
			if i+skip > l {
				return io.ErrUnexpectedEOF
			}
			i += skip
		}
	}
	return nil
}

// readVarint reads a base-128 varint at data[i:], with gogo's limits: at
// most 10 bytes (shift < 64), high bits beyond 64 silently dropped.
func readVarint(data []byte, i int) (uint64, int, error) {
	var v uint64
	for shift := uint(0); ; shift += 7 {
		if shift >= 64 {
			return 0, i, errProtoIntOverflow
		}
		if i >= len(data) {
			return 0, i, io.ErrUnexpectedEOF
		}
		b := data[i]
		i++
		v |= uint64(b&0x7F) << shift
		if b < 0x80 {
			return v, i, nil
		}
	}
}

// skipProtoField returns the length of the field starting at data[0],
// following gogo's generated skip function (groups included).
func skipProtoField(data []byte) (int, error) {
	l := len(data)
	i := 0
	depth := 0
	for i < l {
		wire, n, err := readVarint(data, i)
		if err != nil {
			return 0, err
		}
		i = n
		switch wire & 7 {
		case 0:
			for shift := uint(0); ; shift += 7 {
				if shift >= 64 {
					return 0, errProtoIntOverflow
				}
				if i >= l {
					return 0, io.ErrUnexpectedEOF
				}
				i++
				if data[i-1] < 0x80 {
					break
				}
			}
		case 1:
			i += 8
		case 2:
			v, n, err := readVarint(data, i)
			if err != nil {
				return 0, err
			}
			i = n
			length := int(v)
			if length < 0 {
				return 0, errProtoInvalidLength
			}
			i += length
		case 3:
			depth++
		case 4:
			if depth == 0 {
				return 0, errProtoUnexpectedEndGrp
			}
			depth--
		case 5:
			i += 4
		default:
			return 0, fmt.Errorf("proto: illegal wireType %d", wire&7)
		}
		if i < 0 {
			return 0, errProtoInvalidLength
		}
		if depth == 0 {
			return i, nil
		}
	}
	return 0, io.ErrUnexpectedEOF
}
