// Package golden compares test output with golden files, and rewrites
// them when the test binary runs with -update (one flag for every
// package's goldens: go test ./... -update).
//
// It never rewrites a golden file without -update, and it shows the first
// line that differs rather than the whole output. Tests only.
package golden

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files (review the diff after)")

// Updating is true when the test binary runs with -update.
func Updating() bool { return *update }

// Check compares got with the golden file at path, or writes it there
// with -update.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("output differs from %s (run the test with -update if the change is intended, and review the diff):\n%s",
			path, FirstDiff(string(want), string(got)))
	}
}

// FirstDiff shows the first differing line of two texts, clipped.
func FirstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\n  want: %s\n  got:  %s", i+1, clip(wl), clip(gl))
		}
	}
	return "(no line differs)"
}

func clip(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}
