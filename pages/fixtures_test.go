package pages

import (
	"bytes"
	"os"
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
			// etcd restarted on a copy of the file reports DbSizeInUse after
			// its startup commits: pages those commits freed are pending
			// there and count as in use, and they may have added a page or
			// two. So it reports at least what we compute, and a few pages
			// more (1 to 7 pages on these fixtures).
			gap := fx.DbSizeInUse - a.Pages.InUseBytes
			t.Logf("in use %d bytes; etcd restarted on the file said %d (gap %d)", a.Pages.InUseBytes, fx.DbSizeInUse, gap)
			if ps := int64(a.File.PageSize); gap < 0 || gap > 16*ps {
				t.Errorf("in use %d bytes, etcd's DbSizeInUse %d: a gap of %d pages, want 0 to 16", a.Pages.InUseBytes, fx.DbSizeInUse, gap/ps)
			}
		})
	}
}

func TestSnapshotMismatch(t *testing.T) {
	for _, fx := range fixtures.All(t) {
		if !fx.Snapshot {
			continue
		}
		b, err := os.ReadFile(fixtures.Path(t, fx))
		if err != nil {
			t.Fatal(err)
		}
		b[len(b)/2] ^= 1
		f, err := NewFile(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		if st, err := f.VerifySnapshot(); err != nil || st != SnapshotMismatch {
			t.Errorf("%s with a flipped byte: %q, %v; want mismatch", fx.Name, st, err)
		}
		if f.Size() != int64(len(b))-32 {
			t.Errorf("bbolt part is %d bytes, want the file minus the 32-byte trailer", f.Size())
		}
		return
	}
	t.Fatal("no snapshot fixture")
}
