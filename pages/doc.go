// Package pages is dbinspect's own reader of the bbolt file format, the
// format of etcd's member/snap/db and of `etcdctl snapshot save` files.
//
// It never opens its input with bbolt: Open uses O_RDONLY, no flock, and
// reads through a read-only shared mapping (Linux; pread elsewhere, for
// NewFile, and with DBINSPECT_READ=pread), so it works on a file a running
// etcd holds, and on files bbolt would refuse or panic on. A file that
// shrinks while mapped is an error, not a SIGBUS (File.Guard, mapped.go).
//
// # Layout
//
// A file is a sequence of pages of one size. Pages 0 and 1 are meta pages;
// bbolt uses the valid one with the higher txid. The meta names the root
// bucket's root page, the freelist page (or none: etcd on Linux sets
// NoFreelistSync) and the high-water mark: the first page id never
// allocated. Every other page below it is a branch or leaf node (possibly
// followed by overflow pages), a freelist page, or free. A leaf element with
// the bucket flag holds a nested bucket: its root page, or for a small
// bucket ("inline") the bucket's one leaf page inside the value.
//
// # Untrusted input
//
// Every id, count, offset and length read from the file is checked before
// it is used to slice or allocate. Page ids are checked against the
// high-water mark and the file size; each page is visited at most once (a
// bitmap, one bit per page), so cycles and shared pages end the walk instead
// of looping, and the queue of pages to visit holds at most one reference
// per page; a node is read only as far as its keys reach, and nodes needing
// more than 256 MiB for that are reported, not read. Damage is
// reported as Problems (Analyze) or errors wrapping ErrCorrupt, never as a
// panic.
//
// # Cost
//
// Analyze reads each tree level in ascending page order through a 1 MiB
// read window, so a file much larger than memory is read mostly
// sequentially; memory is one bit per page plus the widest tree level's
// references and separator keys. AnalyzeOptions.Visit reports each node
// as it is read. ForEach streams a bucket in key order with one buffer per
// tree level.
package pages
