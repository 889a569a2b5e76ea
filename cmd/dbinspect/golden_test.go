package main

import (
	"github.com/dbinspect/dbinspect/internal/redact"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
	"github.com/dbinspect/dbinspect/internal/golden"
)

// Golden files pin the text report and the JSON schema on real fixtures.
// Run 'go test ./cmd/dbinspect -run Golden -update' after an intended
// change, and review the diff.
func TestGolden(t *testing.T) {
	tests := []struct {
		fixture string
		args    []string
		golden  string
	}{
		{"k8s-v3.6", []string{"report"}, "k8s-v3.6.report.txt"},
		{"k8s-v3.6", []string{"report", "-v"}, "k8s-v3.6.report-verbose.txt"},
		{"k8s-v3.6", []string{"report", "-o", "json"}, "k8s-v3.6.report.json"},
		{"k8s-v3.6", []string{"keys", "--redact"}, "k8s-v3.6.keys-redacted.txt"},
		{"config-store-v3.5", []string{"report"}, "config-store-v3.5.report.txt"},
		{"large-value-v3.6", []string{"report", "-o", "json"}, "large-value-v3.6.report.json"},
		{"large-value-v3.6", []string{"report"}, "large-value-v3.6.report.txt"},
		{"fragmented-v3.6", []string{"pages"}, "fragmented-v3.6.pages.txt"},
		{"auth-v3.6", []string{"check"}, "auth-v3.6.check.txt"},
	}
	for _, tc := range tests {
		t.Run(tc.golden, func(t *testing.T) {
			path := fixtures.Path(t, fixtures.Get(t, tc.fixture))
			code, out, errOut := runCLI(t, append(tc.args, path)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			// The fixture's temp path differs per run; name it instead.
			out = strings.ReplaceAll(out, path, tc.fixture+".db")
			out = strings.ReplaceAll(out, redact.New("").Path(path), "path-(hash of the fixture's path)")
			golden.Check(t, filepath.Join("testdata", "golden", tc.golden), []byte(out))
		})
	}
}
