package report

import (
	"bytes"
	"encoding/json"
	"html"
	"reflect"
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
	"github.com/dbinspect/dbinspect/mvcc"
)

// TestSummaryIsOneViewModel renders text, JSON and HTML from one report
// and checks each draws the summary's figures from the one Summary: the
// text and the HTML print every line of it word for word (the defrag
// wording included), and the JSON carries the same figures, which agree
// with the sections they summarize.
func TestSummaryIsOneViewModel(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: reads whole fixtures")
	}
	for _, name := range []string{"k8s-v3.6", "large-value-v3.6"} {
		t.Run(name, func(t *testing.T) {
			f := fixtures.Get(t, name)
			r, err := Build(Input{Given: f.File, Path: fixtures.Path(t, f), Kind: "file"},
				Options{Sections: AllSections, MVCC: mvcc.DefaultOptions(), Seeds: 2, PageMap: true})
			if err != nil {
				t.Fatal(err)
			}
			sum := summarize(r, r.Sections)
			if sum.Defrag == nil || sum.Quota == nil || sum.Restore == nil || sum.Startup == nil || sum.Keys == nil {
				t.Fatalf("the summary lacks figures to compare: %+v", sum)
			}
			var text, js, page bytes.Buffer
			if err := writeText(&text, r, RenderOptions{Sections: r.Sections}); err != nil {
				t.Fatal(err)
			}
			if err := writeJSON(&js, r); err != nil {
				t.Fatal(err)
			}
			if err := Render(&page, r, RenderOptions{Format: "html", Sections: r.Sections}); err != nil {
				t.Fatal(err)
			}

			for _, l := range sum.Lines() {
				if !strings.Contains(text.String(), l.Text) || !strings.Contains(text.String(), "  "+l.Label+" ") {
					t.Errorf("text lacks the summary line %q: %q", l.Label, l.Text)
				}
				if !strings.Contains(page.String(), html.EscapeString(l.Text)) || !strings.Contains(page.String(), html.EscapeString(l.Label)) {
					t.Errorf("HTML lacks the summary line %q: %q", l.Label, l.Text)
				}
			}
			// The defrag wording, once: in the summary and the predictions.
			defrag := sum.Defrag.text()
			if !strings.Contains(defrag, "after defrag ") || !strings.Contains(defrag, "(saves ") {
				t.Fatalf("defrag wording %q", defrag)
			}
			after := strings.SplitN(strings.TrimPrefix(defrag, "after defrag "), ",", 2)[0]
			if !strings.Contains(text.String(), "  after defrag      "+after+", file ") {
				t.Errorf("the predictions section words the defrag differently from the summary's %q", after)
			}

			var doc struct {
				Summary Summary `json:"summary"`
				Pages   struct {
					HighWaterBytes int64 `json:"high_water_bytes"`
					InUseBytes     int64 `json:"in_use_bytes"`
				} `json:"pages"`
				Predict struct {
					DefragSizeBytes    int64 `json:"defrag_size_bytes"`
					DefragSavingsBytes int64 `json:"defrag_savings_bytes"`
					Restore            struct {
						DiskBytes int64 `json:"disk_bytes"`
					} `json:"restore"`
				} `json:"predict"`
			}
			if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			want := sum
			want.Complete = false // certainty.complete, not repeated in the summary
			if !reflect.DeepEqual(doc.Summary, want) {
				t.Errorf("JSON summary %+v\nview model   %+v", doc.Summary, want)
			}
			s, p := doc.Summary, doc.Predict
			if s.DbSizeBytes != doc.Pages.HighWaterBytes || s.InUseBytes != doc.Pages.InUseBytes ||
				s.Defrag.AfterBytes != p.DefragSizeBytes || s.Defrag.SavesBytes != p.DefragSavingsBytes ||
				s.Defrag.SavesBytes != max(s.DbSizeBytes-s.Defrag.AfterBytes, 0) || s.Restore.DiskBytes != p.Restore.DiskBytes {
				t.Errorf("JSON summary disagrees with its sections: summary %+v, pages %+v, predict %+v", s, doc.Pages, p)
			}
		})
	}
}
