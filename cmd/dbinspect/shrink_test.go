package main

import (
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/internal/testhook"
)

// Ensure a file that becomes shorter while it is read (through the
// mapping the passes share) gives a clear error from every command that
// reads it, never a crash (SIGBUS) or a panic, wherever it is cut.
func TestFileShrinksWhileRead(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the mapping is Linux's")
	}
	src := loadDB(t, "k8s-v3.6").Write(t)
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { testhook.FileMapped = nil })
	for _, cut := range []int64{3 * 4096, int64(len(b)) / 2, int64(len(b)) * 9 / 10} {
		for _, args := range [][]string{{"report", "-o", "json"}, {"report", "-v"}, {"keys"}, {"pages"}, {"check"}} {
			if err := os.WriteFile(src, b, 0o600); err != nil {
				t.Fatal(err)
			}
			testhook.FileMapped = func(path string) {
				if err := os.Truncate(path, cut); err != nil {
					t.Error(err)
				}
			}
			code, _, errOut := runCLI(t, append(args, src)...)
			if code == exitOK || !strings.Contains(errOut, "became shorter while it was read") {
				t.Errorf("%v cut at %d bytes: exit %d, stderr %q; want an error saying the file became shorter", args, cut, code, errOut)
			}
		}
	}
}
