package pages

import (
	"os"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
)

// Ensure that LeafPageOf finds, for every key of a bucket, the leaf page a
// plain recursive walk of the raw file finds it on.
func TestLeafPageOfMatchesWalk(t *testing.T) {
	for _, name := range []string{"k8s-v3.6", "config-store-v3.5", "large-value-v3.6"} {
		t.Run(name, func(t *testing.T) {
			path := fixtures.Path(t, fixtures.Get(t, name))
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			ps := f.PageSize()
			nodeAt := func(id uint64) node {
				h := parseHeader(b[int(id)*ps:])
				nd, err := newNode(b[int(id)*ps : (int(id)+1+int(h.Overflow))*ps])
				if err != nil {
					t.Fatalf("page %d: %v", id, err)
				}
				return nd
			}
			// The key bucket's root, from the root tree's leaf.
			var root uint64
			var walkRoot func(id uint64)
			walkRoot = func(id uint64) {
				nd := nodeAt(id)
				for i := 0; i < nd.count(); i++ {
					if nd.h.Flags == flagBranch {
						_, c, _ := nd.branch(i)
						walkRoot(c)
						continue
					}
					_, k, v, _ := nd.leaf(i)
					if string(k) == "key" {
						root, _, _ = bucketHeader(v)
					}
				}
			}
			walkRoot(f.Meta().Root)
			want := map[string]uint64{}
			var walk func(id uint64)
			walk = func(id uint64) {
				nd := nodeAt(id)
				for i := 0; i < nd.count(); i++ {
					if nd.h.Flags == flagBranch {
						_, c, _ := nd.branch(i)
						walk(c)
						continue
					}
					_, k, _, _ := nd.leaf(i)
					want[string(k)] = id
				}
			}
			walk(root)
			if len(want) == 0 {
				t.Fatal("no keys in the key bucket")
			}
			for k, page := range want {
				got, err := f.LeafPageOf("key", []byte(k))
				if err != nil || got != page {
					t.Fatalf("LeafPageOf(%x) = %d, %v; the walk found it on page %d", k, got, err, page)
				}
			}
			if _, err := f.LeafPageOf("no-such-bucket", []byte("k")); err == nil {
				t.Error("LeafPageOf of a missing bucket succeeded")
			}
		})
	}
}
