package mvcc

// GoAllocBytes is what Go's heap hands out for one allocation of size
// bytes (runtime.roundupsize: its size class, or whole pages above 32 KiB);
// noscan is true for memory without pointers (byte slices).
func GoAllocBytes(size uint64, noscan bool) uint64 {
	if size == 0 {
		return 0
	}
	return roundUpSize(size, noscan)
}

// AppendCap is the capacity of a slice grown from empty by n single
// appends of elemSize-byte elements (runtime.growslice and size classes).
func AppendCap(n, elemSize uint64, noscan bool) uint64 {
	return appendCap(n, elemSize, noscan)
}

// AppendAllocBytes is what appending n elements of elemSize bytes one at a
// time to a nil slice allocates in all: every backing array the slice
// grows through (runtime.growslice), the last one included.
func AppendAllocBytes(n, elemSize uint64, noscan bool) uint64 {
	var total, c uint64
	for c < n {
		c = growCap(c, c+1, elemSize, noscan)
		total += c * elemSize
	}
	return total
}
