// Package mvcc decodes etcd's buckets from a bbolt file and rebuilds, offline,
// the revision index etcd builds at startup.
//
// # The key bucket
//
// Every change is one pair in the "key" bucket. The key is the revision:
// 8-byte big-endian main revision, '_', 8-byte big-endian sub revision (17
// bytes), plus a trailing 't' for a delete (18 bytes). The value is an
// mvccpb.KeyValue; a delete stores only its Key. Keys sort in revision
// order, so the bucket is the full history in the order it happened:
//
//	put(a) put(b)       in one txn  -> 2_0 {a ver 1}  2_1 {b ver 1}
//	put(a)                          -> 3_0 {a ver 2 create 2}
//	delete(a)                       -> 4_0t {a}
//	put(a)                          -> 5_0 {a ver 1 create 5}
//
// etcd's restore (server/storage/mvcc/kvstore.go, the same in 3.5 and 3.6)
// streams the bucket and rebuilds a keyIndex per key: a list of
// generations, each the revisions from a create to its delete. For the
// example, a has generations {2,3,4t} and {5}: version 1, create 5, mod 5.
// The first revision of a key restores a generation from the stored
// KeyValue (create revision and version come from the value, which matters
// after a compaction removed the older revisions); later puts append; a
// delete appends the tombstone and opens an empty generation; a delete of
// an already deleted key is ignored. Scan does the same and reports the
// shape (and Go heap cost) etcd's own index would have. It keeps no
// per-key state while the bucket streams: one 32-byte record per revision,
// sorted by key hash once the bucket is read, each key's run of revisions
// then replayed in order (sortpass.go); key names are read again only for
// the top-keys lists. A db the records cannot hold exactly goes to a hash
// table of per-key states with keys interned in an arena (keytable.go),
// which gives the same figures and is what the sorted pass is tested
// against.
//
// The current revision is the main revision of the last pair, raised to
// the finished and scheduled compaction revisions kept in "meta"; etcdutl
// prints only the former, and Summary.Etcdutl.Why says why they differ.
//
// # Compaction
//
// etcd's compaction at R (kvstore_compaction.go) deletes every pair from
// 0_0 up to R whose revision treeIndex.Compact did not keep: per key, the
// newest revision at or below R of the generation alive at R (a tombstone
// exactly at R stays). compactSim counts that while the bucket streams
// (Summary.Compaction); CompactionKeep records it per key and returns the
// filter of the surviving pairs, which the report feeds to the defrag
// simulation for the compaction-then-defrag size.
//
// # Input is untrusted
//
// Scan decodes with its own zero-copy protobuf reader (fuzzed against
// mvccpb's), checks every length before slicing, allocates in proportion
// to distinct keys and never to a length read from the file, and counts a
// bad pair with its position instead of stopping. Values are never kept or
// returned; key names can be replaced by hashes (Options.RedactKeys, rule in
// redact.go).
//
// # Kubernetes values
//
// With Options.K8s, every put under /registry/ is classified from its
// value's first bytes by package kubevalue (encoding, apiVersion and kind,
// encryption provider and key name) and the class's id is kept in the
// key's state; the per-key pass counts the classes of live keys per
// resource and namespace (Summary.Kube, kube.go). Only class names, counts
// and sizes leave the scan.
package mvcc
