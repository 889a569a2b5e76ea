// Package privfile makes the temp files that hold copies of a customer's db
// (a decompressed input, the --exact defrag's copy and output) so that no
// signal, not even SIGKILL, can leave one behind: on Linux the file is made
// without a name (O_TMPFILE) and reached through /proc/self/fd while it is
// open. It never writes anything but the files it makes.
package privfile
