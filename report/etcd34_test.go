package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
	"github.com/dbinspect/dbinspect/mvcc"
)

// Ensure that wherever the report names an etcd version it names the one
// that wrote the fixture: the summary's "written by" and startup line, the
// JSON's written_by and headline prediction, and, for 3.4, which has no
// etcdutl, the snapshot status line after 3.4's etcdctl and the 3.4 model
// stated among the predictions' assumptions.
func TestReportNamesTheWritingVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: reads whole fixtures")
	}
	for _, name := range []string{"k8s-v3.4", "config-store-v3.4-snapshot", "auth-v3.4", "nospace-v3.4", "config-store-v3.5", "config-store-v3.6"} {
		t.Run(name, func(t *testing.T) {
			f := fixtures.Get(t, name)
			minor := minorOf(f.EtcdVersion)
			r, err := Build(Input{Given: f.File, Path: fixtures.Path(t, f), Kind: "file"},
				Options{Sections: AllSections, MVCC: mvcc.DefaultOptions(), Seeds: 1})
			if err != nil {
				t.Fatal(err)
			}
			var text, js bytes.Buffer
			if err := writeText(&text, r, RenderOptions{Sections: r.Sections}); err != nil {
				t.Fatal(err)
			}
			if err := writeJSON(&js, r); err != nil {
				t.Fatal(err)
			}
			out := text.String()
			for _, want := range []string{
				"  written by        etcd " + minor + " (",
				"  etcd " + minor + " startup  ",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("text lacks %q; summary:\n%s", want, summaryBlock(out))
				}
			}
			var doc struct {
				Summary struct {
					Keys struct {
						WrittenBy string `json:"written_by"`
					} `json:"keys"`
					Startup struct {
						EtcdVersion string `json:"etcd_version"`
					} `json:"startup"`
				} `json:"summary"`
				Predict struct {
					Version string `json:"version"`
					Models  []struct {
						Assumptions []string `json:"assumptions"`
					} `json:"models"`
				} `json:"predict"`
			}
			if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			if doc.Summary.Keys.WrittenBy != minor || doc.Summary.Startup.EtcdVersion != minor || doc.Predict.Version != minor {
				t.Errorf("JSON written_by %q, summary startup %q, predict.version %q; want %s",
					doc.Summary.Keys.WrittenBy, doc.Summary.Startup.EtcdVersion, doc.Predict.Version, minor)
			}
			stated := false
			for _, m := range doc.Predict.Models {
				for _, a := range m.Assumptions {
					stated = stated || strings.HasPrefix(a, "3.4 is predicted with 3.5's model")
				}
			}
			if is34 := minor == "3.4"; stated != is34 {
				t.Errorf("3.4's model stated: %v, want %v", stated, is34)
			}
			if minor == "3.4" {
				if !strings.Contains(out, "  etcdctl snapshot status  ") || strings.Contains(out, "etcdutl 3.5") || strings.Contains(out, "etcdutl status") {
					t.Errorf("a 3.4 file's snapshot status is not named after 3.4's etcdctl: %s", etcdutlTextLine(out))
				}
			}
		})
	}
}

func summaryBlock(out string) string {
	block, _, _ := strings.Cut(out, "\n\n")
	if i := strings.Index(out, "Summary\n"); i >= 0 {
		block, _, _ = strings.Cut(out[i:], "\n\n")
	}
	return block
}
