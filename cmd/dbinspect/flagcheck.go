package main

import (
	"fmt"

	"github.com/dbinspect/dbinspect/report"
)

// checkCompactAt validates --compact-at against the file just read, as
// etcd would: a compaction beyond the current revision is refused
// (ErrFutureRev), one at or below the compacted revision removes nothing
// (ErrCompacted). The first is a usage error; the second is said on
// stderr, and the what-if's figure is then the plain defrag's. It also
// tells back a quota given with a unit in the bytes etcd would take
// (quotaNote, quotaFlag.takenNote).
func checkCompactAt(c *cmdEnv, r *report.Report, quotaNote string, at int64) error {
	if quotaNote != "" && r.Sections.Predict {
		fmt.Fprintf(c.stderr, "dbinspect: %s\n", quotaNote)
	}
	if at == 0 || r.MVCC == nil {
		return nil
	}
	if at < 0 {
		return usageError{fmt.Sprintf("--compact-at %d: a revision is positive; the db is at revision %d", at, r.MVCC.Revision)}
	}
	if at > r.MVCC.Revision {
		return usageError{fmt.Sprintf("--compact-at %d is beyond the db's current revision %d: etcd refuses to compact a future revision; give a revision up to %d", at, r.MVCC.Revision, r.MVCC.Revision)}
	}
	if comp := r.MVCC.CompactRevision; at <= comp {
		fmt.Fprintf(c.stderr, "dbinspect: --compact-at %d: the db is already compacted at revision %d, so a compaction there removes nothing (etcd answers \"mvcc: required revision has been compacted\"); the compact + defrag figure is the defrag figure\n", at, comp)
	}
	return nil
}
