package wal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Record types (etcd's wal.go: MetadataType ... SnapshotType).
const (
	MetadataType int64 = 1
	EntryType    int64 = 2
	StateType    int64 = 3
	CrcType      int64 = 4
	SnapshotType int64 = 5
)

// MaxBuffered is the largest payload read into memory: an entry's data up
// to this size is decoded with the generated protobuf code; a larger one is
// checksummed and classified by its top-level fields while it streams by.
// Metadata, state and snapshot records are a few dozen bytes in etcd; one
// larger than this is reported as malformed.
const MaxBuffered = 4 << 20

// errMalformed marks bytes that do not decode as the proto they should be.
var errMalformed = errors.New("malformed protobuf")

// src is what the small hand-written proto decoders read from: a frame
// (streamed) or a bytes.Reader (buffered).
type src interface {
	io.Reader
	io.ByteReader
}

// limited reads at most n bytes of r: one length-delimited field.
type limited struct {
	r src
	n int64
}

func (l *limited) ReadByte() (byte, error) {
	if l.n <= 0 {
		return 0, errFrameEnd
	}
	c, err := l.r.ReadByte()
	if err == nil {
		l.n--
	}
	return c, err
}

func (l *limited) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errFrameEnd
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// discard reads and drops n bytes of r (they still pass the frame's checks).
func discard(r src, n int64) error {
	var buf [4096]byte
	for n > 0 {
		b := buf[:]
		if int64(len(b)) > n {
			b = b[:n]
		}
		m, err := io.ReadFull(r, b)
		n -= int64(m)
		if err != nil {
			return err
		}
	}
	return nil
}

func readVarint(r io.ByteReader) (uint64, error) {
	v, err := binary.ReadUvarint(r)
	if err != nil {
		if errors.Is(err, errFrameEnd) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return 0, fmt.Errorf("%w: a varint runs past its field", errMalformed)
		}
		return 0, fmt.Errorf("%w: %v", errMalformed, err)
	}
	return v, nil
}

// readLen reads a length prefix and checks it against the bytes left.
func readLen(r io.ByteReader, left int64) (int64, error) {
	v, err := readVarint(r)
	if err != nil {
		return 0, err
	}
	if v > uint64(left) {
		return 0, fmt.Errorf("%w: a field of %d bytes in %d", errMalformed, v, left)
	}
	return int64(v), nil
}

// skipField drops one field of wire type wt (groups are refused: etcd's
// messages have none).
func skipField(r src, wt uint64, left func() int64) error {
	switch wt {
	case 0:
		_, err := readVarint(r)
		return err
	case 1:
		return discardChecked(r, 8, left())
	case 2:
		n, err := readLen(r, left())
		if err != nil {
			return err
		}
		return discardChecked(r, n, left())
	case 5:
		return discardChecked(r, 4, left())
	}
	return fmt.Errorf("%w: wire type %d", errMalformed, wt)
}

func discardChecked(r src, n, left int64) error {
	if n > left {
		return fmt.Errorf("%w: a field of %d bytes in %d", errMalformed, n, left)
	}
	if err := discard(r, n); err != nil {
		return fmt.Errorf("%w: %v", errMalformed, err)
	}
	return nil
}

// record is one decoded walpb.Record: its type, stored crc, data length,
// the CRC chain over its data, and the data itself (buffered for small
// records) or the entry read from it while it streamed.
type record struct {
	typ      int64
	crc      uint32
	dataLen  int64
	chainCRC uint32 // the running CRC with this record's data added
	data     []byte // non-entry data, at most MaxBuffered
	entry    Entry
	entryErr error  // the entry payload does not decode (etcd panics on it)
	payload  []byte // the entry's data when buffered (up to MaxBuffered)
	isEntry  bool   // entry was decoded while streaming
}

// decodeRecord reads a walpb.Record from f, whose CRC starts at running.
// buf is reused for buffered data. Errors wrap errMalformed (the record's
// bytes are not a Record) or are read errors.
func decodeRecord(f *frame, running uint32, buf *[]byte) (record, error) {
	var rec record
	var typeSeen bool
	rec.chainCRC = running
	left := func() int64 { return f.left }
	for f.left > 0 {
		tag, err := readVarint(f)
		if err != nil {
			return rec, err
		}
		field, wt := tag>>3, tag&7
		switch {
		case field == 1 && wt == 0:
			v, err := readVarint(f)
			if err != nil {
				return rec, err
			}
			rec.typ, typeSeen = int64(v), true
		case field == 2 && wt == 0:
			v, err := readVarint(f)
			if err != nil {
				return rec, err
			}
			rec.crc = uint32(v)
		case field == 3 && wt == 2:
			n, err := readLen(f, f.left)
			if err != nil {
				return rec, err
			}
			// A repeated data field: the last one wins, as in gogo's Unmarshal.
			rec.dataLen, rec.data, rec.isEntry, rec.entryErr, rec.payload = n, nil, false, nil, nil
			f.inData, f.crc = true, running
			lim := &limited{r: f, n: n}
			if typeSeen && rec.typ == EntryType {
				rec.isEntry = true
				rec.entry, rec.payload, rec.entryErr = decodeEntry(lim, n, buf, MaxBuffered)
				if rec.entryErr != nil && !errors.Is(rec.entryErr, errMalformed) {
					return rec, rec.entryErr // a read error, not a bad entry
				}
				if err := discard(lim, lim.n); err != nil {
					return rec, err
				}
			} else if n <= MaxBuffered {
				if int64(cap(*buf)) < n {
					*buf = make([]byte, n)
				}
				rec.data = (*buf)[:n]
				if _, err := io.ReadFull(lim, rec.data); err != nil {
					return rec, err
				}
			} else {
				if err := discard(lim, n); err != nil {
					return rec, err
				}
				return rec, fmt.Errorf("%w: a record's data of %d bytes (type not yet known, or not an entry) is over %d", errMalformed, n, MaxBuffered)
			}
			f.inData = false
			rec.chainCRC = f.crc
		default:
			if field == 0 {
				return rec, fmt.Errorf("%w: field number 0", errMalformed)
			}
			if err := skipField(f, wt, left); err != nil {
				return rec, err
			}
		}
	}
	if rec.typ == EntryType && !rec.isEntry && rec.data != nil {
		// The data came before the type: decode the buffered copy.
		rec.isEntry = true
		rec.entry, rec.payload, rec.entryErr = decodeEntry(&limited{r: newBytesSrc(rec.data), n: int64(len(rec.data))}, int64(len(rec.data)), new([]byte), MaxBuffered)
		rec.data = nil
	}
	return rec, nil
}
