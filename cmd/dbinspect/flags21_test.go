package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
)

// Issue 21 point 5: flags take what etcd takes and what users type.
func TestFlagsAsEtcdTakesThem(t *testing.T) {
	db := fixtures.Path(t, fixtures.Get(t, "k8s-v3.6"))
	quota := func(t *testing.T, args ...string) map[string]any {
		t.Helper()
		code, out, errs := runCLI(t, append(append([]string{"predict", "-q", "-o", "json"}, args...), db)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		var doc map[string]any
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		return jsonPath(doc, "predict", "quota").(map[string]any)
	}
	t.Run("quota default", func(t *testing.T) {
		q := quota(t)
		if q["default"] != true || q["quota_bytes"].(float64) != 2<<30 {
			t.Errorf("no flag: quota %v, want default true and 2 GiB", q)
		}
	})
	// etcd disables the quota for any negative value (NewBackendQuota's
	// passthroughQuota), not only -1.
	t.Run("any negative quota disables", func(t *testing.T) {
		for _, v := range []string{"-1", "-2", "-1073741824", "-9223372036854775808"} {
			if q := quota(t, "--quota-backend-bytes", v); q["disabled"] != true || q["default"] != false || q["quota_bytes"].(float64) != 0 {
				t.Errorf("%s: quota %v, want disabled", v, q)
			}
			if q := quota(t, "--quota-backend-bytes="+v); q["disabled"] != true {
				t.Errorf("=%s: quota %v, want disabled", v, q)
			}
		}
	})
	t.Run("quota bytes and units", func(t *testing.T) {
		for _, tc := range []struct {
			flag string
			want float64
			note string
		}{
			{"8589934592", 8 << 30, ""},
			{"8GiB", 8 << 30, "taken as 8,589,934,592 bytes"},
			{"8G", 8e9, "taken as 8,000,000,000 bytes"},
			{"8GB", 8e9, "taken as 8,000,000,000 bytes"},
			{"512MiB", 512 << 20, "taken as 536,870,912 bytes"},
		} {
			code, out, errs := runCLI(t, "predict", "-q", "-o", "json", "--quota-backend-bytes", tc.flag, db)
			var doc map[string]any
			if code != 0 || json.Unmarshal([]byte(out), &doc) != nil {
				t.Fatalf("%s: exit %d: %s", tc.flag, code, errs)
			}
			q := jsonPath(doc, "predict", "quota").(map[string]any)
			if q["quota_bytes"].(float64) != tc.want || q["default"] != false {
				t.Errorf("%s: quota %v, want %v bytes", tc.flag, q["quota_bytes"], tc.want)
			}
			if tc.note == "" && strings.Contains(errs, "taken as") || !strings.Contains(errs, tc.note) {
				t.Errorf("%s: stderr %q, want %q", tc.flag, errs, tc.note)
			}
		}
	})
	t.Run("usage", func(t *testing.T) {
		_, out, _ := runCLI(t, "keys", "-q", "-o", "json", db)
		var doc map[string]any
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		rev := int64(jsonPath(doc, "mvcc", "revision").(float64))
		comp := int64(jsonPath(doc, "mvcc", "compact_revision").(float64))
		if comp < 2 {
			t.Fatalf("fixture not compacted (compact revision %d)", comp)
		}
		for _, tc := range []struct {
			args []string
			code int
			out  string // in stdout or stderr
		}{
			{[]string{"help", "help"}, 0, "Usage:"},
			{[]string{"keys", "-w", "json", db}, 0, `"schema_version"`},
			{[]string{"keys", "--write-out=JSON", db}, 0, `"schema_version"`},
			{[]string{"keys", "-o", "Text", db}, 0, "revision"},
			{[]string{"trend", "--time-from", "MTIME", "-o", "json", db, db}, 0, `"members"`},
			{[]string{"keys", "--redact-keep", "Namespace", db}, 0, "revision"},
			{[]string{"report", "--fail-on", "WARNING", "-o", "json", db}, exitFailOn, "1 finding at or above warning"},
			{[]string{"predict", "--compact-at", fmt.Sprint(rev + 1), db}, exitUsage, fmt.Sprintf("beyond the db's current revision %d", rev)},
			{[]string{"predict", "--compact-at", fmt.Sprint(rev), db}, 0, ""},
			{[]string{"predict", "--compact-at", fmt.Sprint(comp - 1), db}, 0, fmt.Sprintf("already compacted at revision %d", comp)},
			{[]string{"predict", "--quota-backend-bytes", "-2GiB", db}, exitUsage, "a negative number (-1) to disable"},
			{[]string{"predict", "--quota-backend-bytes", "-0", db}, exitUsage, "a negative number (-1) to disable"},
		} {
			code, out, errs := runCLI(t, append([]string{tc.args[0], "-q"}, tc.args[1:]...)...)
			if tc.args[0] == "help" {
				code, out, errs = runCLI(t, tc.args...)
			}
			if code != tc.code || !strings.Contains(out+errs, tc.out) {
				t.Errorf("%v: exit %d, want %d with %q; stderr:\n%s", tc.args, code, tc.code, tc.out, errs)
			}
		}
	})
}
