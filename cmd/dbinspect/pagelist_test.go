package main

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
	bolt "go.etcd.io/bbolt"
)

// Ensure that pages --list covers every page of the file once, in order,
// that each node's bytes add up to its pages, and that each row's type
// and length agree with bbolt's own tx.Page on the same file.
func TestPageListAgreesWithBbolt(t *testing.T) {
	for _, name := range []string{"k8s-v3.6", "large-value-v3.5", "fragmented-v3.6"} {
		t.Run(name, func(t *testing.T) {
			path := fixtures.Copy(t, fixtures.Get(t, name))
			code, out, errOut := runCLI(t, "pages", "--list", "-q", path)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			size := int64(len(mustRead(t, path)))
			// tx.Page needs bbolt's freelist: a private copy opened
			// read-write, where bbolt rebuilds it (etcd syncs none).
			db, err := bolt.Open(path, 0o600, &bolt.Options{NoFreelistSync: true})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			ps := int64(db.Info().PageSize)
			tx, err := db.Begin(false)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if lines[0] != pageListHeader {
				t.Fatalf("header %q", lines[0])
			}
			next := int64(0)
			nodes := 0
			for _, line := range lines[1:] {
				f := strings.Split(line, "\t")
				if len(f) != 11 {
					t.Fatalf("row %q has %d columns", line, len(f))
				}
				id, n := atoi(t, f[0]), atoi(t, f[1])
				if id != next || n < 1 {
					t.Fatalf("row %q: want it to start at page %d", line, next)
				}
				next = id + n
				if f[2] != "branch" && f[2] != "leaf" {
					continue
				}
				nodes++
				info, err := tx.Page(int(id))
				if err != nil || info == nil {
					t.Fatalf("bbolt has no page %d: %v", id, err)
				}
				if info.Type != f[2] || int64(info.OverflowCount)+1 != n || int64(info.Count) != atoi(t, f[5]) {
					t.Errorf("row %q; bbolt: %s, %d elements, overflow %d", line, info.Type, info.Count, info.OverflowCount)
				}
				sum := int64(0)
				for _, c := range f[6:] {
					sum += atoi(t, c)
				}
				if sum != n*ps {
					t.Errorf("row %q: bytes add up to %d, %d pages hold %d", line, sum, n, n*ps)
				}
			}
			if next*ps != size {
				t.Errorf("rows cover %d pages, the file has %d bytes", next, size)
			}
			if nodes == 0 {
				t.Error("no branch or leaf rows")
			}
		})
	}
}

const pageListHeader = "page\tpages\ttype\tbucket\tdepth\telements\theader_bytes\telement_bytes\tkey_bytes\tvalue_bytes\tfree_bytes"

func atoi(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("%q is not a number", s)
	}
	return n
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
