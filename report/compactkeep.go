package report

import (
	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/pages"
)

// compactionKeep returns the filter of the pairs a compaction at rev (0:
// the current revision) leaves, for the compaction-then-defrag what-if,
// or nil when the key bucket cannot be read whole: a partial filter would
// predict too small a file, and the caller reports no prediction instead.
func compactionKeep(f *pages.File, rev int64) func(bucket string, k, v []byte) bool {
	keep, err := mvcc.CompactionKeep(f, rev)
	if err != nil {
		return nil
	}
	return keep
}
