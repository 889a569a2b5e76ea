package mvcc

import "sort"

// Go's heap rounds every small allocation up to a size class. These tables
// copy Go 1.26's internal/runtime/gc/sizeclasses.go and malloc.go so the
// treeIndex shape can be priced exactly as the runtime allocates it.
var goSizeClasses = [...]uint64{8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256, 288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024, 1152, 1280, 1408, 1536, 1792, 2048, 2304, 2688, 3072, 3200, 3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192, 9472, 9728, 10240, 10880, 12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760, 24576, 27264, 28672, 32768}

const (
	goMaxSmallSize           = 32768
	goMallocHeaderSize       = 8
	goMinSizeForMallocHeader = 8 * 64 // goarch.PtrSize * goarch.PtrBits on amd64/arm64
	goPageSize               = 8192
)

// roundUpSize mirrors runtime.roundupsize: the usable bytes mallocgc hands
// out for a request of size bytes. Objects with pointers above 512 bytes
// carry an 8-byte malloc header that eats into the class.
func roundUpSize(size uint64, noscan bool) uint64 {
	req := size
	if req <= goMaxSmallSize-goMallocHeaderSize {
		if !noscan && req > goMinSizeForMallocHeader {
			req += goMallocHeaderSize
		}
		i := sort.Search(len(goSizeClasses), func(i int) bool { return goSizeClasses[i] >= req })
		return goSizeClasses[i] - (req - size)
	}
	req += goPageSize - 1
	if req < size {
		return size
	}
	return req &^ (goPageSize - 1)
}

// nextSliceCap mirrors runtime.nextslicecap.
func nextSliceCap(newLen, oldCap uint64) uint64 {
	newcap := oldCap
	doublecap := newcap + newcap
	if newLen > doublecap {
		return newLen
	}
	const threshold = 256
	if oldCap < threshold {
		return doublecap
	}
	for newcap < newLen {
		newcap += (newcap + 3*threshold) >> 2
	}
	return newcap
}

// growCap is the capacity append gives a slice of elemSize-byte elements
// that must grow from oldCap to hold newLen (runtime.growslice).
func growCap(oldCap, newLen, elemSize uint64, noscan bool) uint64 {
	c := nextSliceCap(newLen, oldCap)
	return roundUpSize(c*elemSize, noscan) / elemSize
}

// Element sizes of etcd's treeIndex on 64-bit platforms (unsafe.Sizeof).
const (
	generationSize = 48 // generation{ver int64; created Revision; revs []Revision}
	revisionSize   = 16 // Revision{Main, Sub int64}
)
