package mvcc

import (
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
)

// Ensure that the release named as the writer follows meta's markers and,
// for a file without term, the cluster bucket's version.
func TestWrittenBy(t *testing.T) {
	tests := []struct {
		name    string
		meta    Meta
		cluster string
		want    string
	}{
		{"no meta bucket", Meta{}, "3.6.0", ""},
		{"storage version", Meta{Present: true, HasTerm: true, StorageVersion: "3.6.0"}, "3.6.0", "3.6"},
		{"later storage version", Meta{Present: true, HasTerm: true, StorageVersion: "3.7.0"}, "3.7.0", "3.7"},
		{"unparsable storage version", Meta{Present: true, StorageVersion: "x"}, "", ""},
		{"term", Meta{Present: true, HasTerm: true}, "3.5.0", "3.5"},
		{"confState only", Meta{Present: true, ConfState: &ConfState{}}, "", "3.5"},
		{"no term, cluster 3.4", Meta{Present: true}, "3.4.0", "3.4"},
		{"no term, cluster 3.3", Meta{Present: true}, "3.3.0", ""},
		{"no term, no cluster version", Meta{Present: true}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := writtenBy(tt.meta, ClusterInfo{Version: tt.cluster}); got != tt.want {
				t.Errorf("writtenBy = %q, want %q", got, tt.want)
			}
		})
	}
}

// Ensure that on every fixture the writer named is the minor release of
// the etcd that wrote it (3.4.25, 3.5.35, 3.6.16).
func TestWrittenByFixtures(t *testing.T) {
	for _, f := range fixtures.All(t) {
		t.Run(f.Name, func(t *testing.T) {
			sum := scanWithPages(t, fixtures.Path(t, f), DefaultOptions())
			parts := strings.SplitN(f.EtcdVersion, ".", 3)
			if want := parts[0] + "." + parts[1]; sum.WrittenBy != want {
				t.Errorf("written by %q (meta: %s), etcd %s wrote it", sum.WrittenBy, sum.Meta.EtcdVersions, f.EtcdVersion)
			}
		})
	}
}
