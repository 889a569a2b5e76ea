package mvcc

import "fmt"

// etcdutl fills in what `etcdutl snapshot status` prints: the CRC-32C of
// every bucket name, key and value in order; the main revision of the last
// key of the key bucket; the key count (3.6+: user keys whose latest
// revision is a put; 3.5: every pair of every bucket); tx.Size().
func (sc *scanner) etcdutl(sum *Summary) {
	e := EtcdutlStatus{
		Hash:         sc.crc,
		Revision:     sc.lastStoredMain,
		TotalKeysV35: sc.totalPairs,
		TotalSize:    sc.opts.DataSize,
	}
	sc.table.each(func(_ int, s *keyState) {
		if s.revs > 0 && !s.lastTomb {
			e.TotalKeys++
		}
	})
	if sc.sout != nil {
		e.TotalKeys = sc.sout.totalKeys
	}
	if v := sc.meta.StorageVersion; v != "" {
		if major, minor, ok := parseMajorMinor(v); ok {
			e.Version = fmt.Sprintf("%d.%d.0", major, minor)
		}
	}
	e.Why = revisionWhy(sum, sc.meta)
	sum.Etcdutl = e
}

// revisionWhy explains a difference between etcdutl's revision (last
// stored key) and the revision etcd resumes at.
func revisionWhy(sum *Summary, m Meta) string {
	last, cur := sum.LastStoredRevision, sum.Revision
	if last == cur {
		return ""
	}
	switch {
	case last == 0 && cur == 1:
		return "the key bucket is empty: etcdutl prints 0, etcd starts at revision 1"
	case cur == m.ScheduledCompactRevision && cur > m.FinishedCompactRevision:
		return fmt.Sprintf("a compaction at %d was scheduled but not finished and removed the newest stored revisions; etcd resumes at the scheduled compaction revision, etcdutl prints the last stored revision %d", cur, last)
	case cur == m.FinishedCompactRevision:
		return fmt.Sprintf("compaction at %d removed every revision after %d (the newest changes were deletes); etcd resumes at the compaction revision, etcdutl prints the last stored revision", cur, last)
	}
	return fmt.Sprintf("etcd resumes at %d, etcdutl prints the last stored key's revision %d", cur, last)
}
