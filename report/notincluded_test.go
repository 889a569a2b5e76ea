package report

import (
	"bytes"
	"encoding/json"
	"html/template"
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/report/predict"
)

// TestMemoryNotIncludedInEveryFormat checks that the text (-v), JSON and
// HTML reports each list every part of memory the file cannot tell, with
// every metric that measures it.
func TestMemoryNotIncludedInEveryFormat(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: reads a whole fixture")
	}
	f := fixtures.Get(t, "k8s-v3.6")
	r, err := Build(Input{Given: f.File, Path: fixtures.Path(t, f), Kind: "file"},
		Options{Sections: AllSections, MVCC: mvcc.DefaultOptions()})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	want := predict.MemoryNotIncluded()
	for _, format := range []string{"text", "html"} {
		var buf bytes.Buffer
		if err := Render(&buf, r, RenderOptions{Format: format, Sections: AllSections}); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if format == "html" {
			// Drop the JSON embedded in the page: the table must say it.
			if i := strings.Index(out, `<script type="application/json"`); i >= 0 {
				out = out[:i]
			}
		}
		for _, n := range want {
			for _, s := range append([]string{n.Part, n.Why}, n.Metrics...) {
				if format == "html" {
					s = template.HTMLEscapeString(s)
				}
				if !strings.Contains(out, s) {
					t.Errorf("%s report lacks %q (part %q)", format, s, n.Part)
				}
			}
		}
	}
	var js bytes.Buffer
	if err := Render(&js, r, RenderOptions{Format: "json"}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Predict struct {
			NotIncluded []predict.NotIncluded `json:"memory_not_included"`
		} `json:"predict"`
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Predict.NotIncluded) != len(want) {
		t.Fatalf("JSON lists %d parts, want %d", len(doc.Predict.NotIncluded), len(want))
	}
	for i, n := range doc.Predict.NotIncluded {
		if n.Part != want[i].Part || strings.Join(n.Metrics, ",") != strings.Join(want[i].Metrics, ",") || n.Command != want[i].Command {
			t.Errorf("JSON part %d = %+v, want %+v", i, n, want[i])
		}
	}
}
