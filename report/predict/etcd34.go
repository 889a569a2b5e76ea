package predict

// etcd 3.4 is predicted with 3.5's model: each part the model depends on
// was checked in 3.4.25's source (go.etcd.io/etcd
// v0.5.0-alpha.5.0.20230414071934-94593e63d45c, the release-3.4 branch, in
// the module cache; the generator testdata/gen/etcd34 builds it):
//
//   - restore: restoreChunkKeys = 10000 revisions a chunk and the same
//     10,000-key cache that evicts 10 arbitrary keys a miss
//     (mvcc/kvstore.go:63, restoreIntoIndex at mvcc/kvstore.go:488-505);
//   - btree: google/btree v1.0.0 (go.mod:17) at degree 32
//     (mvcc/index.go:49), whose items are interfaces (btree.go:59), 16-byte
//     slots as in 3.5's v1.0.1;
//   - bbolt 1.3.7 (go.mod:35): mmapSize doubles from 32 KiB to 1 GiB, then
//     grows by 1 GiB (bbolt db.go:521-553, the same code as 1.3.12's), opened
//     with MAP_POPULATE and NoFreelistSync (mvcc/backend/config_linux.go:29-32),
//     so the freelist is rebuilt by walking every page at open;
//   - mmap: 10 GiB (mvcc/backend/backend.go:43), or 1.1 x a non-default quota
//     (etcdserver/backend.go:49-52);
//   - raft log: a snapshot every 100,000 applied entries
//     (DefaultSnapshotCount, etcdserver/server.go:69, triggerSnapshot at :1418)
//     compacts the in-memory log down to 5,000 catch-up entries
//     (DefaultSnapshotCatchUpEntries, :76; raftStorage.Compact at :2468-2473);
//   - quota: 2 GiB default, 8 GiB advised (etcdserver/quota.go:29,32), a put
//     costs 256 + key + value (:62, :161); one preallocated 64 MB WAL segment
//     (wal/wal.go:55); defrag commits every 10,000 pairs with FillPercent 0.9
//     (mvcc/backend/backend.go:38, :593, :607).
//
// Two things differ and are stated, not modelled: 3.4's default freelist is
// the array one (embed/config.go:1005-1011 maps "" to array; 3.5 defaults to
// hashmap), and its compaction also deletes a tombstone at exactly the
// compaction revision (mvcc/key_index.go:249, "remove any tombstone"), which
// 3.5.16+ keeps: the compaction what-if keeps it.

// like35 reports whether version is predicted with 3.5's model: 3.5 itself
// and 3.4, which it stands in for.
func like35(version string) bool { return version == "3.5" || version == "3.4" }

// etcd34Assumptions state what predicting 3.4 with 3.5's model assumes; nil
// unless 3.4 is among versions.
func etcd34Assumptions(versions []string) []string {
	for _, v := range versions {
		if v == "3.4" {
			return []string{
				"3.4 is predicted with 3.5's model: 3.4.25's restore (10,000-revision chunks and key cache), btree (google/btree v1.0.0, interface items, degree 32), " +
					"bbolt 1.3.7 (the same mmap sizing, MAP_POPULATE, freelist not persisted), mmap (10 GiB or 1.1 x a non-default quota) and raft log window " +
					"(a snapshot every 100,000 entries, 5,000 kept) are 3.5's",
				"3.4's default freelist is the array one (3.5's is the hashmap): its rebuild at startup walks the same pages, then sorts the free page ids",
				"3.4.25's compaction also deletes a tombstone at exactly the compaction revision, which 3.5.16+ keeps: the compaction what-if keeps it, so for 3.4 it may overstate what remains by those tombstones",
			}
		}
	}
	return nil
}
