package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
)

// Issue 21 point 8: keys --prefix and --namespace filter every key table,
// in text and JSON, and say how much matched; the totals stay the db's.
func TestKeysFilter(t *testing.T) {
	db := fixtures.Path(t, fixtures.Get(t, "k8s-v3.6"))
	keysJSON := func(t *testing.T, args ...string) map[string]any {
		t.Helper()
		code, out, errs := runCLI(t, append(append([]string{"keys", "-q", "-o", "json"}, args...), db)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		var doc map[string]any
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		return doc
	}
	whole := keysJSON(t)
	// The expected counts come from the unfiltered scan's own rows.
	row := func(list, field, value string) map[string]any {
		for _, r := range jsonPath(whole, "mvcc", list).([]any) {
			if m := r.(map[string]any); m[field] == value {
				return m
			}
		}
		t.Fatalf("no %s row %s=%s", list, field, value)
		return nil
	}
	pods := row("prefixes", "prefix", "/registry/pods/")
	ns := row("prefixes_by_namespace", "prefix", "/registry/pods/team-1/")
	tables := []string{"by_revisions", "by_history_bytes", "by_value_bytes", "by_value_times_revisions"}
	for _, tc := range []struct {
		name   string
		args   []string
		match  func(key string) bool
		expect map[string]any
	}{
		{"prefix", []string{"--prefix", "/registry/pods/"}, func(k string) bool { return strings.HasPrefix(k, "/registry/pods/") }, pods},
		{"namespace", []string{"--prefix", "/registry/pods/", "--namespace", "team-1"}, func(k string) bool { return strings.HasPrefix(k, "/registry/pods/team-1/") }, ns},
		{"namespace alone", []string{"--namespace", "team-1"}, func(k string) bool { return strings.Contains(k, "/team-1/") }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := keysJSON(t, tc.args...)
			if jsonPath(doc, "mvcc", "live_keys") != jsonPath(whole, "mvcc", "live_keys") {
				t.Error("the totals changed with the filter")
			}
			n := 0
			for _, tb := range tables {
				for _, k := range jsonPath(doc, "mvcc", "top_keys", tb).([]any) {
					key := k.(map[string]any)["key"].(string)
					n++
					if !tc.match(key) {
						t.Errorf("%s lists %s", tb, key)
					}
				}
			}
			// The prefix table counts only the keys matched.
			f := jsonPath(doc, "mvcc", "filter").(map[string]any)
			var inRows float64
			for _, r := range jsonPath(doc, "mvcc", "prefixes").([]any) {
				inRows += r.(map[string]any)["keys"].(float64)
			}
			if inRows != f["keys"] {
				t.Errorf("the prefix rows count %v keys, the filter matched %v", inRows, f["keys"])
			}
			rows, _ := jsonPath(doc, "mvcc", "prefixes_by_namespace").([]any)
			for _, r := range rows {
				if m := r.(map[string]any); !tc.match(m["prefix"].(string) + "x") {
					t.Errorf("prefixes_by_namespace lists %s", m["prefix"])
				}
			}
			if n == 0 {
				t.Fatal("the filter left the tables empty: the test proves nothing")
			}
			if tc.expect != nil {
				for _, field := range []string{"keys", "live_keys", "revisions", "live_bytes", "history_bytes"} {
					if f[field] != tc.expect[field] {
						t.Errorf("filter.%s = %v, want %v (the unfiltered row)", field, f[field], tc.expect[field])
					}
				}
			}
			_, text, _ := runCLI(t, append(append([]string{"keys", "-q"}, tc.args...), db)...)
			if !strings.Contains(text, "filtered: the key tables below hold only the keys") {
				t.Error("the text does not say it is filtered")
			}
			for _, line := range strings.Split(text, "\n") {
				if f := strings.Fields(line); len(f) > 1 && (f[1] == "live" || f[1] == "deleted") && !tc.match(f[0]) {
					t.Errorf("text lists %s", f[0])
				}
			}
		})
	}
	if code, _, errs := runCLI(t, "keys", "-q", "--no-k8s", "--namespace", "x", db); code != exitUsage {
		t.Errorf("--namespace with --no-k8s: exit %d (%s)", code, errs)
	}
}
