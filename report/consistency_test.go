package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/pages"
	bolt "go.etcd.io/bbolt"
)

// Ensure a file written to while it is read (a live db copied mid-commit,
// or read in place while etcd runs) is reported as an inconsistent copy.
func TestCheckUnchangedDetectsWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	put := func(k string) {
		if err := db.Update(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("key"))
			if err != nil {
				return err
			}
			return b.Put([]byte(k), []byte("v"))
		}); err != nil {
			t.Fatal(err)
		}
	}
	put("a")

	tests := []struct {
		name   string
		change func()
		want   string
	}{
		{"unchanged", func() {}, ""},
		{"a commit", func() { put("b") }, "its meta pages changed while it was read"},
		{"appended", func() {
			f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			f.Write(make([]byte, 4096))
			f.Close()
		}, "its size went from"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := pages.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			before := fileState(path, f)
			tc.change()
			r := &Report{Certainty: Certainty{Complete: true}}
			if what := changedSince(Input{Path: path}, before); what != "" {
				r.Certainty.changed(what)
			}
			if tc.want == "" {
				if r.Certainty.Changed != "" || !r.Certainty.Complete {
					t.Errorf("an untouched file was reported as changed: %+v", r.Certainty)
				}
				return
			}
			if r.Certainty.Complete || !strings.Contains(r.Certainty.Changed, tc.want) || !strings.Contains(r.Certainty.Changed, "etcdctl snapshot save") {
				t.Errorf("certainty %+v, want Changed containing %q and the advice", r.Certainty, tc.want)
			}
		})
	}
	db.Close()
}
