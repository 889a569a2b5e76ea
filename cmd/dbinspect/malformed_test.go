package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// Ensure that a malformed key-bucket entry is reported with the leaf page
// that holds it, in JSON and text, so it can be looked at with bbolt page.
func TestMalformedEntryNamesItsPage(t *testing.T) {
	im := loadDB(t, "config-store-v3.6")
	leaf := im.FirstLeaf(im.BranchRoot(t, "key"))
	_, v := im.LeafKV(leaf, 1)
	for i := range v {
		v[i] = 0xFF
	}
	path := im.Write(t)
	code, out, errOut := runCLI(t, "keys", "-q", "-o", "json", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r struct {
		MVCC struct {
			Malformed struct {
				Count uint64 `json:"count"`
				First []struct {
					Index uint64 `json:"index"`
					Page  uint64 `json:"page"`
				} `json:"first"`
			} `json:"malformed"`
		} `json:"mvcc"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	m := r.MVCC.Malformed
	if m.Count != 1 || len(m.First) != 1 || m.First[0].Page != leaf || m.First[0].Index != 1 {
		t.Fatalf("malformed %+v, want one entry, index 1, on leaf page %d", m, leaf)
	}
	_, out, _ = runCLI(t, "keys", "-q", path)
	if want := fmt.Sprintf("(leaf page %d): ", leaf); !strings.Contains(out, want) {
		t.Errorf("the text does not name the page (%q):\n%s", want, out)
	}
}
