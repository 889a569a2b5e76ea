package measure

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"

	"go.etcd.io/etcd/api/v3/authpb"
	"go.etcd.io/raft/v3/raftpb"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// writeScratchWAL writes a WAL-shaped file of n entry records whose data
// is entryBytes long (random bytes: a txn's puts), framed and chained as
// etcd's encoder frames them: an 8-byte length with padding to 8 bytes, a
// walpb.Record{type 2, crc, data} (encoded here by hand: walpb is in
// etcd's server module), the CRC-32C chained over the data.
func writeScratchWAL(path string, n, entryBytes int) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewSource(15))
	data := make([]byte, entryBytes)
	var crc uint32
	var size int64
	for i := range n {
		rng.Read(data)
		e := raftpb.Entry{Term: 2, Index: uint64(i + 1), Type: raftpb.EntryNormal, Data: data}
		eb, err := e.Marshal()
		if err != nil {
			f.Close()
			return 0, err
		}
		crc = crc32.Update(crc, castagnoli, eb)
		rec := binary.AppendUvarint([]byte{1 << 3}, 2)
		rec = append(rec, 2<<3)
		rec = binary.AppendUvarint(rec, uint64(crc))
		rec = append(rec, 3<<3|2)
		rec = binary.AppendUvarint(rec, uint64(len(eb)))
		rec = append(rec, eb...)
		pad := (8 - len(rec)%8) % 8
		lenField := uint64(len(rec))
		if pad != 0 {
			lenField |= uint64(0x80|pad) << 56
		}
		var hdr [8]byte
		binary.LittleEndian.PutUint64(hdr[:], lenField)
		w.Write(hdr[:])
		w.Write(rec)
		w.Write(make([]byte, pad))
		size += int64(8 + len(rec) + pad)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return 0, err
	}
	return size, f.Close()
}

// readScratchWAL reads the file as etcd's wal decoder does (decoder.go
// decodeRecord: a bufio.Reader of 4 KiB, a new buffer per frame, the
// record's data copied into a reused walpb.Record, CRC-32C over it) and,
// with entries, as ReadAll does then: raftpb.Entry.Unmarshal of every
// entry record, all of them kept (raft's MemoryStorage holds them).
func readScratchWAL(path string, entries bool) ([]raftpb.Entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var ents []raftpb.Entry
	var recData []byte // walpb.Record.Data, reused as the decoder reuses rec
	var crc uint32
	var hdr [8]byte
	for {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			if errors.Is(err, io.EOF) {
				return ents, nil
			}
			return nil, err
		}
		l := binary.LittleEndian.Uint64(hdr[:])
		recBytes := int64(l &^ (uint64(0xff) << 56))
		pad := int64(0)
		if int64(l) < 0 {
			pad = int64((l >> 56) & 7)
		}
		data := make([]byte, recBytes+pad)
		if _, err := io.ReadFull(br, data); err != nil {
			return nil, err
		}
		// walpb.Record: type (1), crc (2), data (3).
		rec := data[:recBytes]
		var stored uint64
		for i := 0; i < len(rec); {
			tag, k := binary.Uvarint(rec[i:])
			i += k
			v, k := binary.Uvarint(rec[i:])
			i += k
			switch tag {
			case 2 << 3:
				stored = v
			case 3<<3 | 2:
				recData = append(recData[:0], rec[i:i+int(v)]...)
				i += int(v)
			}
		}
		crc = crc32.Update(crc, castagnoli, recData)
		if uint64(crc) != stored {
			return nil, fmt.Errorf("scratch WAL: crc mismatch")
		}
		if entries {
			var e raftpb.Entry
			if err := e.Unmarshal(recData); err != nil {
				return nil, err
			}
			ents = append(ents, e)
		}
	}
}

// measureWALDecode times etcd's two reads of its WAL at restart:
// ValidSnapshotEntries decodes every record, ReadAll decodes them again
// and unmarshals the entries, keeping them. Per byte of frames decoded
// (both reads count, as wal.Replay.DecodedBytes does). Entries of ~140 KB,
// as the big txns of the restarts the model was checked on.
//
// etcd reads its WAL in a freshly started process: the frame buffers,
// records and entries it decodes go into heap it has never touched, and
// ReadAll keeps every entry, so its heap grows with the WAL and every page
// of it is faulted in (on the reference VM a first touch has cost up to
// ~4 ns a byte, report/testdata/member_restart_check.md set 9). The heap
// is given back to the OS before each read (as the restore pipeline
// measurement does, pipeline.go), so this read faults in its own pages in
// the same proportion to the bytes decoded: the first read's garbage is
// reused at a small heap, the second's kept entries and their garbage are
// fresh memory, as in etcd.
func measureWALDecode(dir string, entries int) (perByte, secs float64, err error) {
	path := filepath.Join(dir, "scratch.wal")
	size, err := writeScratchWAL(path, entries, 140<<10)
	if err != nil {
		return 0, 0, err
	}
	defer os.Remove(path)
	var rerr error
	var kept []raftpb.Entry
	// The file is in the page cache (just written), as the model assumes.
	freshHeap()
	t1 := timeIt(func() { _, rerr = readScratchWAL(path, false) })
	if rerr != nil {
		return 0, 0, rerr
	}
	freshHeap()
	t2 := timeIt(func() { kept, rerr = readScratchWAL(path, true) })
	if rerr != nil {
		return 0, 0, rerr
	}
	if len(kept) != entries {
		return 0, 0, fmt.Errorf("scratch WAL: %d of %d entries read back", len(kept), entries)
	}
	return (t1 + t2) / float64(2*size), t1 + t2, nil
}

// freshHeap gives the heap's free pages back to the OS, so that what is
// allocated next is faulted in as in a freshly started process.
func freshHeap() {
	runtime.GC()
	debug.FreeOSMemory()
}

// measureEntryUnmarshal times the apply loop's unmarshal of each entry's
// request, per mvcc op. etcd's InternalRaftRequest (a TxnRequest of
// RequestOps of PutRequests) is in etcdserverpb, which dbinspect does not
// link (it brings grpc); its stand-in is the same gogo-generated code on
// authpb.Role: a message of many small messages of two byte fields, each a
// new allocation and two copies, as a RequestOp's put is (etcd's has three
// allocations more per op: RequestOp, its oneof wrapper, PutRequest).
func measureEntryUnmarshal(ops int) (perOp, secs float64, err error) {
	const perMsg = 200
	role := authpb.Role{Name: []byte("txn")}
	for i := range perMsg {
		role.KeyPermission = append(role.KeyPermission, &authpb.Permission{Key: fmt.Appendf(nil, "/registry/k%08d", i), RangeEnd: make([]byte, 100)})
	}
	b, err := role.Marshal()
	if err != nil {
		return 0, 0, err
	}
	msgs := max(ops/perMsg, 1)
	var uerr error
	secs = timeIt(func() {
		for range msgs {
			var r authpb.Role
			if err := r.Unmarshal(b); err != nil {
				uerr = err
				return
			}
		}
	})
	return secs / float64(msgs*perMsg), secs, uerr
}
