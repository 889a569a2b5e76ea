package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
	"github.com/dbinspect/dbinspect/mvcc"
)

// Ensure that the text report's etcdutl line prints the total-key count
// the etcdutl of the file's version printed when the fixture was made
// (for 3.4, which has no etcdutl, its etcdctl snapshot status), and names
// the other version's count beside it.
func TestTextEtcdutlTotalKeysMatchesEtcdutl(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: reads whole fixtures")
	}
	tests := []struct {
		fixture string
		other   string // the other etcdutl's count, as the line names it
	}{
		{"k8s-v3.5", "3.6 counts 1,971 live keys"},
		{"k8s-v3.6", "3.5 counts 2,942 pairs in all buckets"},
		{"config-store-v3.5", "3.6 counts 2,771 live keys"},
		{"config-store-v3.6", "3.5 counts"},
		{"k8s-v3.4", "etcdutl 3.6 counts 1,971 live keys"},
		{"config-store-v3.4-snapshot", "etcdutl 3.6 counts 2,771 live keys"},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			f := fixtures.Get(t, tt.fixture)
			r, err := Build(Input{Given: f.File, Path: fixtures.Path(t, f), Kind: "file"},
				Options{Sections: KeysSections, MVCC: mvcc.DefaultOptions()})
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			var buf bytes.Buffer
			if err := writeText(&buf, r, RenderOptions{Sections: KeysSections}); err != nil {
				t.Fatal(err)
			}
			self := "etcdutl " + minorOf(f.EtcdVersion)
			if minorOf(f.EtcdVersion) == "3.4" {
				self = "etcdctl 3.4"
			}
			want := "total keys " + count(int64(f.Etcdutl.TotalKey)) + " (" + self + "; " + tt.other
			if !strings.Contains(buf.String(), want) {
				t.Errorf("text report has no %q; its etcdutl line:\n%s", want, etcdutlTextLine(buf.String()))
			}
		})
	}
}

func etcdutlTextLine(out string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "etcdutl status") || strings.Contains(l, "etcdctl snapshot status") {
			return l
		}
	}
	return "(none)"
}
