// Package predict holds dbinspect's models of what a db costs etcd:
// startup time, memory (mmap, treeIndex, raft log, RSS), the size after
// defrag and after compaction plus defrag, the quota and restore sizing.
//
// Every prediction is a pure function of plain numbers (Inputs) and the
// coefficients of a calibrate.Calibration: it never reads a file, never
// measures, and never fails (missing inputs give zero figures and say so
// in the models' assumptions). Each figure comes with its Model.
package predict
