// Package defrag predicts the size etcd's defrag would give a db, and
// measures the real one.
//
// Simulate and SimulateAll replay etcd's defragdb (every bucket copied in
// key order into a fresh bbolt file, a commit every 10,000 puts) through
// bbolt's node split and spill rules, from the keys and value lengths a
// pages.KVReader yields, optionally leaving out what a compaction would
// remove. They never open the file with bbolt and never write.
//
// ExactResult is what the real thing measures: pages/defrag/exact runs
// bbolt on a private copy (dbinspect --exact). This package never imports
// bbolt, so report/predict can read its results without it.
package defrag
