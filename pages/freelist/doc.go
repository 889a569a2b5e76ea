// Package freelist models bbolt's two page allocators (the array and the
// hashmap freelist) over the free spans pages reads, and measures how
// fragmented the free space is for this db's own allocations: which runs
// fit, what each allocation costs, and what a replay of writes would grow.
//
// It never reads the file: its input is the spans, run sizes and counts
// pages.Analyze found. Its models are checked page for page against real
// bbolt in its tests, the only place it runs bbolt.
package freelist
