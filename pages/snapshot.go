package pages

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"math/bits"
)

// snapshotAlign is etcdutl's rule (snapshot/v3_snapshot.go hasChecksum): a
// file whose size modulo 512 is 32 ends with a SHA-256 of the bytes before.
const snapshotAlign = 512

// SnapshotTrailer is the SHA-256 that `etcdctl snapshot save` appends.
type SnapshotTrailer struct {
	Present bool              `json:"present"`
	Offset  int64             `json:"offset,omitempty"` // where the trailer starts
	SHA256  [sha256.Size]byte `json:"-"`
}

// MarshalJSON writes the digest as hex.
func (s SnapshotTrailer) MarshalJSON() ([]byte, error) {
	type plain SnapshotTrailer
	out := struct {
		plain
		SHA256 string `json:"sha256,omitempty"`
	}{plain: plain(s)}
	if s.Present {
		out.SHA256 = hex.EncodeToString(s.SHA256[:])
	}
	return json.Marshal(out)
}

// SnapshotStatus is the result of VerifySnapshot.
type SnapshotStatus string

// Values of SnapshotStatus.
const (
	SnapshotOK       SnapshotStatus = "ok"
	SnapshotMismatch SnapshotStatus = "mismatch"
	SnapshotAbsent   SnapshotStatus = "absent"
)

func (f *File) readTrailer() error {
	if f.rawSize%snapshotAlign != sha256.Size || f.rawSize < snapshotAlign {
		return nil
	}
	off := f.rawSize - sha256.Size
	f.snap = SnapshotTrailer{Present: true, Offset: off}
	if err := f.readAt(f.snap.SHA256[:], off, NoPage); err != nil {
		return err
	}
	f.size = off
	return nil
}

// checkTrailer drops a trailer that the metas contradict. etcdutl's size
// rule alone is fooled by a copy cut at 32 bytes past a multiple of 512:
// its last 32 bytes are db bytes, not a hash. `etcdctl snapshot save`
// writes exactly the high-water mark's pages (bbolt's Tx.WriteTo writes
// Tx.Size) before the hash, so a real trailer starts there.
func (f *File) checkTrailer() {
	if !f.snap.Present {
		return
	}
	for _, m := range f.metas {
		if hi, lo := bits.Mul64(m.Meta.HighWater, uint64(f.pageSize)); m.Valid && hi == 0 && lo == uint64(f.snap.Offset) {
			return
		}
	}
	f.snap = SnapshotTrailer{}
	f.size = f.rawSize
}

// VerifySnapshot hashes the bbolt part and compares it with the trailer, as
// `etcdutl snapshot restore` does without --skip-hash-check.
func (f *File) VerifySnapshot() (_ SnapshotStatus, err error) {
	if !f.snap.Present {
		return SnapshotAbsent, nil
	}
	defer f.Guard()(&err)
	h := sha256.New()
	if f.m != nil {
		// In place, a window at a time, dropped behind as the passes' reads.
		var b behind
		for off := uint64(0); off < uint64(f.size); off += readWindowBytes {
			end := min(off+readWindowBytes, uint64(f.size))
			f.m.touch(off, end, &b)
			h.Write(f.m.data[off:end])
		}
		f.m.release(&b)
	} else if _, err := io.Copy(h, io.NewSectionReader(f.r, 0, f.size)); err != nil {
		return "", err
	}
	if !bytes.Equal(h.Sum(nil), f.snap.SHA256[:]) {
		return SnapshotMismatch, nil
	}
	return SnapshotOK, nil
}
