package calibrate

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestCalibrationSaveLoad(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("HOME", dir)

	// Nothing saved: the built-in reference.
	c, err := Load("")
	if err != nil || c != Default {
		t.Fatalf("no saved file: got %+v, %v", c, err)
	}
	// A named file must exist.
	if _, err := Load(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("a missing named calibration file loaded")
	}
	// Round trip through the default path.
	saved := Default
	saved.FixedStartSeconds, saved.HeapGCFactor, saved.KeyCacheSecondsPerMiss = 1.25, 2.5, 3e-7
	path, err := DefaultPath()
	if err != nil {
		t.Fatal(err)
	}
	if err := Save(path, saved); err != nil {
		t.Fatal(err)
	}
	got, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	got.Source, saved.Source = "", ""
	if !reflect.DeepEqual(got, saved) {
		t.Errorf("round trip: got %+v, want %+v", got, saved)
	}
	// Missing or nonsensical coefficients fall back to the reference.
	partial := filepath.Join(dir, "partial.json")
	if err := os.WriteFile(partial, []byte(`{"restore_seconds_per_revision": 2e-6, "walk_seconds_per_page": -1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := Load(partial)
	if err != nil {
		t.Fatal(err)
	}
	if p.RestoreSecondsPerRevision != 2e-6 || p.WalkSecondsPerPage != Default.WalkSecondsPerPage || p.HeapGCFactor != Default.HeapGCFactor {
		t.Errorf("partial file: %+v", p)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(bad); err == nil {
		t.Error("invalid JSON loaded")
	}
}
