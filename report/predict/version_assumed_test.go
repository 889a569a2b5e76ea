package predict

import "testing"

// Ensure that the headline version is marked assumed exactly when it is
// neither asked for nor the file's own: a file whose meta bucket could not
// be read once showed "etcd 3.5 startup" as if 3.5 had written it.
func TestVersionAssumed(t *testing.T) {
	for _, tc := range []struct {
		name     string
		storage  string
		versions []string
		want     bool
	}{
		{"the file's version", "3.6.0", nil, false},
		{"a 3.4 file", "3.4", nil, false},
		{"asked for", "", []string{"3.6"}, false},
		{"asked for, the file's known", "3.5.0", []string{"3.7"}, false},
		{"unknown", "", nil, true},
		{"not an etcd version", "2.3.8", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := Run(Inputs{FileBytes: 1 << 20, PageSize: 4096, HighWaterPgid: 256, StorageVersion: tc.storage, Versions: tc.versions}, unitCal)
			if p.VersionAssumed != tc.want {
				t.Errorf("VersionAssumed = %v (headline %s), want %v", p.VersionAssumed, p.Version, tc.want)
			}
		})
	}
}
