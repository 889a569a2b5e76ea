package calibrate

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestCalibrationSaveLoad(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("HOME", dir)

	// Nothing saved: the built-in reference.
	c, err := Load("")
	if err != nil || !reflect.DeepEqual(c, Default) {
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
	if err := os.WriteFile(partial, []byte(`{"restore_seconds_per_revision": 2e-6, "open_seconds_per_node": -1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := Load(partial)
	if err != nil {
		t.Fatal(err)
	}
	if p.RestoreSecondsPerRevision != 2e-6 || p.OpenSecondsPerNode != Default.OpenSecondsPerNode || p.HeapGCFactor != Default.HeapGCFactor {
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

// A calibration saved before the WAL coefficients existed (every other
// field set, these six absent) still loads: the six come from Default and
// the rest from the file.
func TestCalibrationWithoutWALFieldsLoads(t *testing.T) {
	old := Default
	old.Source, old.FixedStartSeconds, old.OpenSecondsPerNode = "an older dbinspect calibrate", 0.9, 500e-9
	b, err := json.Marshal(old)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	walFields := []string{"wal_decode_seconds_per_byte", "entry_unmarshal_seconds_per_op", "apply_seconds_per_entry", "apply_seconds_per_op", "apply_seconds_per_byte", "raft_log_heap_factor"}
	for _, k := range walFields {
		if _, ok := m[k]; !ok {
			t.Fatalf("no JSON field %s in a saved calibration", k)
		}
		delete(m, k)
	}
	path := filepath.Join(t.TempDir(), "old.json")
	b, _ = json.Marshal(m)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.FixedStartSeconds != 0.9 || c.OpenSecondsPerNode != 500e-9 {
		t.Errorf("the file's own coefficients were not kept: %+v", c)
	}
	if c.WALDecodeSecondsPerByte != Default.WALDecodeSecondsPerByte || c.EntryUnmarshalSecondsPerOp != Default.EntryUnmarshalSecondsPerOp ||
		c.ApplySecondsPerEntry != Default.ApplySecondsPerEntry || c.ApplySecondsPerOp != Default.ApplySecondsPerOp ||
		c.ApplySecondsPerByte != Default.ApplySecondsPerByte || c.RaftLogHeapFactor != Default.RaftLogHeapFactor {
		t.Errorf("WAL coefficients of an older file: %+v; want Default's", c)
	}
}

// A calibration saved before the lookup pattern tables existed still
// loads: the tables come from Default, the rest from the file; a file with
// broken tables (uneven, unordered, negative) gets Default's too.
func TestCalibrationWithoutLookupPatternsLoads(t *testing.T) {
	old := Default
	old.Source, old.BtreeGetSecondsLarge = "an older dbinspect calibrate", 9e-6
	b, err := json.Marshal(old)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"lookup_tree_keys", "lookup_far_seconds", "lookup_near_seconds", "lookup_interleaved_seconds", "reference_loop_seconds"} {
		if _, ok := m[k]; !ok {
			t.Fatalf("no JSON field %s in a saved calibration", k)
		}
		delete(m, k)
	}
	load := func(m map[string]any) Calibration {
		t.Helper()
		path := filepath.Join(t.TempDir(), "old.json")
		b, _ := json.Marshal(m)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := load(m)
	if c.BtreeGetSecondsLarge != 9e-6 {
		t.Errorf("the file's own coefficients were not kept: %+v", c)
	}
	if !reflect.DeepEqual(c.LookupTreeKeys, Default.LookupTreeKeys) || !reflect.DeepEqual(c.LookupFarSeconds, Default.LookupFarSeconds) ||
		!reflect.DeepEqual(c.LookupNearSeconds, Default.LookupNearSeconds) || !reflect.DeepEqual(c.LookupInterleavedSeconds, Default.LookupInterleavedSeconds) ||
		c.ReferenceLoopSeconds != Default.ReferenceLoopSeconds {
		t.Errorf("lookup tables of an older file: %+v; want Default's", c)
	}
	for _, bad := range []map[string]any{
		{"lookup_tree_keys": []float64{2, 1}, "lookup_far_seconds": []float64{1e-6, 1e-6}, "lookup_near_seconds": []float64{1e-7, 1e-7}, "lookup_interleaved_seconds": []float64{1e-7, 1e-7}},
		{"lookup_tree_keys": []float64{1, 2}, "lookup_far_seconds": []float64{1e-6}, "lookup_near_seconds": []float64{1e-7, 1e-7}, "lookup_interleaved_seconds": []float64{1e-7, 1e-7}},
		{"lookup_tree_keys": []float64{1, 2}, "lookup_far_seconds": []float64{1e-6, -1}, "lookup_near_seconds": []float64{1e-7, 1e-7}, "lookup_interleaved_seconds": []float64{1e-7, 1e-7}},
	} {
		if c := load(bad); !reflect.DeepEqual(c.LookupFarSeconds, Default.LookupFarSeconds) || !reflect.DeepEqual(c.LookupTreeKeys, Default.LookupTreeKeys) {
			t.Errorf("broken tables %v loaded as %v %v", bad, c.LookupTreeKeys, c.LookupFarSeconds)
		}
	}
	good := map[string]any{"lookup_tree_keys": []float64{1, 2}, "lookup_far_seconds": []float64{1e-6, 2e-6}, "lookup_near_seconds": []float64{1e-7, 1e-7}, "lookup_interleaved_seconds": []float64{1e-7, 1e-7}}
	if c := load(good); !reflect.DeepEqual(c.LookupFarSeconds, []float64{1e-6, 2e-6}) {
		t.Errorf("a whole table was replaced: %v", c.LookupFarSeconds)
	}
}

// A calibration saved before calibrate timed ranges has the reference
// range coefficients (calibrate copied Default's) and no range_measured:
// it loads with Default's values, not marked measured; one without the
// fields at all gets Default's too.
func TestCalibrationWithoutRangeFieldsLoads(t *testing.T) {
	old := Default
	old.Source, old.FixedStartSeconds = "an older dbinspect calibrate", 0.7
	b, err := json.Marshal(old)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "range_measured") {
		t.Fatalf("range_measured saved when false: %s", b)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, drop := range []bool{false, true} {
		if drop {
			for _, k := range []string{"range_request_seconds", "range_walk_seconds_per_key", "range_seconds_per_key", "range_seconds_per_byte", "range_alloc_bytes_per_key", "snapshot_save_seconds_per_byte", "snapshot_send_seconds_per_byte"} {
				if _, ok := m[k]; !ok {
					t.Fatalf("no JSON field %s in a saved calibration", k)
				}
				delete(m, k)
			}
		}
		path := filepath.Join(t.TempDir(), "old.json")
		b, _ := json.Marshal(m)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if c.RangeMeasured || c.FixedStartSeconds != 0.7 || c.RangeWalkSecondsPerKey != Default.RangeWalkSecondsPerKey ||
			c.RangeRequestSeconds != Default.RangeRequestSeconds ||
			c.RangeSecondsPerKey != Default.RangeSecondsPerKey || c.RangeSecondsPerByte != Default.RangeSecondsPerByte ||
			c.RangeAllocBytesPerKey != Default.RangeAllocBytesPerKey || c.SnapshotStreamMeasured ||
			c.SnapshotSaveSecondsPerByte != Default.SnapshotSaveSecondsPerByte || c.SnapshotSendSecondsPerByte != Default.SnapshotSendSecondsPerByte {
			t.Errorf("fields dropped %v: loaded %+v", drop, c)
		}
	}
	// A measured one keeps its figures and its mark.
	meas := Default
	meas.RangeMeasured, meas.RangeWalkSecondsPerKey, meas.RangeSecondsPerKey, meas.RangeSecondsPerByte = true, 150e-9, 2.5e-6, 2.2e-9
	meas.RangeRequestSeconds = 0.6e-3
	meas.SnapshotStreamMeasured, meas.SnapshotSaveSecondsPerByte, meas.SnapshotSendSecondsPerByte = true, 7e-9, 3e-9
	path := filepath.Join(t.TempDir(), "new.json")
	if err := Save(path, meas); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !c.RangeMeasured || c.RangeRequestSeconds != 0.6e-3 || c.RangeWalkSecondsPerKey != 150e-9 || c.RangeSecondsPerKey != 2.5e-6 || c.RangeSecondsPerByte != 2.2e-9 ||
		!c.SnapshotStreamMeasured || c.SnapshotSaveSecondsPerByte != 7e-9 || c.SnapshotSendSecondsPerByte != 3e-9 {
		t.Errorf("a measured calibration loaded as %+v", c)
	}
}
