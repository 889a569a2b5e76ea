// Package defrag predicts the size etcd's defrag would give a db, and
// measures the real one.
//
// Simulate and SimulateAll replay etcd's defragdb (every bucket copied in
// key order into a fresh bbolt file, a commit every 10,000 puts) through
// bbolt's node split and spill rules, from the keys and value lengths a
// pages.KVReader yields, optionally leaving out what a compaction would
// remove. They never open the file with bbolt and never write.
//
// Exact (dbinspect --exact) and Copy run the real thing: bbolt on a
// private copy in a temporary directory, checked with pages before bbolt
// sees it, and removed afterwards. They never touch the input itself.
// This and report/calibrate are the only product packages that run bbolt.
package defrag
