// Package testhook holds the few points where tests outside a package step
// into a run. Each is nil in the program; only tests set them.
package testhook

// BeforeConsistencyCheck, if set, is called by report.Build with the path
// of the file read, after every pass and before the final check that the
// file did not change: tests change the file there to play a live db
// deterministically.
var BeforeConsistencyCheck func(path string)

// RootTreeWalk, if set, is called by pages each time it walks a file's
// root tree: tests count the walks to prove bucket lookups do not repeat
// them.
var RootTreeWalk func()

// FileMapped, if set, is called by pages.Open with the path of a file it
// has just mapped for reading: tests shrink the file there, to play a file
// truncated while it is read.
var FileMapped func(path string)
