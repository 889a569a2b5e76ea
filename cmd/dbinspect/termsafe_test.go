package main

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

// Names a customer's file could hold that would drive a terminal: a
// window-title OSC, a clear-screen CSI, a newline and CR writing fake
// report lines, a right-to-left override, and a byte that is not UTF-8.
const (
	evilKey       = "/registry/secrets/default/\x1b]0;pwned\x07\nINJECTED LINE\u202etxt.exe"
	evilResource  = "/registry/\x1b[2Jevil\rINJECTED LINE/ns/name"
	evilBucket    = "bucket\x1b]0;pwned\x07\nINJECTED LINE\u202e"
	evilMember    = "member\x1b[2J\nINJECTED LINE\u202e"
	evilVersion   = "3.6.0\x1b[2J\nINJECTED LINE"
	badUTF8Key    = "/registry/configmaps/default/a\xff\xfe"
	badUTF8Bucket = "bucket\xc0\xaf"
)

// hostileNamesDB is a copy of a real etcd-written fixture with those names
// added through bbolt: keys (one rewritten so it tops every key table),
// a root bucket, a member and the storage version.
func hostileNamesDB(t *testing.T) string {
	t.Helper()
	return withBolt(t, "config-store-v3.6", func(tx *bolt.Tx) error {
		kb := tx.Bucket([]byte("key"))
		last, _ := kb.Cursor().Last()
		rev := int64(binary.BigEndian.Uint64(last[:8]))
		put := func(key string, version int64, size int) error {
			rev++
			kv := mvccpb.KeyValue{Key: []byte(key), CreateRevision: rev - version + 1, ModRevision: rev, Version: version, Value: []byte(strings.Repeat("v", size))}
			v, err := kv.Marshal()
			if err != nil {
				return err
			}
			return kb.Put(bucketKey(rev, false), v)
		}
		for i := int64(1); i <= 300; i++ {
			if err := put(evilKey, i, 64<<10); err != nil {
				return err
			}
		}
		for _, k := range []string{evilResource, badUTF8Key} {
			for i := int64(1); i <= 100; i++ {
				if err := put(k, i, 10); err != nil {
					return err
				}
			}
		}
		// The longest value too, so it tops the value-size table.
		if err := put("/long/"+strings.Repeat("x", 1<<20), 1, 1<<20); err != nil {
			return err
		}
		for _, b := range []string{evilBucket, badUTF8Bucket} {
			if _, err := tx.CreateBucket([]byte(b)); err != nil {
				return err
			}
		}
		member, _ := json.Marshal(map[string]any{"id": 0xabc, "peerURLs": []string{"http://x:2380"}, "name": evilMember})
		if err := tx.Bucket([]byte("members")).Put([]byte("abc"), member); err != nil {
			return err
		}
		return tx.Bucket([]byte("meta")).Put([]byte("storageVersion"), []byte(evilVersion))
	})
}

// TestTextOutputIsTerminalSafe checks the bytes of every text output
// (every table and line of report, pages, pages --list, keys, predict,
// check, diff, and the errors) for a db whose names carry terminal
// controls: none reaches stdout or stderr raw, each is shown escaped, and
// a 1 MiB key name is shortened. JSON keeps the exact bytes.
func TestTextOutputIsTerminalSafe(t *testing.T) {
	path := hostileNamesDB(t)
	other := hostileNamesDB(t)
	runs := [][]string{
		{"report", path}, {"report", "-v", path}, {"report", "-v", "--top", "5", path}, {"pages", path}, {"pages", "--list", path},
		{"keys", "--top", "5", path}, {"predict", path}, {"check", path}, {"diff", other, path},
	}
	for _, args := range runs {
		_, stdout, stderr := runCLI(t, args...)
		for _, out := range []string{stdout, stderr} {
			for _, raw := range []string{"\x1b", "\x07", "\r", "\u202e", "\xff"} {
				if i := strings.Index(out, raw); i >= 0 {
					t.Errorf("%v: %q reaches the terminal raw: ...%q...", args, raw, out[max(0, i-60):min(len(out), i+60)])
				}
			}
			for _, line := range strings.Split(out, "\n") {
				if strings.HasPrefix(line, "INJECTED") {
					t.Errorf("%v: a name wrote a line of its own: %q", args, line)
				}
			}
			if len(out) > 1<<20 {
				t.Errorf("%v: %d bytes of output: the 1 MiB key name was not shortened", args, len(out))
			}
		}
	}
	// Each name is shown, escaped, where it belongs.
	_, report, _ := runCLI(t, "report", "-v", "--top", "5", path)
	for _, want := range []string{
		`/registry/secrets/default/\x1b]0;pwned\a\nINJECTED LINE\u202etxt.exe`, // top keys
		`\x1b[2Jevil\rINJECTED LINE`,                // prefix table
		`bucket\x1b]0;pwned\a\nINJECTED LINE\u202e`, // buckets table, unknown buckets
		`member\x1b[2J\nINJECTED LINE\u202e`,        // members line
		`3.6.0\x1b[2J\nINJECTED LINE`,               // written by
		`/registry/configmaps/default/a\xff\xfe`,    // invalid UTF-8
		"… (1,048,582 bytes)",                       // the 1 MiB key, shortened
	} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %s", want)
		}
	}
	_, list, _ := runCLI(t, "pages", "--list", path)
	for _, line := range strings.Split(strings.TrimSpace(list), "\n") {
		if n := strings.Count(line, "\t"); n != 10 {
			t.Errorf("pages --list: a row with %d tabs: %q", n, line)
		}
	}
	// JSON keeps every byte: the key as etcd stores it, and key_b64 for
	// the one that is not UTF-8.
	_, js, _ := runCLI(t, "keys", "-o", "json", "--top", "5", path)
	var r struct {
		MVCC struct {
			TopKeys struct {
				ByRevisions []struct {
					Key    string `json:"key"`
					KeyB64 string `json:"key_b64"`
				} `json:"by_revisions"`
			} `json:"top_keys"`
		} `json:"mvcc"`
	}
	if err := json.Unmarshal([]byte(js), &r); err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, k := range r.MVCC.TopKeys.ByRevisions {
		found[k.Key] = true
		if k.KeyB64 != "" {
			b, _ := base64.StdEncoding.DecodeString(k.KeyB64)
			found[string(b)] = true
		}
	}
	for _, k := range []string{evilKey, evilResource, badUTF8Key} {
		if !found[k] {
			t.Errorf("JSON top keys lack the exact key %q", k)
		}
	}
	_, js, _ = runCLI(t, "pages", "-o", "json", path)
	var p struct {
		Buckets []struct {
			Name    string `json:"name"`
			NameB64 string `json:"name_b64"`
		} `json:"buckets"`
	}
	if err := json.Unmarshal([]byte(js), &p); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, b := range p.Buckets {
		names[b.Name] = true
		if b.NameB64 != "" {
			raw, _ := base64.StdEncoding.DecodeString(b.NameB64)
			names[string(raw)] = true
		}
	}
	for _, b := range []string{evilBucket, badUTF8Bucket} {
		if !names[b] {
			t.Errorf("JSON buckets lack the exact name %q", b)
		}
	}
}
