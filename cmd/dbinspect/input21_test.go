package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 21 point 3: several dbs in a dir or an archive are an error that
// lists them (or --member picks one), the db read is named in text and
// JSON, and '-' reads stdin with the limits of compressed input.
func TestInputsResolvedOutLoud(t *testing.T) {
	db36, db35 := fixtureBytes(t, "k8s-v3.6"), fixtureBytes(t, "config-store-v3.6")
	dir := t.TempDir()
	write := func(rel string, b []byte) string {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("two/node1/member/snap/db", db36)
	write("two/node2/member/snap/db", db35)
	write("one/node1/member/snap/db", db36)
	write("datadir/member/snap/db", db36)
	gz := func(b []byte) []byte {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(b)
		zw.Close()
		return buf.Bytes()
	}
	tgz := write("two.tar.gz", gz(tarOf(t, map[string][]byte{"etcd/node1/member/snap/db": db36, "etcd/node2/member/snap/db": db35, "etcd/node1/member/wal/0.wal": []byte("wal")})))
	keysOf := func(t *testing.T, doc map[string]any) float64 { return jsonPath(doc, "mvcc", "live_keys").(float64) }
	report := func(t *testing.T, args ...string) (map[string]any, string) {
		t.Helper()
		code, out, errs := runCLI(t, append([]string{"keys", "-q", "-o", "json"}, args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		var doc map[string]any
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		_, text, _ := runCLI(t, append([]string{"keys", "-q"}, args...)...)
		return doc, strings.SplitN(text, "\n", 2)[0]
	}
	want36, _ := report(t, write("plain36.db", db36))
	want35, _ := report(t, write("plain35.db", db35))
	if keysOf(t, want36) == keysOf(t, want35) {
		t.Fatal("the two fixtures have the same key count: the test could not tell them apart")
	}

	t.Run("several", func(t *testing.T) {
		for _, given := range []string{filepath.Join(dir, "two"), tgz} {
			code, _, errs := runCLI(t, "keys", "-q", given)
			if code != exitUsage || !strings.Contains(errs, "2 etcd dbs") || !strings.Contains(errs, "node1/member/snap/db") ||
				!strings.Contains(errs, "node2/member/snap/db") || !strings.Contains(errs, "--member") {
				t.Errorf("%s: exit %d, stderr %s", given, code, errs)
			}
			code, _, errs = runCLI(t, "keys", "-q", "--member", "node9", given)
			if code != exitUsage || !strings.Contains(errs, "names none") {
				t.Errorf("%s --member node9: exit %d, stderr %s", given, code, errs)
			}
		}
	})
	for _, tc := range []struct {
		name     string
		args     []string
		want     map[string]any
		resolved string
	}{
		{"--member dir", []string{"--member", "node2", filepath.Join(dir, "two")}, want35, "node2/member/snap/db"},
		{"--member archive", []string{"--member", "node2", tgz}, want35, "etcd/node2/member/snap/db"},
		{"--member archive node1", []string{"--member", "node1", tgz}, want36, "etcd/node1/member/snap/db"},
		{"one below", []string{filepath.Join(dir, "one")}, want36, "node1/member/snap/db"},
		{"data dir", []string{filepath.Join(dir, "datadir")}, want36, "member/snap/db"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, header := report(t, tc.args...)
			if keysOf(t, doc) != keysOf(t, tc.want) {
				t.Errorf("read the wrong db: %v live keys, want %v", keysOf(t, doc), keysOf(t, tc.want))
			}
			if got := jsonPath(doc, "input", "resolved"); got != tc.resolved {
				t.Errorf("input.resolved %v, want %s", got, tc.resolved)
			}
			if !strings.HasSuffix(header, "("+tc.resolved+")") {
				t.Errorf("text header %q does not name %s", header, tc.resolved)
			}
		})
	}

	t.Run("stdin", func(t *testing.T) {
		defer func() { stdin = os.Stdin }()
		for _, tc := range []struct {
			name string
			in   []byte
		}{{"db", db36}, {"gzip", gz(db36)}} {
			stdin = bytes.NewReader(tc.in)
			before := bytesWritten.Load()
			doc, header := func() (map[string]any, string) {
				code, out, errs := runCLI(t, "keys", "-q", "-o", "json", "-")
				if code != 0 {
					t.Fatalf("%s on stdin: exit %d: %s", tc.name, code, errs)
				}
				var doc map[string]any
				json.Unmarshal([]byte(out), &doc)
				stdin = bytes.NewReader(tc.in)
				_, text, _ := runCLI(t, "keys", "-q", "-")
				return doc, text
			}()
			if keysOf(t, doc) != keysOf(t, want36) || jsonPath(doc, "input", "kind") != "stdin" || jsonPath(doc, "input", "given") != "-" {
				t.Errorf("%s on stdin: input %v", tc.name, doc["input"])
			}
			if !strings.HasPrefix(header, "dbinspect") || strings.Contains(header, "no such file") {
				t.Errorf("%s on stdin: %.200s", tc.name, header)
			}
			// Two runs, each writing at most the db (holes are not written).
			if w := bytesWritten.Load() - before; w > 2*int64(len(db36)) {
				t.Errorf("%s on stdin: %d bytes written to the temp dir for a %d-byte db", tc.name, w, len(db36))
			}
		}
		// Not a db: refused from its first pages, nothing written.
		junk := bytes.Repeat([]byte("not a db "), 1<<20)
		stdin = bytes.NewReader(junk)
		before := bytesWritten.Load()
		code, _, errs := runCLI(t, "keys", "-q", "-")
		if code != exitError || !strings.Contains(errs, "stdin is not a bbolt/etcd db") || bytesWritten.Load() != before {
			t.Errorf("junk on stdin: exit %d, %d bytes written, stderr %s", code, bytesWritten.Load()-before, errs)
		}
	})
}
