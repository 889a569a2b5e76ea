package pages

import (
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
)

// TestFixtures checks every etcd-written fixture against bbolt (page types,
// bucket stats, free pages, in-use bytes) and against what etcd and
// etcdutl said about it.
func TestFixtures(t *testing.T) {
	for _, fx := range fixtures.All(t) {
		t.Run(fx.Name, func(t *testing.T) {
			path := fixtures.Path(t, fx)
			a := compareWithBbolt(t, path)
			sameAsBbolt(t, path)
			if a.File.SizeBytes != fx.SizeBytes {
				t.Errorf("size %d, manifest %d", a.File.SizeBytes, fx.SizeBytes)
			}
			if a.Pages.HighWaterBytes != fx.Etcdutl.TotalSize {
				t.Errorf("high-water bytes %d, etcdutl snapshot status total size %d", a.Pages.HighWaterBytes, fx.Etcdutl.TotalSize)
			}
			if a.File.Snapshot.Present != fx.Snapshot {
				t.Errorf("snapshot trailer present = %v, manifest says %v", a.File.Snapshot.Present, fx.Snapshot)
			}
			f, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			st, err := f.VerifySnapshot()
			want := SnapshotAbsent
			if fx.Snapshot {
				want = SnapshotOK
			}
			if err != nil || st != want {
				t.Errorf("VerifySnapshot = %q, %v; want %q", st, err, want)
			}
			// etcd's live DbSizeInUse counts pages pending from its last
			// commits as in use; the file after a clean stop has them free.
			t.Logf("in use %d bytes; live etcd said %d (gap %d)", a.Pages.InUseBytes, fx.DbSizeInUse, fx.DbSizeInUse-a.Pages.InUseBytes)
		})
	}
}
