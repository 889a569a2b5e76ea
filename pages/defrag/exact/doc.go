// Package exact runs the real defrag (dbinspect --exact) and etcd's
// defragdb copy: bbolt on a private copy of the db in a temporary
// directory, checked with pages before bbolt sees it, unlinked once open
// and removed afterwards. Its result type is defrag.ExactResult.
//
// It never opens or writes the input itself, only reads it to copy it.
// With report/calibrate/measure it is one of the two product packages
// that run bbolt; the CLI hands Run to report.Build, so report and
// report/predict never import bbolt.
package exact
