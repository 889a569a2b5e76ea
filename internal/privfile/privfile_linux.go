package privfile

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Nameless is true where Create's files never have a name, so a caller
// needs no dir of its own to clean up.
const Nameless = true

// Create makes a read-write file in dir that has no name from its first
// moment (O_TMPFILE) and returns it with a path that opens it while it is
// open. Where dir's filesystem lacks O_TMPFILE, the file is made with a
// name and unlinked at once: a window of one system call.
func Create(dir string) (*os.File, string, error) {
	fd, err := unix.Open(dir, unix.O_RDWR|unix.O_TMPFILE|unix.O_CLOEXEC, 0o600)
	if err == nil {
		f := os.NewFile(uintptr(fd), dir)
		return f, fdPath(f), nil
	}
	if !errors.Is(err, unix.EOPNOTSUPP) && !errors.Is(err, unix.EISDIR) && !errors.Is(err, unix.EINVAL) {
		return nil, "", &os.PathError{Op: "create temp file in", Path: dir, Err: err}
	}
	f, err := os.CreateTemp(dir, "dbinspect-*")
	if err != nil {
		return nil, "", err
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, "", err
	}
	return f, fdPath(f), nil
}

func fdPath(f *os.File) string { return fmt.Sprintf("/proc/self/fd/%d", f.Fd()) }
