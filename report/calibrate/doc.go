// Package calibrate measures this machine's speed at the work etcd does on
// a db at startup and defrag ('dbinspect calibrate'), and keeps the
// resulting coefficients: Calibration, the built-in Default, Load and Save.
//
// To measure it builds its own scratch data in a temporary directory: a
// copy of etcd's B-tree and keyIndex, and bbolt dbs it defragments with
// pages/defrag. It never reads the user's db. report/predict only reads
// its coefficients.
package calibrate
