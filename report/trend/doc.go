// Package trend is the model of 'dbinspect trend': from one small summary
// per snapshot of a series (revision, compaction, sizes, keys, bytes per
// prefix, a time), it orders the series, tells apart clusters and restores,
// and computes per step and overall the revision rate, the growth of each
// figure and of each prefix, the compaction and defrag events between
// snapshots, a least-squares projection of the db size to the quota and to
// 8 GiB with its uncertainty, and findings.
//
// It is pure: it never reads a file, never keeps anything per key, and never
// writes output (the renderers in package report and the CLI do). Times come
// from the caller (a file's mtime or a timestamp in its name: TimeFromName).
package trend
