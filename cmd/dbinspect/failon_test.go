package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
)

// Ensure --fail-on exits 3 exactly when a finding is at or above the level
// asked for: for report and predict any finding of the file, for diff only
// a finding NEW has and OLD has not. The output is written in full either
// way. TestFindingsOnFixtures pins which fixture raises which finding:
// fragmented-v3.6 and large-value-v3.6 a warning (mostly_free), nospace-v3.6
// a critical one (alarm_raised), config-store-v3.6 none.
func TestFailOnLevels(t *testing.T) {
	path := func(name string) string { return fixtures.Path(t, fixtures.Get(t, name)) }
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"warning on a warning", []string{"report", "--fail-on", "warning", path("fragmented-v3.6")}, exitFailOn},
		{"warning on a critical", []string{"report", "--fail-on", "warning", path("nospace-v3.6")}, exitFailOn},
		{"warning on no finding", []string{"report", "--fail-on", "warning", path("config-store-v3.6")}, exitOK},
		{"critical on a warning only", []string{"report", "--fail-on", "critical", path("fragmented-v3.6")}, exitOK},
		{"json: warning on a warning", []string{"report", "-o", "json", "--fail-on", "warning", path("fragmented-v3.6")}, exitFailOn},
		{"predict: warning on a warning", []string{"predict", "--fail-on", "warning", path("fragmented-v3.6")}, exitFailOn},
		{"predict: critical on a warning only", []string{"predict", "--fail-on", "critical", path("fragmented-v3.6")}, exitOK},

		{"diff: new warning", []string{"diff", "--fail-on", "warning", path("large-value-defragged-v3.6"), path("large-value-v3.6")}, exitFailOn},
		{"diff: new warning, critical asked", []string{"diff", "--fail-on", "critical", path("large-value-defragged-v3.6"), path("large-value-v3.6")}, exitOK},
		{"diff: warning resolved, none new", []string{"diff", "--fail-on", "warning", path("large-value-v3.6"), path("large-value-defragged-v3.6")}, exitOK},
		{"diff: new critical", []string{"diff", "--fail-on", "critical", path("k8s-v3.6"), path("nospace-v3.6")}, exitFailOn},
		{"diff: json, new critical", []string{"diff", "-o", "json", "--fail-on", "warning", path("k8s-v3.6"), path("nospace-v3.6")}, exitFailOn},
		{"diff: critical in both, not new", []string{"diff", "--fail-on", "critical", path("nospace-v3.6"), path("nospace-v3.6")}, exitOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tc.args...)
			if code != tc.code {
				t.Fatalf("dbinspect %q: exit %d, want %d; stderr: %s", tc.args, code, tc.code, errOut)
			}
			level := tc.args[slices.Index(tc.args, "--fail-on")+1]
			if said := strings.Contains(errOut, "at or above "+level); said != (code == exitFailOn) {
				t.Errorf("exit %d, stderr %q: want the count of findings at or above %s exactly with exit 3", code, errOut, level)
			}
			// Exit 3 still writes the whole document.
			if strings.Contains(strings.Join(tc.args, " "), "-o json") {
				if !strings.HasSuffix(strings.TrimSpace(out), "}") {
					t.Errorf("JSON output cut short:\n%s", out)
				}
			} else if !strings.Contains(out, "\nFindings\n") {
				t.Errorf("text output has no Findings section:\n%s", out)
			}
		})
	}
}
