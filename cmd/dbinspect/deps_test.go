package main

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestBinaryDependencies fails when the CLI's dependencies gain grpc or the
// api module's etcdserverpb again. The WAL reader decodes raft requests
// with its own small decoder (wal/irr.go); etcdserverpb would bring grpc
// and its gateway, 8.6 MB of the 23.6 MB binary (BENCHMARKS.md).
func TestBinaryDependencies(t *testing.T) {
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	out, err := exec.Command(goBin, "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 50 {
		t.Fatalf("go list -deps listed %d packages: %q", len(deps), out)
	}
	var found []string
	for _, d := range deps {
		if strings.HasPrefix(d, "google.golang.org/grpc") || strings.Contains(d, "grpc-gateway") ||
			d == "go.etcd.io/etcd/api/v3/etcdserverpb" || strings.HasPrefix(d, "go.etcd.io/etcd/server/") ||
			strings.HasPrefix(d, "go.etcd.io/etcd/client/") {
			found = append(found, d)
		}
	}
	if len(found) > 0 {
		t.Errorf("the CLI depends on %d packages it should not (a test file may import etcdserverpb, the binary may not): %v", len(found), found)
	}
}
