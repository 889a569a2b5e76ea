package report

import "github.com/dbinspect/dbinspect/pages"

// compactionKeep returns the filter of the key-bucket revisions a
// compaction at rev keeps, for the compaction-then-defrag what-if.
// TODO(lead): wire mvcc's compaction rule here (being added to mvcc).
func compactionKeep(f *pages.File, rev int64) func(bucket string, k, v []byte) bool {
	return nil
}
