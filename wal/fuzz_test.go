package wal

import (
	"bytes"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
	"go.etcd.io/raft/v3/raftpb"
)

// segmentSeeds are the first bytes of real segments: the crc, metadata and
// snapshot records and the first entries (the whole files are 64 MB).
func segmentSeeds(f *testing.F, n int) [][]byte {
	var out [][]byte
	for _, name := range []string{"small-v3.6", "small-v3.5", "snapshots-v3.6"} {
		out = append(out, fixtures.DataDirFileHead(f, fixtures.GetDataDir(f, name), "member/wal/0000000000000000-0000000000000000.wal", n))
	}
	return out
}

// FuzzReadDir reads fuzzed bytes as the one segment of a WAL dir: a
// Problem or a clean read, never a panic, and never more frames than bytes.
func FuzzReadDir(f *testing.F) {
	for _, s := range segmentSeeds(f, 1024) {
		f.Add(s)
	}
	f.Add([]byte{4, 0, 0, 0, 0, 0, 0, 0x84, 0x08, 0x04, 0x10, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		l := &Log{Segments: []Segment{{Name: "0000000000000000-0000000000000000.wal"}}}
		r := &reader{log: l, scratch: make([]byte, 4096)}
		r.readFrom(0, bytes.NewReader(b), int64(len(b)))
		if l.BytesRead > int64(len(b)) || l.Segments[0].End > int64(len(b)) {
			t.Fatalf("read %d bytes (end %d) of %d", l.BytesRead, l.Segments[0].End, len(b))
		}
		if l.Problem != nil && (l.Problem.Offset < 0 || l.Problem.Offset > int64(len(b))) {
			t.Fatalf("problem offset %d of %d", l.Problem.Offset, len(b))
		}
		ld := l.ReadAll(0, 0, "3.6")
		if len(ld.Entries) > len(l.Entries) {
			t.Fatalf("ReadAll gave %d of %d entries", len(ld.Entries), len(l.Entries))
		}
	})
}

// FuzzDecodeEntry requires the buffered decoder (raftpb's Unmarshal) and
// the streaming one to read the same fields when both accept the bytes.
func FuzzDecodeEntry(f *testing.F) {
	for _, e := range []raftpb.Entry{
		{Term: 2, Index: 9, Data: []byte{0x22, 0x03, 0x0a, 0x01, 'k'}},
		{Term: 1, Index: 1, Type: raftpb.EntryConfChange, Data: []byte{0x10, 0x00, 0x18, 0x05}},
		{Term: 3, Index: 4},
	} {
		b, _ := e.Marshal()
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		n := int64(len(b))
		eb, _, errb := decodeEntry(&limited{r: bytes.NewReader(b), n: n}, n, new([]byte), MaxBuffered)
		es, _, errs := decodeEntry(&limited{r: bytes.NewReader(b), n: n}, n, new([]byte), 0)
		var re raftpb.Entry
		if (re.Unmarshal(b) == nil) != (errb == nil) {
			t.Fatalf("buffered decode error %v, raftpb says %v", errb, re.Unmarshal(b))
		}
		if errb == nil && errs == nil {
			if eb.Index != es.Index || eb.Term != es.Term || eb.Type != es.Type || eb.Size != es.Size {
				t.Fatalf("buffered %+v, streamed %+v", eb, es)
			}
		}
	})
}

// FuzzReadSnapFile reads fuzzed bytes as a .snap file.
func FuzzReadSnapFile(f *testing.F) {
	f.Add(fixtures.DataDirFileHead(f, fixtures.GetDataDir(f, "snapshots-v3.6"), "member/snap/0000000000000002-0000000000000065.snap", 1<<20))
	f.Add([]byte{0x08, 0x01, 0x12, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		s := readSnap("fuzz.snap", bytes.NewReader(b), int64(len(b)))
		if s.Err == "" && s.DataBytes > int64(len(b)) {
			t.Fatalf("%d data bytes in a %d-byte file", s.DataBytes, len(b))
		}
	})
}
