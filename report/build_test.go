package report

import (
	"math"
	"runtime/debug"
	"testing"
)

// Reports built at once share the process's heap limit as the sum of
// their bounds, whatever order they end in, and the last one done puts the
// previous limit back.
func TestBoundHeapSharedByConcurrentBuilds(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "")
	before := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(before)
	debug.SetMemoryLimit(math.MaxInt64)
	a := boundHeap(10 << 30) // 2 GiB
	if got := debug.SetMemoryLimit(-1); got != 2<<30 {
		t.Fatalf("one build: limit %d", got)
	}
	b := boundHeap(1 << 20) // the 128 MiB floor
	if got := debug.SetMemoryLimit(-1); got != 2<<30+128<<20 {
		t.Fatalf("two builds: limit %d", got)
	}
	a()
	if got := debug.SetMemoryLimit(-1); got != 128<<20 {
		t.Fatalf("the first done: limit %d, want the second's bound", got)
	}
	b()
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Fatalf("both done: limit %d, want the previous one back", got)
	}
}
