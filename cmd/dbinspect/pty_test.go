//go:build linux

package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// openPTY opens a pseudo-terminal pair: what the slave is written, the
// master reads, after the terminal's line discipline.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	ioctl := func(req uintptr, arg unsafe.Pointer) error {
		if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), req, uintptr(arg)); e != 0 {
			return e
		}
		return nil
	}
	var n uint32
	var unlock int32
	if err := ioctl(syscall.TIOCGPTN, unsafe.Pointer(&n)); err != nil {
		t.Fatal(err)
	}
	if err := ioctl(syscall.TIOCSPTLCK, unsafe.Pointer(&unlock)); err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		t.Skipf("opening the pty slave: %v", err)
	}
	return m, s
}

// sgr is the only escape sequence dbinspect writes itself: colour.
var sgr = regexp.MustCompile("\x1b\\[[0-9;]*m")

// Ensure what reaches a real terminal, colours on, holds no escape sequence
// but dbinspect's own colours, whatever the names in the file: every text
// table and line of report, keys and pages, read back through a pty.
func TestTerminalSafeOnAPTY(t *testing.T) {
	path := hostileNamesDB(t)
	for _, args := range [][]string{{"report", "-v", "-q", path}, {"keys", "-q", path}, {"pages", "-q", path}, {"check", path}} {
		master, slave := openPTY(t)
		var out bytes.Buffer
		done := make(chan struct{})
		go func() { io.Copy(&out, master); close(done) }() // EIO once the slave closes
		code := run(args, slave, slave)
		slave.Close()
		<-done
		master.Close()
		if code != exitOK && !(args[0] == "check" && code == exitError) {
			t.Errorf("%v: exit %d", args, code)
		}
		// The line discipline writes \n as \r\n; a lone \r is a leak.
		text := strings.ReplaceAll(out.String(), "\r\n", "\n")
		if !sgr.MatchString(text) && args[0] != "check" {
			t.Errorf("%v: no colour: the pty was not taken for a terminal", args)
		}
		rest := sgr.ReplaceAllString(text, "")
		for _, raw := range []string{"\x1b", "\x07", "\r", "\u202e", "\xff"} {
			if i := strings.Index(rest, raw); i >= 0 {
				t.Errorf("%v: %q reached the terminal: ...%q...", args, raw, rest[max(0, i-60):min(len(rest), i+60)])
			}
		}
		for _, line := range strings.Split(rest, "\n") {
			if strings.HasPrefix(line, "INJECTED") {
				t.Errorf("%v: a name wrote a line of its own: %q", args, line)
			}
		}
		if !strings.Contains(rest, `\x1b]0;pwned\a`) && args[0] != "check" && args[0] != "pages" {
			t.Errorf("%v: the hostile key is not shown escaped", args)
		}
	}
}
