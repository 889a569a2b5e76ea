package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
)

// Ensure diff reports what changed between two states of one cluster:
// the large-value db before and after etcd defragmented it.
func TestDiffBeforeAndAfterDefrag(t *testing.T) {
	before := fixtures.Path(t, fixtures.Get(t, "large-value-v3.6"))
	after := fixtures.Path(t, fixtures.Get(t, "large-value-defragged-v3.6"))
	code, out, errOut := runCLI(t, "diff", "-o", "json", before, after)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var d struct {
		Old, New, Growth struct {
			Revision    int64 `json:"revision"`
			DbSizeBytes int64 `json:"db_size_bytes"`
			InUseBytes  int64 `json:"in_use_bytes"`
			LiveKeys    int64 `json:"live_keys"`
		}
		Prefixes         []json.RawMessage       `json:"prefixes"`
		NewFindings      []struct{ Code string } `json:"new_findings"`
		ResolvedFindings []struct{ Code string } `json:"resolved_findings"`
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	if d.Growth.Revision != 0 || d.Growth.LiveKeys != 0 {
		t.Errorf("revision or keys changed across a defrag: %+v", d.Growth)
	}
	if d.Growth.DbSizeBytes != d.New.DbSizeBytes-d.Old.DbSizeBytes || d.Growth.DbSizeBytes >= -30<<20 {
		t.Errorf("db size growth %d (old %d, new %d): defrag gave back ~40 MiB", d.Growth.DbSizeBytes, d.Old.DbSizeBytes, d.New.DbSizeBytes)
	}
	if len(d.ResolvedFindings) != 1 || d.ResolvedFindings[0].Code != "mostly_free" || len(d.NewFindings) != 0 {
		t.Errorf("findings: new %v, resolved %v; want mostly_free resolved", d.NewFindings, d.ResolvedFindings)
	}
	if len(d.Prefixes) != 0 {
		t.Errorf("prefixes changed across a defrag: %s", d.Prefixes)
	}

	code, text, _ := runCLI(t, "diff", before, after)
	if code != 0 || !strings.Contains(text, "resolved WARNING mostly_free") || !strings.Contains(text, "db size (high water)") {
		t.Errorf("text diff (exit %d):\n%s", code, text)
	}
}

// Ensure a db compared with itself shows no change.
func TestDiffSameFile(t *testing.T) {
	db := fixtures.Path(t, fixtures.Get(t, "k8s-v3.6"))
	code, out, _ := runCLI(t, "diff", "-o", "json", db, db)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var d struct {
		Growth   map[string]any `json:"growth"`
		Prefixes []any          `json:"prefixes"`
	}
	json.Unmarshal([]byte(out), &d)
	for k, v := range d.Growth {
		if n, ok := v.(float64); ok && n != 0 {
			t.Errorf("growth.%s = %v comparing a file with itself", k, n)
		}
	}
	if d.Prefixes == nil || len(d.Prefixes) != 0 {
		t.Errorf("prefixes %v, want []", d.Prefixes)
	}
}

// Ensure that a diff against a damaged copy says which side is partial, in
// text and in JSON, and still compares what could be read.
func TestDiffMarksPartialSide(t *testing.T) {
	good := fixtures.Path(t, fixtures.Get(t, "k8s-v3.6"))
	im := loadDB(t, "k8s-v3.6")
	cut := writeBytes(t, im.B[:len(im.B)*2/3]) // a copy cut short
	code, out, errOut := runCLI(t, "diff", "-q", good, cut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "  PARTIAL "+cut+": ") || strings.Contains(out, "PARTIAL "+good) {
		t.Errorf("the text does not mark exactly the cut copy as partial:\n%s", out)
	}
	code, out, errOut = runCLI(t, "diff", "-q", "-o", "json", good, cut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var d struct {
		Old, New struct {
			Revision  int64 `json:"revision"`
			Certainty *struct {
				Complete bool     `json:"complete"`
				Partial  []string `json:"partial"`
			} `json:"certainty"`
		}
		Growth struct {
			Certainty any `json:"certainty"`
		}
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	if d.Old.Certainty == nil || !d.Old.Certainty.Complete {
		t.Errorf("old side: certainty %+v, want complete", d.Old.Certainty)
	}
	if d.New.Certainty == nil || d.New.Certainty.Complete || len(d.New.Certainty.Partial) == 0 {
		t.Errorf("new side: certainty %+v, want partial with reasons", d.New.Certainty)
	}
	if d.Growth.Certainty != nil {
		t.Errorf("growth.certainty = %v, want absent", d.Growth.Certainty)
	}
}
