package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
	"github.com/dbinspect/dbinspect/mvcc"
)

// TestCostsInEveryFormat checks that the text (-v), JSON and HTML reports
// carry the same range costs: one row per top prefix, the same figures.
func TestCostsInEveryFormat(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: reads a whole fixture")
	}
	f := fixtures.Get(t, "k8s-v3.6")
	r, err := Build(Input{Given: f.File, Path: fixtures.Path(t, f), Kind: "file"},
		Options{Sections: AllSections, MVCC: mvcc.DefaultOptions()})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	var js bytes.Buffer
	if err := Render(&js, r, RenderOptions{Format: "json"}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		MVCC struct {
			Prefixes []struct {
				Prefix   string `json:"prefix"`
				LiveKeys int64  `json:"live_keys"`
			} `json:"prefixes"`
		} `json:"mvcc"`
		Costs struct {
			Ranges struct {
				All      docRangeCost   `json:"all"`
				Prefixes []docRangeCost `json:"prefixes"`
			} `json:"ranges"`
		} `json:"costs"`
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	rc := doc.Costs.Ranges
	var live int64
	n := 0
	for _, p := range doc.MVCC.Prefixes {
		if p.Prefix != "(other)" && p.LiveKeys > 0 {
			if n >= len(rc.Prefixes) || rc.Prefixes[n].Prefix != p.Prefix || rc.Prefixes[n].Keys != p.LiveKeys {
				t.Fatalf("costs prefix %d does not match mvcc prefix %q (%d live keys): %+v", n, p.Prefix, p.LiveKeys, rc.Prefixes)
			}
			n++
		}
		live += p.LiveKeys
	}
	if n != len(rc.Prefixes) || rc.All.Keys != live {
		t.Errorf("costs has %d prefixes and %d keys in all, mvcc %d and %d", len(rc.Prefixes), rc.All.Keys, n, live)
	}
	for _, format := range []string{"text", "html"} {
		var buf bytes.Buffer
		if err := Render(&buf, r, RenderOptions{Format: format, Sections: AllSections}); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if i := strings.Index(out, `<script type="application/json"`); i >= 0 {
			out = out[:i]
		}
		if !strings.Contains(out, "Costs of reading") {
			t.Fatalf("%s report has no costs section", format)
		}
		for _, c := range rc.Prefixes {
			if !strings.Contains(out, ibytes(c.ServerMemoryBytes)) || !strings.Contains(out, ibytes(c.ResponseBytes)) {
				t.Errorf("%s report lacks %s's response %s or server memory %s", format, c.Prefix, ibytes(c.ResponseBytes), ibytes(c.ServerMemoryBytes))
			}
		}
	}
}
