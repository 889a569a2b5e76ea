package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/report/html"
)

// htmlFromFixture builds the full report of a real etcd file and renders it.
func htmlFromFixture(t *testing.T, f fixtures.Fixture, redact bool) (html.Data, string) {
	t.Helper()
	mo := mvcc.DefaultOptions()
	mo.RedactKeys = redact
	r, err := Build(Input{Given: f.File, Path: fixtures.Path(t, f), Kind: "file"},
		Options{Sections: AllSections, MVCC: mo, Seeds: 2, PageMap: true})
	if err != nil {
		t.Fatalf("%s: Build: %v", f.Name, err)
	}
	d := r.htmlPageData()
	var buf bytes.Buffer
	if err := html.Write(&buf, d); err != nil {
		t.Fatalf("%s: html.Write: %v", f.Name, err)
	}
	return d, buf.String()
}

// TestHTMLFromFixtures renders real etcd files end to end: the page map
// covers every page of the file, every chart has data, and with
// --redact-keys no key name reaches the page.
func TestHTMLFromFixtures(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: reads whole fixtures")
	}
	tests := []struct {
		name   string
		redact bool
	}{
		{"k8s-v3.6", false},
		{"fragmented-v3.6", false},
		{"k8s-v3.5-snapshot", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := fixtures.Get(t, tt.name)
			d, page := htmlFromFixture(t, f, tt.redact)
			if tt.redact {
				// The check below can only fail if some key names show
				// without --redact-keys.
				_, plain := htmlFromFixture(t, f, false)
				shown := 0
				for _, k := range f.SampleKeys {
					if strings.Contains(plain, k.Key) {
						shown++
					}
				}
				if shown == 0 {
					t.Fatalf("none of the %d sample keys is named in the unredacted page, so redaction cannot be checked", len(f.SampleKeys))
				}
			}

			pm := d.PageMap
			if pm.PageSize == 0 || pm.Pages == 0 {
				t.Fatalf("page map is empty: %d pages of %d bytes", pm.Pages, pm.PageSize)
			}
			// A snapshot's 32-byte hash trailer is not a page.
			if want := uint64(f.SizeBytes) / uint64(pm.PageSize); pm.Pages != want {
				t.Errorf("page map has %d pages, the %d-byte file has %d", pm.Pages, f.SizeBytes, want)
			}
			if un := unclassified(pm); un != 0 {
				t.Errorf("%d pages are not classified", un)
			}
			for _, id := range []string{"chart-page-map", "chart-waterfall", "chart-prefixes", "chart-revisions", "chart-startup", "chart-memory"} {
				if !strings.Contains(page, `<svg id="`+id+`"`) {
					t.Errorf("chart %s has no data", id)
				}
			}
			for _, k := range f.SampleKeys {
				if tt.redact && strings.Contains(page, k.Key) {
					t.Errorf("--redact-keys: key name %q is in the page", k.Key)
				}
			}
			if strings.HasPrefix(tt.name, "k8s-") && (!strings.Contains(page, `<table id="table-namespaces">`) || !strings.Contains(page, "% of file</text>")) {
				t.Errorf("Kubernetes file has no namespace table or no share of the file in the prefix chart")
			}
			if tt.name == "fragmented-v3.6" && !strings.Contains(page, `<svg id="chart-free-spans"`) {
				t.Errorf("fragmented file has no free span histogram")
			}
		})
	}
}

// unclassified counts the pages of the map no run covers.
func unclassified(pm html.PageMap) uint64 {
	covered := make([]bool, pm.Pages)
	for _, r := range pm.Runs {
		for p := r.Start; p < r.Start+r.Len && p < pm.Pages; p++ {
			covered[p] = true
		}
	}
	var n uint64
	for _, c := range covered {
		if !c {
			n++
		}
	}
	return n
}
