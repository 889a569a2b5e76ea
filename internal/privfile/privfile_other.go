//go:build !linux

package privfile

import "os"

// Nameless is false: without /proc/self/fd a reader needs the file's name,
// so it keeps it until the caller removes dir.
const Nameless = false

// Create makes a read-write file in dir and returns it with its path.
func Create(dir string) (*os.File, string, error) {
	f, err := os.CreateTemp(dir, "dbinspect-*")
	if err != nil {
		return nil, "", err
	}
	return f, f.Name(), nil
}
