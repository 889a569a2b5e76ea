package wal

import (
	"bufio"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
)

// castagnoli is etcd's WAL and snap CRC table (wal.go: crcTable).
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// sectorSize is etcd's minSectorSize: a torn write leaves whole 512-byte
// sectors of zeros (decoder.go isTornEntry).
const sectorSize = 512

// frameHeader is the length field in front of every record.
const frameHeader = 8

// errFrameEnd is returned when a read would pass the end of the frame.
var errFrameEnd = errors.New("record is shorter than its fields say")

// decodeFrameSize splits a length field as etcd's decodeFrameSize does.
func decodeFrameSize(l uint64) (rec, pad int64) {
	rec = int64(l &^ (uint64(0xff) << 56))
	if int64(l) < 0 {
		pad = int64((l >> 56) & 0x7)
	}
	return rec, pad
}

// segReader reads one segment file sequentially.
type segReader struct {
	br   *bufio.Reader
	off  int64 // file offset of the next byte
	size int64
}

// readLength reads the next length field. io.EOF: no byte left;
// io.ErrUnexpectedEOF: fewer than 8.
func (s *segReader) readLength() (uint64, error) {
	var b [8]byte
	n, err := io.ReadFull(s.br, b[:])
	s.off += int64(n)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b[:]), nil
}

// frame streams the bytes of one record plus its padding, keeping what
// etcd's decoder needs to judge it: the CRC of the data field (inData) and
// whether any 512-byte sector of the frame is all zeros (a torn write).
type frame struct {
	s       *segReader
	left    int64 // record bytes not yet read (padding excluded)
	pad     int64
	inData  bool
	crc     uint32 // running CRC-32C, updated while inData
	zeroRun bool   // the current sector chunk is all zero so far
	started bool   // the current sector chunk has at least one byte
	torn    bool   // a whole sector chunk was zero
	scratch []byte
	one     [1]byte
}

func newFrame(s *segReader, rec, pad int64, crc uint32, scratch []byte) *frame {
	return &frame{s: s, left: rec, pad: pad, crc: crc, zeroRun: true, scratch: scratch}
}

// account feeds read bytes to the torn-sector check and the CRC.
func (f *frame) account(p []byte) {
	if f.inData {
		f.crc = crc32.Update(f.crc, castagnoli, p)
	}
	off := f.s.off - int64(len(p)) // file offset of p[0]
	for len(p) > 0 {
		n := int(sectorSize - off%sectorSize)
		if n > len(p) {
			n = len(p)
		}
		for _, c := range p[:n] {
			if c != 0 {
				f.zeroRun = false
				break
			}
		}
		f.started = true
		off += int64(n)
		p = p[n:]
		if off%sectorSize == 0 {
			f.closeChunk()
		}
	}
}

func (f *frame) closeChunk() {
	if f.started && f.zeroRun {
		f.torn = true
	}
	f.zeroRun, f.started = true, false
}

func (f *frame) ReadByte() (byte, error) {
	if f.left <= 0 {
		return 0, errFrameEnd
	}
	c, err := f.s.br.ReadByte()
	if err != nil {
		return 0, io.ErrUnexpectedEOF
	}
	f.s.off++
	f.left--
	f.one[0] = c
	f.account(f.one[:])
	return c, nil
}

// Read reads at most the record bytes left.
func (f *frame) Read(p []byte) (int, error) {
	if f.left <= 0 {
		return 0, errFrameEnd
	}
	if int64(len(p)) > f.left {
		p = p[:f.left]
	}
	n, err := f.s.br.Read(p)
	f.s.off += int64(n)
	f.left -= int64(n)
	f.account(p[:n])
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// skip consumes n record bytes through the checks without keeping them.
func (f *frame) skip(n int64) error {
	for n > 0 {
		b := f.scratch
		if int64(len(b)) > n {
			b = b[:n]
		}
		m, err := io.ReadFull(f, b)
		n -= int64(m)
		if err != nil {
			return err
		}
	}
	return nil
}

// finish consumes the rest of the record and the padding, so the torn
// check has seen the whole frame as etcd's does.
func (f *frame) finish() error {
	if err := f.skip(f.left); err != nil {
		return err
	}
	f.left = f.pad
	f.inData = false
	f.pad = 0
	if err := f.skip(f.left); err != nil {
		return err
	}
	f.closeChunk()
	return nil
}
