package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dbinspect/dbinspect/internal/fixtures"
)

// buildBinary builds dbinspect into dir, for tests that need a real process
// (signals, another user, resource usage).
func buildBinary(t *testing.T, dir string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	exe := filepath.Join(dir, "dbinspect")
	cmd := exec.Command("go", "build", "-o", exe, ".")
	// TestMain points HOME at an empty dir; the go command needs the real
	// one for its module and build caches.
	if u, err := user.Current(); err == nil {
		cmd.Env = append(os.Environ(), "HOME="+u.HomeDir)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return exe
}

// largeGzip writes name.gz in dir: a real fixture followed by gzip members
// of zeros, so it decompresses to a valid db with a long zero tail (bbolt
// files have one after a grow) and decompressing takes a while.
func largeGzip(t *testing.T, dir string, tail int64) string {
	t.Helper()
	db, err := os.ReadFile(fixtures.Path(t, fixtures.Get(t, "config-store-v3.6")))
	if err != nil {
		t.Fatal(err)
	}
	member := func(data []byte, times int64) []byte {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		for i := int64(0); i < times; i++ {
			zw.Write(data)
		}
		zw.Close()
		return b.Bytes()
	}
	var out bytes.Buffer
	out.Write(member(db, 1))
	zeros := member(make([]byte, 1<<20), 64) // 64 MiB of zeros, about 64 KiB compressed
	for n := int64(0); n < tail; n += 64 << 20 {
		out.Write(zeros) // gzip readers read concatenated members as one stream
	}
	p := filepath.Join(dir, "db.gz")
	if err := os.WriteFile(p, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Ensure a signal while a .gz input is being decompressed leaves nothing
// in TMPDIR: SIGINT, SIGTERM, SIGHUP (a dropped ssh session) and SIGQUIT
// exit 130 saying so, and even SIGKILL, which no handler sees, leaves
// nothing, because the copy is unlinked as soon as it is open.
func TestInterruptRemovesTempFiles(t *testing.T) {
	work := t.TempDir()
	exe := buildBinary(t, work)
	gz := largeGzip(t, work, 4<<30)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			// Signal once the decompressed copy is open: the process holds
			// a descriptor of a file under TMPDIR that has no name.
			code, stderr, tmp := interruptOnceTempAppears(t, exe, []string{"report", "-o", "json", gz}, sig, func(tmp string, pid int) bool {
				return holdsUnlinked(t, pid, tmp+string(filepath.Separator))
			})
			if sig != syscall.SIGKILL {
				if code != exitSignal {
					t.Errorf("exit status %d after %v, want %d (if 1, decompression finished before the signal); stderr: %s", code, sig, exitSignal, stderr)
				}
				if !strings.Contains(stderr, "dbinspect: interrupted; temp files removed") {
					t.Errorf("stderr %q does not say the temp files were removed", stderr)
				}
			}
			if left := dirNames(t, tmp); len(left) != 0 {
				t.Errorf("TMPDIR holds %v after %v", left, sig)
			}
		})
	}
}

// holdsUnlinked reports whether process pid has a file open whose path
// starts with prefix, and fails the test if that file still has a name.
func holdsUnlinked(t *testing.T, pid int, prefix string) bool {
	links, _ := filepath.Glob(fmt.Sprintf("/proc/%d/fd/*", pid))
	for _, l := range links {
		if target, err := os.Readlink(l); err == nil && strings.HasPrefix(target, prefix) {
			if !strings.HasSuffix(target, " (deleted)") {
				t.Errorf("the temp file %s is open but not unlinked", target)
			}
			return true
		}
	}
	return false
}

// interruptOnceTempAppears runs exe with args and a private TMPDIR, sends
// SIGINT as soon as appeared(TMPDIR) holds, and returns the exit status,
// stderr and the TMPDIR. The waits only stop a hung run; nothing here
// measures time.
func interruptOnceTempAppears(t *testing.T, exe string, args []string, sig syscall.Signal, appeared func(tmp string, pid int) bool) (code int, stderr, tmp string) {
	t.Helper()
	tmp = filepath.Join(t.TempDir(), "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	var errBuf bytes.Buffer
	cmd.Stderr = &errBuf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.After(2 * time.Minute)
	for !appeared(tmp, cmd.Process.Pid) {
		select {
		case <-done:
			t.Fatalf("dbinspect %q ended before its temp files appeared: %s", args, errBuf.String())
		case <-deadline:
			cmd.Process.Kill()
			<-done
			t.Fatalf("dbinspect %q: no temp files appeared in TMPDIR; stderr: %s", args, errBuf.String())
		case <-time.After(2 * time.Millisecond):
		}
	}
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		<-done
		t.Fatalf("dbinspect %q did not exit after %v", args, sig)
	}
	return cmd.ProcessState.ExitCode(), errBuf.String(), tmp
}
