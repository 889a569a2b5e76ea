package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
	bolt "go.etcd.io/bbolt"
)

// Issue 21 point 4: diff says when the two dbs are not one cluster at two
// times (no member in common, the revision went back, another etcd
// version), in text and JSON, and still shows the sizes.
func TestDiffIdentity(t *testing.T) {
	k36 := fixtures.Path(t, fixtures.Get(t, "k8s-v3.6"))
	k35 := fixtures.Path(t, fixtures.Get(t, "k8s-v3.5"))
	// The same db under another member: what a restore, or another
	// cluster, looks like.
	other := withBolt(t, "k8s-v3.6", func(tx *bolt.Tx) error {
		mb := tx.Bucket([]byte("members"))
		var keys [][]byte
		mb.ForEach(func(k, _ []byte) error { keys = append(keys, append([]byte(nil), k...)); return nil })
		for _, k := range keys {
			if err := mb.Delete(k); err != nil {
				return err
			}
		}
		return mb.Put([]byte("1234abcd5678ef90"), []byte(`{"id":1311768467463729040,"name":"other","peerURLs":["http://other:2380"]}`))
	})
	revision := func(p string) float64 {
		_, out, _ := runCLI(t, "keys", "-q", "-o", "json", p)
		var doc map[string]any
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		return jsonPath(doc, "mvcc", "revision").(float64)
	}
	// An older db of the same cluster (member IDs are derived from the
	// peer URLs and cluster token, the same for every fixture).
	older := fixtures.Path(t, fixtures.Get(t, "config-store-v3.6"))
	if revision(older) >= revision(k36) {
		t.Fatalf("config-store-v3.6 is not behind k8s-v3.6 in revisions")
	}
	for _, tc := range []struct {
		name, old, new string
		cluster        string
		back, version  bool
		text           string
	}{
		{"same", k36, k36, "same", false, false, "the same cluster, at a later revision"},
		{"other cluster", k36, other, "different", false, false, "NOT the same cluster"},
		{"went back", k36, older, "same", true, false, "the revision went BACK"},
		{"version", k36, k35, "same", false, true, "the etcd version changed: OLD was written by etcd 3.6"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runCLI(t, "diff", "-q", "-o", "json", tc.old, tc.new)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			var d map[string]any
			if err := json.Unmarshal([]byte(out), &d); err != nil {
				t.Fatal(err)
			}
			id := d["identity"].(map[string]any)
			if id["cluster"] != tc.cluster || id["revision_went_back"] != tc.back || id["version_changed"] != tc.version {
				t.Errorf("identity %v, want cluster %s, went back %v, version changed %v", id, tc.cluster, tc.back, tc.version)
			}
			if jsonPath(d, "new", "cluster_id") == "" || jsonPath(d, "old", "db_size_bytes").(float64) == 0 {
				t.Errorf("sides lack the cluster ID or sizes: %v", d["new"])
			}
			_, text, _ := runCLI(t, "diff", "-q", tc.old, tc.new)
			if !strings.Contains(text, tc.text) || !strings.Contains(text, "db size (high water)") {
				t.Errorf("text lacks %q or the sizes:\n%s", tc.text, text)
			}
		})
	}
}
