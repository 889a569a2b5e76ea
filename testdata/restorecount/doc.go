// Package restorecount checks report/predict/restoresim against a real
// etcd 3.6.16 restore. run.sh builds etcd's storage/mvcc package with
// _patch/zz_restorecount.go added (restoreIntoIndex with counters, on the
// real treeIndex) and runs restorecount_test.go (build tag restorecount),
// which writes dbs of several access shapes with etcd's own mvcc store,
// restores each in the patched etcd and in the simulation, and compares
// the counts; it does the same on every fixture. Without the tag only
// TestPatchIsFaithful runs: the patched copy is etcd's function plus the
// counting lines.
package restorecount
