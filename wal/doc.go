// Package wal is dbinspect's own reader of an etcd member's raft files: the
// write-ahead log segments in member/wal/*.wal and the snapshot files in
// member/snap (*.snap and *.snap.db). It is the read stage for those files,
// as package pages is for the db. It reads them through an fs.FS (ReadDirFS,
// ReadSnapDirFS): a real member dir (ReadDir, ReadSnapDir: os.DirFS) or an
// archive's member files held open without a name.
//
// # What it reads
//
// A segment (named %016x-%016x.wal: sequence, first raft index) is a
// sequence of frames: an 8-byte little-endian length (low 56 bits: the
// record's size; when the top bit is set, bits 56-58: zero padding to 8
// bytes), a walpb.Record {type, crc, data} and the padding. A zero length or
// the end of the file ends a segment (etcd preallocates 64 MB segments, so
// the live one has a zero tail). Every record's crc is CRC-32C
// (Castagnoli) over its own data chained through all data since the last
// crc record; each segment starts with a crc record that carries the chain
// over. Record types: metadata (etcdserverpb.Metadata: member and cluster
// IDs), entry (raftpb.Entry), state (raftpb.HardState), crc, and snapshot
// (walpb.Snapshot: index, term, conf state). A .snap file is a
// snappb.snapshot {crc, data} whose data is a raftpb.Snapshot.
//
// Record, snappb and walpb frames are decoded here by hand (they are tiny
// protos); raft entries, hard states, conf states and conf changes with
// go.etcd.io/raft/v3's raftpb (light: its gogo runtime is in the binary
// anyway for the db's authpb). Entry payloads and the WAL's Metadata are
// decoded by irr.go, a small hand-written decoder of
// etcdserverpb.InternalRaftRequest, the legacy v2 Request and Metadata, in
// etcd's order (an InternalRaftRequest, else a v2 Request). It accepts
// exactly what etcdserverpb's generated Unmarshal accepts (the schema is
// checked against etcdserverpb's Go types, and the decoder against
// Unmarshal on every real data dir's entries, generated and damaged
// requests, and by fuzzing), without linking etcdserverpb, whose grpc
// services made the CLI 23.6 MB instead of 15.0 MB, and without
// allocating: about 5x faster than Unmarshal (BENCHMARKS.md).
//
// # What it never does
//
// It never writes, renames, truncates or locks anything: files are opened
// O_RDONLY and read sequentially, so a WAL held by a running etcd (which
// holds an exclusive lock on it) is read without waiting. It never repairs:
// where etcd would repair a torn tail or refuse to start, it says so as a
// Problem and returns what it read before.
//
// # Untrusted input
//
// Records are streamed, never read whole: memory per record is bounded by
// MaxBuffered whatever the length field says, so a hostile length cannot
// allocate more than that; a payload larger than that is checksummed and
// classified by walking its top-level fields, not buffered. A length past
// the end of the file stops the read with a Problem, as in etcd. Memory for
// a whole log is one small Entry (about 40 bytes) per raft entry.
package wal
