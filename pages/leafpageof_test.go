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
			// leaves calls fn for every leaf element under page id.
			var leaves func(id uint64, fn func(leaf uint64, k, v []byte))
			leaves = func(id uint64, fn func(leaf uint64, k, v []byte)) {
				nd := nodeAt(id)
				for i := 0; i < nd.count(); i++ {
					if nd.h.Flags == FlagBranch {
						_, c, _ := nd.branch(i)
						leaves(c, fn)
						continue
					}
					_, k, v, _ := nd.leaf(i)
					fn(id, k, v)
				}
			}
			var root uint64 // the key bucket's, from the root tree's leaves
			leaves(f.Meta().Root, func(_ uint64, k, v []byte) {
				if string(k) == "key" {
					root, _, _ = bucketHeader(v)
				}
			})
			want := map[string]uint64{}
			leaves(root, func(leaf uint64, k, _ []byte) { want[string(k)] = leaf })
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
