package measure

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"

	"github.com/dbinspect/dbinspect/wal"
	"go.etcd.io/raft/v3"
)

// measureRaftLogHeap measures what a restart's raft log costs in resident
// memory per byte of the log: etcd reads the WAL twice (ValidSnapshotEntries,
// then ReadAll, which unmarshals every entry into a new Data slice and
// appends it to a growing slice), then appends the entries to raft's
// MemoryStorage, where they stay. Every frame read is garbage; the GC (at
// GOGC=100, as etcd runs) lets the heap grow to about twice what is live
// before it collects, and the restore and apply that follow allocate
// enough garbage for the heap to reach that goal with the log live. The factor is the peak RSS growth over the live raft
// log (48 bytes of raftpb.Entry and the data, per entry: wal.Span's
// MemoryBytes), with the process's heap first collected and returned to
// the OS, and its peak RSS reset (/proc/self/clear_refs). ok is false where
// the peak cannot be reset or read (not Linux).
func measureRaftLogHeap(dir string, entries int) (factor, secs float64, ok bool, err error) {
	path := filepath.Join(dir, "raftlog.wal")
	const entryBytes = 140 << 10
	if _, err := writeScratchWAL(path, entries, entryBytes); err != nil {
		return 0, 0, false, err
	}
	defer os.Remove(path)
	runtime.GC()
	debug.FreeOSMemory()
	if !resetPeakRSS() {
		return 0, 0, false, nil
	}
	rss0, _, ok := rssNow()
	if !ok {
		return 0, 0, false, nil
	}
	ms := raft.NewMemoryStorage()
	var rerr error
	secs = timeIt(func() {
		if _, rerr = readScratchWAL(path, false); rerr != nil {
			return
		}
		kept, err := readScratchWAL(path, true)
		if err != nil {
			rerr = err
			return
		}
		rerr = ms.Append(kept)
		// What follows in etcd (the index restore, the apply loop)
		// allocates garbage while the log stays live, so the heap reaches
		// the GC's goal, (1 + GOGC/100) times what is live, or overshoots
		// it while the GC marks: small short-lived objects, as restore's
		// unmarshalled KeyValues are, twice the log in all (restore's
		// garbage is about the db's size). The factor depends on that
		// garbage: 1.6-1.7 after 32 KiB buffers, 2.2-2.3 after 512-byte
		// objects, 2.2-2.6 after six times the log of either, measured here
		// on 2026-12-05; real etcd 3.6.16 restarts showed 1.9-2.3
		// (report/testdata/member_restart_check.md).
		const churnSize = 512
		var sink []byte
		for churn := 0; churn < 2*len(kept)*entryBytes; churn += churnSize {
			sink = make([]byte, churnSize)
			sink[0] = byte(churn)
		}
		runtime.KeepAlive(sink)
	})
	if rerr != nil {
		return 0, 0, false, rerr
	}
	_, hwm, ok := rssNow()
	if !ok {
		return 0, 0, false, nil
	}
	last, _ := ms.LastIndex()
	if last != uint64(entries) {
		return 0, 0, false, fmt.Errorf("raft log: %d of %d entries in MemoryStorage", last, entries)
	}
	live := float64(entries) * float64(wal.EntryStructBytes+entryBytes)
	runtime.KeepAlive(ms)
	return float64(hwm-rss0) / live, secs, true, nil
}
