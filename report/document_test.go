package report

import (
	"reflect"
	"testing"

	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/pages"
	"github.com/dbinspect/dbinspect/pages/defrag"
	"github.com/dbinspect/dbinspect/pages/freelist"
	"github.com/dbinspect/dbinspect/report/predict"
)

// Ensure every JSON field of a lower package's type reaches the report-owned
// type the document writes in its place: a field added to mvcc.Summary (or
// any type below) and not to its doc twin would silently vanish from the
// JSON. The goldens catch it only on the fixtures that set the field.
func TestDocumentTypesMirrorTheirSources(t *testing.T) {
	pairs := []struct{ source, doc any }{
		{pages.FileReport{}, docFileReport{}},
		{pages.MetaReport{}, docMetaReport{}},
		{pages.PageCensus{}, docPageCensus{}},
		{pages.BucketStats{}, docBucketStats{}},
		{pages.FreelistReport{}, docFreelistReport{}},
		{pages.Truncation{}, docTruncation{}},
		{pages.Problem{}, docProblem{}},
		{pages.ProblemCounts{}, docProblemCounts{}},
		{freelist.Fragmentation{}, docFragmentation{}},
		{mvcc.Summary{}, docMVCCSummary{}},
		{predict.Prediction{}, docPrediction{}},
		{defrag.ExactResult{}, docExactResult{}},
		{MemberReport{}, docMemberReport{}},
	}
	for _, p := range pairs {
		src, doc := reflect.TypeOf(p.source), reflect.TypeOf(p.doc)
		want := map[string]bool{}
		for _, f := range walkSchema(t, src) {
			want[f.path] = true
		}
		got := map[string]bool{}
		for _, f := range walkSchema(t, doc) {
			got[f.path] = true
		}
		for path := range want {
			if !got[path] {
				t.Errorf("%v writes %q but the document's %v does not: add it to report/document*.go (and docs/json-schema.md)", src, path, doc)
			}
		}
		for path := range got {
			if !want[path] {
				t.Errorf("the document's %v writes %q, which %v does not have", doc, path, src)
			}
		}
	}
}
