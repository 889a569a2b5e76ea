package predict

import (
	"reflect"
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/mvcc"
)

// Ensure that etcd 3.4 is predicted, as its own version, with 3.5's model
// (its figures are 3.5's), that a file 3.4 wrote puts it first, and that
// the 3.4 model is stated whenever 3.4 is predicted and only then.
func TestEtcd34PredictedAs35(t *testing.T) {
	base := Inputs{FileBytes: 64 << 20, PageSize: 4096, HighWaterPgid: 8192, Keys: 20000, Revisions: 150000,
		KeyBytes: 2e6, ValueBytes: 60e6, Leases: 3, LeasedKeys: 30, ReachablePages: 8000, BboltElements: 160000,
		RecentRevisionBytes: map[int]int64{mvcc.RaftCatchUpEntries: 2e6, mvcc.RaftLogEntries36: 2.1e6, mvcc.RaftLogEntries35: 41e6}}
	tests := []struct {
		name     string
		storage  string
		versions []string
		want     []string
		stated   bool
	}{
		{"file written by 3.4", "3.4", nil, []string{"3.4", "3.5", "3.6", "3.7"}, true},
		{"--etcd-version 3.4", "3.6.0", []string{"3.4"}, []string{"3.4"}, true},
		{"file written by 3.5", "3.5.0", nil, []string{"3.5", "3.6", "3.7"}, false},
		{"no version known", "", nil, []string{"3.5", "3.6", "3.7"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := base
			in.StorageVersion, in.Versions = tt.storage, tt.versions
			p := Run(in, unitCal)
			var got []string
			for _, v := range p.ByVersion {
				got = append(got, v.Version)
			}
			if !reflect.DeepEqual(got, tt.want) || p.Version != tt.want[0] {
				t.Fatalf("versions %v (headline %s), want %v", got, p.Version, tt.want)
			}
			stated := false
			for _, m := range p.Models {
				for _, a := range m.Assumptions {
					stated = stated || strings.HasPrefix(a, "3.4 is predicted with 3.5's model")
				}
			}
			if stated != tt.stated {
				t.Errorf("3.4's model stated: %v, want %v", stated, tt.stated)
			}
		})
	}
	in := base
	in.Versions = []string{"3.4", "3.5"}
	p := Run(in, unitCal)
	v34, v35 := p.ByVersion[0], p.ByVersion[1]
	if v34.StartupBreakdown != v35.StartupBreakdown || v34.Memory != v35.Memory {
		t.Errorf("3.4 is not predicted as 3.5:\n3.4 %+v %+v\n3.5 %+v %+v", v34.StartupBreakdown, v34.Memory, v35.StartupBreakdown, v35.Memory)
	}
	if v34.Memory.RaftLogEntries != mvcc.RaftLogEntries35 {
		t.Errorf("3.4 raft log %d entries, want 3.5's window %d", v34.Memory.RaftLogEntries, mvcc.RaftLogEntries35)
	}
}
