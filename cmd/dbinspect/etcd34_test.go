package main

import (
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
)

// Ensure that --etcd-version takes 3.4 (predicted as 3.5, its model
// stated) as it takes 3.5 to 3.7, and still refuses a minor it has no
// model for, naming the ones it has.
func TestEtcdVersionFlag(t *testing.T) {
	path := fixtures.Path(t, fixtures.Get(t, "config-store-v3.4"))
	tests := []struct {
		version string
		code    int
		stdout  []string
		stderr  string
	}{
		{"3.4", exitOK, []string{"  etcd 3.4 startup  ", "3.4 is predicted with 3.5's model"}, ""},
		{"3.5", exitOK, []string{"  etcd 3.5 startup  "}, ""},
		{"3.7", exitOK, []string{"  etcd 3.7 startup  "}, ""},
		{"3.3", exitUsage, nil, "want 3.4, 3.5, 3.6 or 3.7"},
		{"3.4.25", exitUsage, nil, "want 3.4, 3.5, 3.6 or 3.7"},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			code, out, errOut := runCLI(t, "predict", "-q", "--etcd-version", tt.version, path)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tt.code, errOut)
			}
			for _, want := range tt.stdout {
				if !strings.Contains(out, want) {
					t.Errorf("predict --etcd-version %s: no %q in its output", tt.version, want)
				}
			}
			if !strings.Contains(errOut, tt.stderr) {
				t.Errorf("stderr %q lacks %q", errOut, tt.stderr)
			}
		})
	}
}
