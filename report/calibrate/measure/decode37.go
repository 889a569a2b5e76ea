package measure

import (
	"strconv"

	"github.com/dbinspect/dbinspect/report/calibrate/measure/internal/mvccpx"
	"go.etcd.io/etcd/api/v3/mvccpb"
	"google.golang.org/protobuf/proto"
)

// measureDecode37 times what etcd 3.7's restore adds to a revision in its
// reading goroutine (restoreChunk, server/storage/mvcc/kvstore.go): 3.5
// and 3.6 unmarshal each revision with gogo's generated Unmarshal into the
// mvccpb.KeyValue held by value in the revKeyValue they send; 3.7
// allocates a new *mvccpb.KeyValue and unmarshals with protobuf-go's
// proto.Unmarshal. Both are timed on the same encoded revisions (the
// restore pipeline's keys and values), each kept in a ring of 10,000 as
// the channel holds them, with the GC running; the extra per revision is
// the median of 3 alternating pairs (never below 0). Where the reading
// goroutine bounds the restore (sequential revisions, key-cache hits) this
// lengthens it.
func measureDecode37(revs int) (extra, secs float64) {
	encoded := make([][]byte, revs)
	val := make([]byte, pipelineValueLen)
	for i := range encoded {
		kv := mvccpb.KeyValue{Key: strconv.AppendInt([]byte("/registry/pods/ns-"), int64(1e9+i%500000), 10),
			CreateRevision: int64(i + 1), ModRevision: int64(i + 1), Version: 1, Value: val}
		if i%5 == 0 {
			kv.Lease = 7
		}
		encoded[i], _ = kv.Marshal()
	}
	const ring = 10000
	gogo := func() float64 {
		kept := make([]mvccpb.KeyValue, ring)
		return timeIt(func() {
			for i, b := range encoded {
				kv := &kept[i%ring]
				*kv = mvccpb.KeyValue{}
				if err := kv.Unmarshal(b); err != nil {
					panic(err)
				}
			}
		})
	}
	pgo := func() float64 {
		kept := make([]*mvccpx.KeyValue, ring)
		return timeIt(func() {
			for i, b := range encoded {
				kv := &mvccpx.KeyValue{}
				if err := proto.Unmarshal(b, kv); err != nil {
					panic(err)
				}
				kept[i%ring] = kv
			}
		})
	}
	var diffs []float64
	for range 3 {
		a, b := gogo(), pgo()
		secs += a + b
		diffs = append(diffs, (b-a)/float64(revs))
	}
	return max(median(diffs), 0), secs
}
