package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
	"github.com/dbinspect/dbinspect/internal/golden"
	"github.com/dbinspect/dbinspect/internal/redact"
	"github.com/dbinspect/dbinspect/report"
)

// Goldens of 'dbinspect wal' on real data dirs: a 3.6 log with a
// snapshot, a 3.5 one's txns and v2 requests, a torn tail, and the JSON
// redacted (keys and IDs hashed).
func TestWALGolden(t *testing.T) {
	for _, tc := range []struct {
		datadir string
		args    []string
		golden  string
		stderr  string
	}{
		{"snapshots-v3.6", []string{"--from", "400", "--to", "410"}, "snapshots-v3.6.wal.txt", ""},
		{"small-v3.5", []string{"--request", "txn,v2,delete_range", "--to", "330"}, "small-v3.5.wal-requests.txt", ""},
		{"torn-v3.6", []string{"--type", "ConfChange,normal", "--from", "60"}, "torn-v3.6.wal.txt", "partial: the WAL read stopped at 0000000000000000-0000000000000000.wal offset 25402128 (torn_tail)"},
		{"small-v3.6", []string{"-o", "json", "--redact-ids", "--to", "6"}, "small-v3.6.wal-redacted.json", ""},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			dir := fixtures.DataDirPath(t, fixtures.GetDataDir(t, tc.datadir))
			code, out, errOut := runCLI(t, append(append([]string{"wal"}, tc.args...), dir)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if (tc.stderr == "") != (errOut == "") || !strings.Contains(errOut, tc.stderr) {
				t.Errorf("stderr %q; want %q", errOut, tc.stderr)
			}
			out = strings.ReplaceAll(out, redact.New("").Path(filepath.Join(dir, "member", "wal")), "path-(hash of the fixture's path)")
			out = strings.ReplaceAll(out, dir, tc.datadir)
			golden.Check(t, filepath.Join("testdata", "golden", tc.golden), []byte(out))
		})
	}
}

// The listing agrees with etcd's own reading of each real data dir: from
// the snapshot etcd loads, the entries, their index range, data bytes and
// requests are those etcd's ReadAll returned (the manifest's oracle);
// the archive lists what the extracted dir does; a member dir and the WAL
// dir itself name the same log.
func TestWALListAgainstEtcd(t *testing.T) {
	type listing struct {
		Snapshot *struct {
			Index uint64 `json:"index"`
		} `json:"snapshot"`
		Problem *struct {
			Code string `json:"code"`
		} `json:"problem"`
		Entries []struct {
			Index     uint64 `json:"index"`
			Type      string `json:"type"`
			Request   string `json:"request"`
			DataBytes int64  `json:"data_bytes"`
		} `json:"entries"`
		Listed int            `json:"listed"`
		InWAL  int            `json:"entries_in_wal"`
		ByType map[string]int `json:"listed_by_type"`
	}
	run := func(t *testing.T, args ...string) (listing, string) {
		t.Helper()
		code, out, errOut := runCLI(t, append([]string{"wal", "-o", "json"}, args...)...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var l listing
		if err := json.Unmarshal([]byte(out), &l); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return l, out
	}
	for _, d := range fixtures.DataDirs(t) {
		t.Run(d.Name, func(t *testing.T) {
			dir := fixtures.DataDirPath(t, d)
			all, allJSON := run(t, dir)
			if all.Listed != len(all.Entries) {
				t.Fatalf("listed %d, %d entries in the array", all.Listed, len(all.Entries))
			}
			o := d.Oracle.Read
			if o.Err == "" && all.Problem == nil {
				var from uint64
				if all.Snapshot != nil {
					from = all.Snapshot.Index
				}
				var n int
				var bytes int64
				byReq := map[string]int{}
				first, last := uint64(0), uint64(0)
				for _, e := range all.Entries {
					if e.Index <= from {
						continue
					}
					if n == 0 {
						first = e.Index
					}
					n++
					last = e.Index
					bytes += e.DataBytes
					if e.Type == "normal" {
						r := e.Request
						switch r {
						case "noop", "put", "txn", "delete_range", "compaction", "lease_grant", "lease_revoke", "cluster_version_set", "cluster_member_attr_set", "v2_request", "v2_in_irr", "undecodable":
						default:
							r = "other"
						}
						byReq[r]++
					}
				}
				if n != o.Entries || first != o.FirstIndex || last != o.LastIndex || bytes != o.DataBytes {
					t.Errorf("after the snapshot: %d entries %d..%d, %d bytes; etcd %d entries %d..%d, %d bytes", n, first, last, bytes, o.Entries, o.FirstIndex, o.LastIndex, o.DataBytes)
				}
				if !sameCountMaps(byReq, o.ByRequest) {
					t.Errorf("by request %v; etcd %v", byReq, o.ByRequest)
				}
			}
			// The same log named as the member dir, the WAL dir, the archive.
			for _, p := range []string{filepath.Join(dir, "member"), filepath.Join(dir, "member", "wal"), fixtures.DataDirArchive(d)} {
				other, _ := run(t, p)
				if other.Listed != all.Listed || other.InWAL != all.InWAL || !sameCountMaps(other.ByType, all.ByType) {
					t.Errorf("%s lists %d of %d %v; the data dir %d of %d %v", p, other.Listed, other.InWAL, other.ByType, all.Listed, all.InWAL, all.ByType)
				}
			}
			if strings.Contains(allJSON, "value\"") {
				t.Errorf("a value field in the listing")
			}
		})
	}
}

func sameCountMaps(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// The streamed JSON is report.WALListDocument, field for field (the type
// docs/json-schema.md is checked against).
func TestWALJSONIsTheDocumentedType(t *testing.T) {
	for _, name := range []string{"small-v3.5", "torn-v3.6"} {
		dir := fixtures.DataDirPath(t, fixtures.GetDataDir(t, name))
		for _, args := range [][]string{{"wal", "-o", "json", dir}, {"wal", "-o", "json", "--from", "999999", dir}} {
			_, out, _ := runCLI(t, args...)
			dec := json.NewDecoder(strings.NewReader(out))
			dec.DisallowUnknownFields()
			var doc report.WALListDocument
			if err := dec.Decode(&doc); err != nil {
				t.Fatalf("%v: %v\n%s", args, err, out)
			}
			if dec.More() || doc.Version != report.WALListVersion || doc.Listed != len(doc.Entries) || doc.InWAL == 0 {
				t.Errorf("%v: version %d, %d listed, %d entries, %d in the WAL", args, doc.Version, doc.Listed, len(doc.Entries), doc.InWAL)
			}
		}
	}
}

// Keys are never printed raw: control characters are escaped in text, and
// --redact hashes them in text and JSON alike.
func TestWALKeysEscapedAndRedacted(t *testing.T) {
	dir := fixtures.DataDirPath(t, fixtures.GetDataDir(t, "snapshots-v3.6"))
	_, plain, _ := runCLI(t, "wal", "--to", "6", dir)
	if !strings.Contains(plain, `key="/snap/k000"`) {
		t.Fatalf("no key in\n%s", plain)
	}
	for _, format := range []string{"text", "json"} {
		_, red, _ := runCLI(t, "wal", "-o", format, "--redact", "--to", "6", dir)
		if strings.Contains(red, "/snap/k000") || strings.Contains(red, "k000") || strings.Contains(red, dir) {
			t.Errorf("%s: a key name or the path under --redact:\n%s", format, red)
		}
	}
}

// What 'dbinspect wal' refuses: not a data dir, a db file, no WAL.
func TestWALInputs(t *testing.T) {
	empty := t.TempDir()
	db := fixtures.Path(t, fixtures.Get(t, "k8s-v3.6"))
	for _, tc := range []struct {
		arg, want string
		code      int
	}{
		{empty, "no WAL here", exitError},
		{filepath.Join(empty, "nope"), "no such file or directory", exitError},
		{db, "not a directory or a .tar(.gz)", exitUsage},
	} {
		code, _, errs := runCLI(t, "wal", tc.arg)
		if code != tc.code || !strings.Contains(errs, tc.want) {
			t.Errorf("wal %s: exit %d, %q; want %d, %q", tc.arg, code, errs, tc.code, tc.want)
		}
	}
}
