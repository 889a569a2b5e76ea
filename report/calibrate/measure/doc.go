// Package measure measures this machine's speed at the work etcd does on a
// db at startup and defrag ('dbinspect calibrate') and returns it as a
// calibrate.Calibration.
//
// To measure it builds its own scratch data in a temporary directory: a
// copy of etcd's B-tree and keyIndex, and bbolt dbs it defragments with
// pages/defrag/exact. It never reads the user's db. With pages/defrag/exact
// it is one of the two product packages that run bbolt.
package measure
