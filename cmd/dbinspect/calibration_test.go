package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
)

// Ensure that an unreadable saved calibration does not cost the user the
// predictions: the built-in coefficients are used and the report says so;
// a calibration named with --calibration must load, or predict says why.
func TestBrokenSavedCalibration(t *testing.T) {
	cfg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfg)
	saved := filepath.Join(cfg, "dbinspect", "calibration.json")
	if err := os.MkdirAll(filepath.Dir(saved), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(saved, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	db := fixtures.Path(t, fixtures.Get(t, "k8s-v3.6"))
	code, out, errOut := runCLI(t, "predict", "-q", "-o", "json", db)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r struct {
		Predict *struct {
			Calibration string `json:"calibration"`
		} `json:"predict"`
		Certainty struct {
			Complete bool `json:"complete"`
		} `json:"certainty"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Predict == nil || !strings.Contains(r.Predict.Calibration, "built-in") || !strings.Contains(r.Predict.Calibration, "could not be used") {
		t.Errorf("predict %+v: want the built-in coefficients, saying the saved ones could not be used", r.Predict)
	}
	if !r.Certainty.Complete {
		t.Error("the file was read completely; a broken calibration is not a partial read")
	}
	code, out, _ = runCLI(t, "predict", "-q", "-o", "json", "--calibration", saved, db)
	if code != 0 || !strings.Contains(out, "is not valid JSON") {
		t.Errorf("--calibration naming a broken file: exit %d, want the predict section replaced by the reason:\n%.500s", code, out)
	}
}
