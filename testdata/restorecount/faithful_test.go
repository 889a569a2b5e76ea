package restorecount

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// body is the text of func name in src, from its line to the closing
// brace, with the signature line dropped.
func body(t *testing.T, src, name string) []string {
	t.Helper()
	m := regexp.MustCompile(`(?ms)^func ` + name + `\(.*?\n}\n`).FindString(src)
	if m == "" {
		t.Fatalf("no func %s", name)
	}
	lines := strings.Split(m, "\n")
	return lines[1:]
}

// The counting copy is etcd 3.6.16's restoreIntoIndex line for line once
// the lines marked "count:" are left out.
func TestPatchIsFaithful(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "go.etcd.io/etcd/server/v3").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	etcd, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "storage", "mvcc", "kvstore.go"))
	if err != nil {
		t.Fatal(err)
	}
	patch, err := os.ReadFile(filepath.Join("_patch", "zz_restorecount.go"))
	if err != nil {
		t.Fatal(err)
	}
	want := body(t, string(etcd), "restoreIntoIndex")
	var got []string
	for _, l := range body(t, string(patch), "countingRestoreIntoIndex") {
		if !strings.Contains(l, "// count:") {
			got = append(got, l)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d lines, etcd's has %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d: %q, etcd has %q", i+2, got[i], want[i])
		}
	}
}
