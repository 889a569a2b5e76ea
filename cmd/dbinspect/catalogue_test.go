package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/dbinspect/dbinspect/internal/fixtures"
	"github.com/dbinspect/dbinspect/internal/pageimage"
	"github.com/dbinspect/dbinspect/pages"
)

// loadDB is a real fixture in memory, for a test to damage chosen bytes and
// write the result out as a new bad input.
func loadDB(t *testing.T, name string) *pageimage.Image {
	t.Helper()
	return pageimage.Load(t, fixtures.Path(t, fixtures.Get(t, name)))
}

func writeBytes(t *testing.T, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "db")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// withBolt opens a writable copy of a fixture with bbolt and lets edit
// change it, for the cases that need new content rather than bad bytes.
func withBolt(t *testing.T, name string, edit func(tx *bolt.Tx) error) string {
	t.Helper()
	p := fixtures.Copy(t, fixtures.Get(t, name))
	db, err := bolt.Open(p, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(edit); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// A badInput is one entry of the catalogue in docs/bad-inputs.md.
type badInput struct {
	name string
	// make writes the bad input, derived from a real fixture, and returns
	// the path to give dbinspect.
	make func(t *testing.T) string
	// checkCode and reportCode are the exit statuses of 'dbinspect check'
	// and 'dbinspect report'.
	checkCode, reportCode int
	// lines must each appear as a whole line (leading spaces trimmed) of
	// the output of check or report, stdout or stderr; PATH stands for the
	// path given.
	lines []string
	// partial must appear in one of the JSON report's certainty.partial
	// entries; "" means certainty.complete must be true. Unused when the
	// report fails.
	partial string
	// jsonCheck, if set, checks other fields of the JSON report.
	jsonCheck func(t *testing.T, r map[string]any)
}

const cannotOpen = "; bbolt and etcd cannot open this file: restore it from a backup or snapshot"

func catalogue() []badInput {
	return []badInput{
		{
			name:      "missing path",
			make:      func(t *testing.T) string { return filepath.Join(t.TempDir(), "member", "snap", "db") },
			checkCode: exitError, reportCode: exitError,
			lines: []string{"dbinspect: PATH: no such file or directory; name an etcd db file (member/snap/db), a snapshot, or an etcd data dir"},
		},
		{
			name: "directory without a db",
			make: func(t *testing.T) string {
				d := t.TempDir()
				if err := os.MkdirAll(filepath.Join(d, "member", "wal"), 0o755); err != nil {
					t.Fatal(err)
				}
				return d
			},
			checkCode: exitError, reportCode: exitError,
			lines: []string{"dbinspect: PATH: a directory with no etcd db in it (looked for member/snap/db and snap/db); name the db file or the etcd --data-dir"},
		},
		{
			name:      "zero-length file",
			make:      func(t *testing.T) string { return writeBytes(t, nil) },
			checkCode: exitError, reportCode: exitError,
			lines: []string{"dbinspect: PATH: not a readable bbolt/etcd db: the file is empty (0 bytes): nothing was copied; copy member/snap/db again, or take a copy with 'etcdctl snapshot save'"},
		},
		{
			name: "shorter than two pages",
			make: func(t *testing.T) string {
				im := loadDB(t, "config-store-v3.6")
				return writeBytes(t, im.B[:im.PageSize+im.PageSize/2])
			},
			checkCode: exitError, reportCode: exitOK,
			lines: []string{
				"TRUNCATED: the file has 6,144 bytes of the 3,973,120 its meta expects; 3,966,976 bytes are missing; buckets affected: (root)",
				"dbinspect: PATH: the file is damaged (1 problem)",
			},
			partial: "pages: part of the file could not be read (1 problem); counts cover what was read",
		},
		{
			name: "a gzip file without a .gz name",
			make: func(t *testing.T) string {
				f := fixtures.Get(t, "config-store-v3.6")
				b, err := os.ReadFile(filepath.Join(fixtures.Dir(), f.File))
				if err != nil {
					t.Fatal(err)
				}
				return writeBytes(t, b)
			},
			checkCode: exitError, reportCode: exitError,
			lines: []string{"dbinspect: PATH: a gzip file, not a db; name it with a .gz suffix (dbinspect then decompresses it into a temp dir) or gunzip it first"},
		},
		{
			name: "not a bbolt file (a copy missing its first two pages)",
			make: func(t *testing.T) string {
				im := loadDB(t, "config-store-v3.6")
				return writeBytes(t, im.B[2*im.PageSize:])
			},
			checkCode: exitError, reportCode: exitError,
			lines: []string{"dbinspect: PATH: not a readable bbolt/etcd db: neither meta page is valid (meta 0 at offset 0: bad magic 0x00000000, want 0xed0cdaed (not a bbolt file, or the meta page is overwritten); meta 1 at offset 4096: bad magic 0x00000000, want 0xed0cdaed (not a bbolt file, or the meta page is overwritten))" + cannotOpen},
		},
		{
			name: "wrong version",
			make: func(t *testing.T) string {
				im := loadDB(t, "config-store-v3.6")
				im.SetMetaU32(0, pages.MetaVersionAt, 3)
				im.SetMetaU32(1, pages.MetaVersionAt, 3)
				return im.Write(t)
			},
			checkCode: exitError, reportCode: exitError,
			lines: []string{"dbinspect: PATH: not a readable bbolt/etcd db: neither meta page is valid (meta 0 at offset 0: unsupported format version 3, want 2; meta 1 at offset 4096: unsupported format version 3, want 2)" + cannotOpen},
		},
		{
			name: "page size mismatch between metas",
			make: func(t *testing.T) string {
				im := loadDB(t, "config-store-v3.6")
				im.SetMetaU32(1, pages.MetaPageSizeAt, uint32(im.PageSize*2))
				return im.Write(t)
			},
			checkCode: exitOK, reportCode: exitOK,
			lines: []string{"warning meta-invalid: page 1: meta page 1 is invalid (page size 8192 differs from the file's page size 4096); bbolt uses meta page 0 (txid 26). One bad meta is what an interrupted commit leaves; etcd's next commit rewrites it"},
		},
		{
			name: "one meta with a bad checksum",
			make: func(t *testing.T) string {
				im := loadDB(t, "config-store-v3.6")
				im.Page(im.UsedMeta())[pages.MetaOffset+pages.MetaChecksumAt] ^= 0xFF
				return im.Write(t)
			},
			checkCode: exitOK, reportCode: exitOK,
			lines: []string{"warning meta-invalid: page 1: meta page 1 is invalid (checksum 0x38070b7892f78ccd does not match the content (0x38070b7892f78c32): the meta page is damaged); bbolt uses meta page 0 (txid 26). One bad meta is what an interrupted commit leaves; etcd's next commit rewrites it"},
		},
		{
			name: "both metas bad",
			make: func(t *testing.T) string {
				im := loadDB(t, "config-store-v3.6")
				im.Page(0)[pages.MetaOffset+pages.MetaChecksumAt] ^= 0xFF
				im.Page(1)[pages.MetaOffset+pages.MetaChecksumAt] ^= 0xFF
				return im.Write(t)
			},
			checkCode: exitError, reportCode: exitError,
			lines: []string{"dbinspect: PATH: not a readable bbolt/etcd db: neither meta page is valid (meta 0 at offset 0: checksum 0x9a07e7572f1ec422 does not match the content (0x9a07e7572f1ec4dd): the meta page is damaged; meta 1 at offset 4096: checksum 0x38070b7892f78ccd does not match the content (0x38070b7892f78c32): the meta page is damaged)" + cannotOpen},
		},
		{
			name: "copy truncated mid-file",
			make: func(t *testing.T) string {
				im := loadDB(t, "config-store-v3.6")
				hw := int(im.HighWater()) * im.PageSize
				return writeBytes(t, im.B[:hw*3/4+100])
			},
			checkCode: exitError, reportCode: exitOK,
			lines: []string{
				"TRUNCATED: the file has 2,979,940 bytes of the 3,973,120 its meta expects; 993,180 bytes are missing; buckets affected: key",
				"dbinspect: PATH: the file is damaged (1 problem)",
			},
			partial: "keys: 1 part(s) of etcd's buckets could not be read; key figures cover what was read",
		},
		{
			name: "root pointing past the end",
			make: func(t *testing.T) string {
				im := loadDB(t, "config-store-v3.6")
				im.SetMetaU64(im.UsedMeta(), pages.MetaRootAt, im.HighWater()+5)
				return im.Write(t)
			},
			checkCode: exitError, reportCode: exitOK,
			lines: []string{
				"error meta-bad-pointer: page 1: the root bucket page 975 is at or past the high-water mark 970",
				"error page-out-of-range: page 975: referenced from the meta page, but page ids run from 2 to 969 (the high-water mark)",
				"dbinspect: PATH: the file is damaged (2 problems)",
			},
			partial: "keys: list buckets: page 975: page id outside [2, 970) (damaged parts were skipped)",
		},
		{
			name: "child pointing past the end",
			make: func(t *testing.T) string {
				im := loadDB(t, "config-store-v3.6")
				im.SetChild(im.BranchRoot(t, "key"), 1, im.HighWater()+5)
				return im.Write(t)
			},
			checkCode: exitError, reportCode: exitOK,
			lines:   []string{`error page-out-of-range: page 975: bucket "key": referenced from page 234, but page ids run from 2 to 969 (the high-water mark)`},
			partial: "keys: 1 part(s) of etcd's buckets could not be read; key figures cover what was read",
		},
		{
			name: "cycle",
			make: func(t *testing.T) string {
				im := loadDB(t, "config-store-v3.6")
				r := im.BranchRoot(t, "key")
				im.SetChild(r, 1, r)
				return im.Write(t)
			},
			checkCode: exitError, reportCode: exitOK,
			lines:   []string{`error cycle: page 234: bucket "key": page 234 refers back to its ancestor 234: the tree has a cycle`},
			partial: "keys: 1 part(s) of etcd's buckets could not be read; key figures cover what was read",
		},
		{
			name: "one page with two parents",
			make: func(t *testing.T) string {
				im := loadDB(t, "config-store-v3.6")
				r := im.BranchRoot(t, "key")
				im.SetChild(r, 1, im.Child(r, 0))
				return im.Write(t)
			},
			checkCode: exitError, reportCode: exitOK,
			lines:   []string{`error page-reached-twice: page 809: bucket "key": referenced from page 234, but already reached from another page: two parents`},
			partial: "keys: 1 part(s) of etcd's buckets could not be read; key figures cover what was read",
		},
		{
			name: "element offset outside its page",
			make: func(t *testing.T) string {
				im := loadDB(t, "config-store-v3.6")
				leaf := im.FirstLeaf(im.BranchRoot(t, "key"))
				binary.LittleEndian.PutUint32(im.Elem(leaf, 0)[4:], 0xFFFFFF00)
				return im.Write(t)
			},
			checkCode: exitError, reportCode: exitOK,
			lines:   []string{`error element-out-of-bounds: page 628: bucket "key": element 0: bytes [4294967056,4294967264) lie outside the node (4096 bytes)`},
			partial: "keys: 1 part(s) of etcd's buckets could not be read; key figures cover what was read",
		},
		{
			name: "overflow run past the end",
			make: func(t *testing.T) string {
				im := loadDB(t, "config-store-v3.6")
				leaf := im.FirstLeaf(im.BranchRoot(t, "key"))
				binary.LittleEndian.PutUint32(im.Page(leaf)[12:], 1<<30)
				return im.Write(t)
			},
			checkCode: exitError, reportCode: exitOK,
			lines:   []string{`error overflow-out-of-range: page 628: bucket "key": 1073741824 overflow pages run past the high-water mark 970`},
			partial: "keys: 1 part(s) of etcd's buckets could not be read; key figures cover what was read",
		},
		{
			// bbolt sees nothing wrong; etcd's restore would panic.
			name: "garbage in a KeyValue",
			make: func(t *testing.T) string {
				im := loadDB(t, "config-store-v3.6")
				leaf := im.FirstLeaf(im.BranchRoot(t, "key"))
				_, v := im.LeafKV(leaf, 1)
				for i := range v {
					v[i] = 0xFF
				}
				return im.Write(t)
			},
			checkCode: exitOK, reportCode: exitOK,
			lines:   []string{"CRITICAL malformed_revisions: 1 key-bucket entries cannot be decoded; etcd's restore panics on them"},
			partial: "keys: 1 key-bucket entries could not be decoded; key figures leave them out",
			jsonCheck: func(t *testing.T, r map[string]any) {
				if n := jsonPath(r, "mvcc", "malformed", "count"); n != 1.0 {
					t.Errorf("mvcc.malformed.count %v, want 1", n)
				}
			},
		},
		{
			// The shortened key also sorts before its parent's separator.
			name: "revision key of the wrong length",
			make: func(t *testing.T) string {
				im := loadDB(t, "config-store-v3.6")
				leaf := im.FirstLeaf(im.BranchRoot(t, "key"))
				e := im.Elem(leaf, 0)
				// 17 key bytes become 16; the value starts one byte early.
				binary.LittleEndian.PutUint32(e[8:], binary.LittleEndian.Uint32(e[8:])-1)
				binary.LittleEndian.PutUint32(e[12:], binary.LittleEndian.Uint32(e[12:])+1)
				return im.Write(t)
			},
			checkCode: exitError, reportCode: exitOK,
			lines: []string{
				"CRITICAL malformed_revisions: 1 key-bucket entries cannot be decoded; etcd's restore panics on them",
				`error key-order: page 628: bucket "key": the first key sorts before the separator for this page in its parent 809`,
			},
			partial: "keys: 1 key-bucket entries could not be decoded; key figures leave them out",
			jsonCheck: func(t *testing.T, r map[string]any) {
				if n := jsonPath(r, "mvcc", "malformed", "count"); n != 1.0 {
					t.Errorf("mvcc.malformed.count %v, want 1", n)
				}
			},
		},
		{
			// Written with bbolt into a copy of the fixture: a pair that is
			// not a lease in etcd's lease bucket (etcd panics on it when it
			// recovers leases).
			name: "bucket named like etcd's holding foreign data",
			make: func(t *testing.T) string {
				return withBolt(t, "config-store-v3.6", func(tx *bolt.Tx) error {
					return tx.Bucket([]byte("lease")).Put([]byte("session-cache"), []byte(`{"user":"x"}`))
				})
			},
			checkCode: exitOK, reportCode: exitOK,
			lines:   []string{"CRITICAL malformed_leases: 1 lease-bucket entries are not etcd leases; etcd's lease recovery panics on a value that does not decode"},
			partial: "leases: 1 lease-bucket entries are not leases; lease figures leave them out",
			jsonCheck: func(t *testing.T, r map[string]any) {
				if n := jsonPath(r, "mvcc", "leases", "malformed"); n != 1.0 {
					t.Errorf("mvcc.leases.malformed %v, want 1", n)
				}
			},
		},
		{
			name: "snapshot whose SHA-256 trailer does not match",
			make: func(t *testing.T) string {
				b, err := os.ReadFile(fixtures.Path(t, fixtures.Get(t, "k8s-v3.6-snapshot")))
				if err != nil {
					t.Fatal(err)
				}
				b[len(b)-1] ^= 0xFF
				return writeBytes(t, b)
			},
			checkCode: exitError, reportCode: exitOK,
			lines: []string{
				"CRITICAL snapshot_hash_mismatch: the snapshot's SHA-256 trailer does not match its content",
				"snapshot SHA-256 trailer: MISMATCH: the file is not the snapshot etcd wrote (etcdutl snapshot restore refuses it; copy it again)",
			},
			jsonCheck: func(t *testing.T, r map[string]any) {
				if h := jsonPath(r, "input", "snapshot_hash"); h != "mismatch" {
					t.Errorf("input.snapshot_hash %v, want mismatch", h)
				}
			},
		},
	}
}

// jsonPath follows keys through decoded JSON objects.
func jsonPath(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// outputLines are the lines of outs, leading spaces trimmed, for exact
// whole-line matching.
func outputLines(outs ...string) map[string]bool {
	set := map[string]bool{}
	for _, o := range outs {
		for _, l := range strings.Split(o, "\n") {
			set[strings.TrimRight(strings.TrimLeft(l, " "), " ")] = true
		}
	}
	return set
}

// Ensure every entry of the catalogue of bad inputs gives its exact message
// and exit status through the CLI, and that the JSON report says what is
// certain and what is partial.
func TestCatalogue(t *testing.T) {
	for _, c := range append(catalogue(), hardeningCatalogue()...) {
		t.Run(c.name, func(t *testing.T) {
			p := c.make(t)
			checkCode, checkOut, checkErr := runCLI(t, "check", "--no-color", p)
			reportCode, reportOut, reportErr := runCLI(t, "report", "-v", "--no-color", p)
			dump := func() string {
				return "check stdout:\n" + checkOut + "check stderr:\n" + checkErr + "report stderr:\n" + reportErr
			}
			if checkCode != c.checkCode || reportCode != c.reportCode {
				t.Errorf("exit statuses: check %d, report %d; want %d, %d\n%s", checkCode, reportCode, c.checkCode, c.reportCode, dump())
			}
			got := outputLines(checkOut, checkErr, reportOut, reportErr)
			for _, want := range c.lines {
				if want = strings.ReplaceAll(want, "PATH", p); !got[want] {
					t.Errorf("no line %q\n%s", want, dump())
				}
			}
			if c.reportCode != exitOK {
				return
			}
			// The text report's Certainty section says the same as the JSON.
			if c.partial != "" && !got["partial: "+c.partial] {
				t.Errorf("the text report's Certainty section has no line %q", "partial: "+c.partial)
			}
			if c.partial == "" && strings.Contains(reportOut, "\nCertainty\n") {
				t.Errorf("the text report of a complete read has a Certainty section")
			}
			code, out, errOut := runCLI(t, "report", "-o", "json", p)
			if code != exitOK {
				t.Fatalf("report -o json: exit %d: %s", code, errOut)
			}
			var r map[string]any
			if err := json.Unmarshal([]byte(out), &r); err != nil {
				t.Fatal(err)
			}
			complete := jsonPath(r, "certainty", "complete")
			partial, _ := jsonPath(r, "certainty", "partial").([]any)
			if c.partial == "" {
				if complete != true || len(partial) != 0 {
					t.Errorf("certainty complete %v, partial %v; want complete", complete, partial)
				}
			} else {
				found := false
				for _, p := range partial {
					found = found || p == c.partial
				}
				if complete != false || !found {
					t.Errorf("certainty complete %v, partial %q; want incomplete with %q", complete, partial, c.partial)
				}
			}
			checkCertain(t, r)
			if c.jsonCheck != nil {
				c.jsonCheck(t, r)
			}
		})
	}
}

// checkCertain checks certainty.certain against certainty.partial: absent
// on a complete read; otherwise it names the file (a valid meta was read),
// no section it names has a partial entry, and the startup and memory
// predictions are certain exactly when they are not lower bounds, which
// they are whenever the pages or the keys are partial.
func checkCertain(t *testing.T, r map[string]any) {
	t.Helper()
	certain := map[string]bool{}
	list, _ := jsonPath(r, "certainty", "certain").([]any)
	for _, c := range list {
		certain[c.(string)] = true
	}
	if jsonPath(r, "certainty", "complete") == true {
		if len(list) != 0 {
			t.Errorf("certainty.certain %v on a complete read, want it absent", list)
		}
		return
	}
	if !certain["file"] {
		t.Errorf("certainty.certain %v lacks file", list)
	}
	partial, _ := jsonPath(r, "certainty", "partial").([]any)
	pagesOrKeys := false
	for _, p := range partial {
		s := p.(string)
		section, _, _ := strings.Cut(s, ":")
		if certain[section] {
			t.Errorf("section %s is both certain and partial (%q)", section, s)
		}
		pagesOrKeys = pagesOrKeys || section == "pages" || section == "keys" || section == "leases"
	}
	lower := jsonPath(r, "predict", "lower_bound") == true
	if lower == certain["predict.startup"] || lower == certain["predict.memory"] {
		t.Errorf("predict.lower_bound %v, certain %v: startup and memory are certain exactly when not lower bounds", lower, list)
	}
	if pagesOrKeys && !lower {
		t.Errorf("pages or keys are partial but predict.lower_bound is not set")
	}
}

// Ensure a db the user may not read gives the permission message. Tests run
// as root, whom file modes do not stop, so as root the built binary runs as
// user nobody.
func TestCataloguePermissionDenied(t *testing.T) {
	dir, err := os.MkdirTemp("", "dbinspect-perm-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "db")
	if err := os.WriteFile(db, loadDB(t, "auth-v3.6").B, 0o600); err != nil {
		t.Fatal(err)
	}
	want := "dbinspect: " + db + ": permission denied; copy the file somewhere readable or run as a user that can read it"
	exe := ""
	if os.Geteuid() == 0 {
		exe = buildBinary(t, dir)
	}
	for _, args := range [][]string{{"report", db}, {"check", db}} {
		var code int
		var stderr string
		if exe != "" {
			cmd := exec.Command(exe, args...)
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
			cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_CONFIG_HOME="+dir)
			var e bytes.Buffer
			cmd.Stderr = &e
			err := cmd.Run()
			if _, ok := err.(*exec.ExitError); err != nil && !ok {
				t.Fatalf("running as nobody: %v", err)
			}
			code, stderr = cmd.ProcessState.ExitCode(), e.String()
		} else {
			if err := os.Chmod(db, 0); err != nil {
				t.Fatal(err)
			}
			if f, err := os.Open(db); err == nil {
				f.Close()
				t.Skip("not root, and a mode 0000 file is still readable to this user: cannot make a file this user may not read")
			}
			code, _, stderr = runCLI(t, args...)
		}
		if code != exitError || !outputLines(stderr)[want] {
			t.Errorf("dbinspect %q: exit %d, stderr %q; want exit %d and %q", args, code, stderr, exitError, want)
		}
	}
}

// hostileDB builds a 1 MiB bbolt file of 4 KiB pages whose two meta pages
// are valid (root page 2, the given freelist and high-water mark) and whose
// other pages are written by fill.
func hostileDB(t *testing.T, freelist, highWater uint64, fill func(page func(id uint64) []byte)) string {
	t.Helper()
	const ps, size = 4096, 1 << 20
	im := pageimage.New(size, ps)
	for id := uint64(0); id < 2; id++ {
		im.InitMeta(id, 2, freelist, highWater, id+1)
	}
	fill(im.Page)
	return im.Write(t)
}

// header writes a page header.
var header = pageimage.PutHeader

// Ensure hostile 1 MiB files cannot make dbinspect allocate far more than
// the file, crash or run on, whatever the subcommand: every command that
// takes a path ends with a clear error or a result marked partial, never a
// panic, --exact is refused, and peak RSS stays under hostileMaxRSS.
func TestHostileFilesBoundedResources(t *testing.T) {
	const pages = 256
	const noFreelist = ^uint64(0)
	emptyLeaf := func(page func(uint64) []byte) { header(page(2), 2, 0x02, 0, 0) }
	tests := []struct {
		name string
		path func(t *testing.T) string
	}{
		{"every page claims 65535 elements and 2^32-1 overflow pages", func(t *testing.T) string {
			return hostileDB(t, noFreelist, pages, func(page func(uint64) []byte) {
				for id := uint64(2); id < pages; id++ {
					header(page(id), id, uint16(1+id%2), 0xFFFF, 0xFFFFFFFF)
				}
			})
		}},
		{"branch pages all pointing at each other (cycles, many parents)", func(t *testing.T) string {
			return hostileDB(t, noFreelist, pages, func(page func(uint64) []byte) {
				for id := uint64(2); id < pages; id++ {
					p := page(id)
					header(p, id, 0x01, 255, 0)
					for j := 0; j < 255; j++ {
						e := p[16+16*j:]
						binary.LittleEndian.PutUint32(e[4:], 0)                          // empty keys
						binary.LittleEndian.PutUint64(e[8:], 2+(id+uint64(j))%(pages-2)) // child
					}
				}
			})
		}},
		{"freelist count 0xFFFF with a giant first u64", func(t *testing.T) string {
			return hostileDB(t, 3, pages, func(page func(uint64) []byte) {
				emptyLeaf(page)
				p := page(3)
				header(p, 3, 0x10, 0xFFFF, 0)
				binary.LittleEndian.PutUint64(p[16:], 1<<61)
			})
		}},
		{"high-water mark 2^40 pages", func(t *testing.T) string {
			return hostileDB(t, noFreelist, 1<<40, emptyLeaf)
		}},
		{"inline bucket \"key\" claiming 65535 elements", func(t *testing.T) string {
			return hostileDB(t, noFreelist, pages, func(page func(uint64) []byte) {
				p := page(2)
				header(p, 2, 0x02, 1, 0)
				e := p[16:]
				binary.LittleEndian.PutUint32(e, 1)      // bucket
				binary.LittleEndian.PutUint32(e[4:], 16) // key right after the element
				binary.LittleEndian.PutUint32(e[8:], 3)
				binary.LittleEndian.PutUint32(e[12:], 16+16)
				copy(p[32:], "key")
				// bucket header {root 0: inline, seq}, then the inline page
				header(p[32+3+16:], 0, 0x02, 0xFFFF, 0)
			})
		}},
		{"random bytes with valid metas", func(t *testing.T) string {
			return hostileDB(t, 3, pages, func(page func(uint64) []byte) {
				x := uint64(0x9E3779B97F4A7C15)
				for id := uint64(2); id < pages; id++ {
					p := page(id)
					for i := 0; i+8 <= len(p); i += 8 {
						x ^= x << 13
						x ^= x >> 7
						x ^= x << 17
						binary.LittleEndian.PutUint64(p[i:], x)
					}
					if id%3 == 0 { // a plausible header on some pages
						header(p, id, uint16(1+id%2), uint16(x), uint32(x>>32)&0xFF)
					}
				}
			})
		}},
	}
	exe := buildBinary(t, t.TempDir())
	// HOME of the runs: empty, so the built-in coefficients are used (not
	// the binary's dir, where dbinspect/calibration.json cannot exist).
	home := t.TempDir()
	fixture := fixtures.Path(t, fixtures.Get(t, "config-store-v3.6"))
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.path(t)
			for _, args := range [][]string{
				{"report", p}, {"report", "-o", "json", p}, {"report", "-o", "html", p},
				{"pages", p}, {"pages", "--list", p}, {"keys", p}, {"predict", p}, {"predict", "--exact", p},
				{"check", p}, {"diff", p, fixture}, {"trend", p},
			} {
				args = append([]string{args[0], "-q", "--no-color"}, args[1:]...)
				code, rss, stdout, stderr := measureRun(t, home, exe, args...)
				what := strings.Join(args, " ")
				t.Logf("%s: exit %d, peak RSS %.1f MiB", what, code, float64(rss)/(1<<20))
				checkHostileRun(t, what, p, code, stdout, stderr)
				if rss > hostileMaxRSS {
					t.Errorf("dbinspect %s: peak RSS %.1f MiB on a 1 MiB file, want under %d MiB", what, float64(rss)/(1<<20), hostileMaxRSS>>20)
				}
			}
		})
	}
}

// hostileMaxRSS bounds the peak RSS of any command on a 1 MiB hostile file.
// Measured (go1.26, linux/amd64): 10 to 16.5 MiB for every file and
// command, 15 to 18 MiB for diff, which also reads a 16 MiB fixture; a
// 1 MiB clean file takes about 10 MiB, nearly all of it the Go runtime
// and the binary's own pages. 32 MiB is under twice the worst run: room for
// GC and allocator noise across machines, yet a change that lets memory
// follow a count the file claims (65535 elements, 2^32 overflow pages, 2^40
// pages) instead of its size fails; the old 64 MiB would let a pass
// double memory unnoticed.
const hostileMaxRSS = 32 << 20

// checkHostileRun asserts one run on a hostile file ended the way a damaged
// file should: no panic, and either a clear error naming the file (exit 1)
// or a result marked partial (exit 0); check exits 1, and --exact is
// refused rather than run.
func checkHostileRun(t *testing.T, what, path string, code int, stdout, stderr string) {
	t.Helper()
	crashed := false
	for _, s := range []string{"goroutine ", "panic:", "fatal error:", "unexpected signal"} {
		crashed = crashed || strings.Contains(stderr, s)
	}
	if crashed {
		t.Errorf("dbinspect %s crashed (exit %d): %s", what, code, stderr)
		return
	}
	switch {
	case code == exitError:
		if !strings.HasPrefix(stderr, "dbinspect: "+path) {
			t.Errorf("dbinspect %s: exit 1 without an error naming the file: %q", what, stderr)
		}
	case code != exitOK:
		t.Errorf("dbinspect %s: exit %d, want 0 (partial) or 1 (error)", what, code)
	case strings.HasPrefix(what, "check"):
		t.Errorf("dbinspect %s: exit 0, want 1: the damage went unnoticed", what)
	case strings.HasPrefix(what, "diff") || strings.Contains(what, "--list"):
		if !strings.Contains(stderr, "dbinspect: "+path+": partial") {
			t.Errorf("dbinspect %s: stderr does not say the file was read in part: %q", what, stderr)
		}
	case strings.Contains(what, "-o json"):
		var r map[string]any
		if err := json.Unmarshal([]byte(stdout), &r); err != nil || jsonPath(r, "certainty", "complete") != false {
			t.Errorf("dbinspect %s: JSON certainty.complete %v (%v), want false", what, jsonPath(r, "certainty", "complete"), err)
		}
	default: // text and HTML say so in their summary
		if !strings.Contains(stdout, "PARTIAL") {
			t.Errorf("dbinspect %s: exit 0 and the output is not marked PARTIAL:\n%s", what, stdout)
		}
	}
	if strings.Contains(what, "--exact") && code == exitOK && !strings.Contains(stderr, "--exact refused for "+path) {
		t.Errorf("dbinspect %s: --exact was not refused on a damaged file: %q", what, stderr)
	}
}

// Linux carries the peak RSS of the process that execs into the new
// program's ru_maxrss, and os/exec starts children with vfork sharing the
// test's (large) address space. So measureRun starts a fresh copy of the
// test binary, small at init time, which runs dbinspect and reports the
// ru_maxrss wait4 gives it.
const measureEnv = "DBINSPECT_TEST_MEASURE_RSS"

// measureStdoutEnv names the file the measured run's stdout goes to.
const measureStdoutEnv = "DBINSPECT_TEST_MEASURE_STDOUT"

func init() {
	if os.Getenv(measureEnv) == "" {
		return
	}
	cmd := exec.Command(os.Args[1], os.Args[2:]...)
	cmd.Stderr = os.Stderr
	if p := os.Getenv(measureStdoutEnv); p != "" {
		f, err := os.Create(p)
		if err != nil {
			fmt.Println("stdout:", err)
			os.Exit(1)
		}
		cmd.Stdout = f
	}
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		fmt.Println("start:", err)
		os.Exit(1)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute): // a hang guard, not a timing assertion
		cmd.Process.Kill()
		<-done
		fmt.Println("hang")
		os.Exit(0)
	}
	fmt.Println(cmd.ProcessState.ExitCode(), cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss<<10) // KiB on Linux
	os.Exit(0)
}

// measureRun runs exe args through a fresh test binary and returns the exit
// status, the peak RSS in bytes, stdout and stderr.
func measureRun(t *testing.T, home, exe string, args ...string) (code int, rss int64, stdout, stderr string) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	outFile := filepath.Join(t.TempDir(), "stdout")
	cmd := exec.Command(self, append([]string{exe}, args...)...)
	cmd.Env = append(os.Environ(), measureEnv+"=1", measureStdoutEnv+"="+outFile, "HOME="+home, "XDG_CONFIG_HOME="+home)
	var e bytes.Buffer
	cmd.Stderr = &e
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("measuring dbinspect %q: %v: %s", args, err, e.String())
	}
	if strings.TrimSpace(string(out)) == "hang" {
		t.Fatalf("dbinspect %q did not finish within 2 minutes", args)
	}
	if _, err := fmt.Sscan(string(out), &code, &rss); err != nil {
		t.Fatalf("measuring dbinspect %q: output %q: %v", args, out, err)
	}
	b, _ := os.ReadFile(outFile)
	return code, rss, string(b), e.String()
}
