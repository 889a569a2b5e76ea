package defrag

import (
	"fmt"
	"os"
	"path/filepath"
)

// privateNameless: files from privateFile have no name, so their dir can go.
const privateNameless = true

// privateFile creates name in dir and unlinks it at once, returning it
// open with a path that reaches it while it is (Linux's /proc/self/fd):
// bbolt opens by path, yet no signal, not even SIGKILL, can leave the file
// behind.
func privateFile(dir, name string) (string, *os.File, error) {
	p := filepath.Join(dir, name)
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", nil, err
	}
	if err := os.Remove(p); err != nil {
		f.Close()
		return "", nil, err
	}
	return fmt.Sprintf("/proc/self/fd/%d", f.Fd()), f, nil
}
