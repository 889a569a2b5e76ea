//go:build linux

package measure

import (
	"path/filepath"
	"runtime"
	"testing"
)

// TestFreshHeapFaultsInTheWALRead checks the mechanism measureWALDecode
// relies on: after freshHeap, a read that keeps its entries (ReadAll)
// grows the process's RSS by at least the entries it keeps, i.e. it
// faults in fresh pages as etcd's freshly started process does, even
// though the same read ran before in this process and its heap had grown
// to that size already.
func TestFreshHeapFaultsInTheWALRead(t *testing.T) {
	const entries, entryBytes = 128, 140 << 10
	path := filepath.Join(t.TempDir(), "scratch.wal")
	if _, err := writeScratchWAL(path, entries, entryBytes); err != nil {
		t.Fatal(err)
	}
	// Warm: the heap grows to hold the kept entries and the garbage.
	warm, err := readScratchWAL(path, true)
	if err != nil || len(warm) != entries {
		t.Fatalf("warm read: %d entries, %v", len(warm), err)
	}
	warm = nil
	runtime.KeepAlive(warm)
	freshHeap()
	before, _, ok := rssNow()
	if !ok {
		t.Skip("no VmRSS in /proc/self/status")
	}
	kept, err := readScratchWAL(path, true)
	if err != nil || len(kept) != entries {
		t.Fatalf("fresh read: %d entries, %v", len(kept), err)
	}
	after, _, _ := rssNow()
	var data int64
	for _, e := range kept {
		data += int64(len(e.Data))
	}
	runtime.KeepAlive(kept)
	if grown := after - before; grown < data {
		t.Errorf("after freshHeap the read that keeps %d bytes of entries grew RSS by %d bytes only: it did not fault in fresh heap", data, grown)
	}
}
