package main

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
	"github.com/dbinspect/dbinspect/internal/redact"
	bolt "go.etcd.io/bbolt"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

// The canaries: names a customer would not want in a vendor's ticket. Each
// starts with "zq", which no hash (hex) and no word of the report holds.
var canaries = []string{
	"zqnamespace", "zqobject", "zqplainkey", "zqmember", "zqpeerhost",
	"zqclienthost", "zqdirpath", "zqfilename", "zqenckey",
}

const (
	canaryMemberID = "c0ffee12345678" // hex, as etcd keys the members bucket
	canaryLeaseID  = 0x5eca7e1234
)

// canaryDB writes the canaries into a real etcd db (the k8s fixture, with
// etcd's bucket layout): Kubernetes keys in a canary namespace (one
// encrypted with a canary key name, one on a canary lease), a plain key,
// and a member with canary name and URLs. It returns the db in a canary
// dir under a canary name, and the same db as a data dir.
func canaryDB(t *testing.T) (file, dataDir string) {
	t.Helper()
	p := withBolt(t, "k8s-v3.6", func(tx *bolt.Tx) error {
		kb := tx.Bucket([]byte("key"))
		last, _ := kb.Cursor().Last()
		rev := int64(binary.BigEndian.Uint64(last))
		put := func(key string, value []byte, lease int64) error {
			rev++
			kv := mvccpb.KeyValue{Key: []byte(key), CreateRevision: rev, ModRevision: rev, Version: 1, Value: value, Lease: lease}
			v, err := kv.Marshal()
			if err != nil {
				return err
			}
			return kb.Put(bucketKey(rev, false), v)
		}
		big := []byte(strings.Repeat("x", 400<<10)) // tops every value-size table
		for _, kv := range []struct {
			key   string
			value []byte
			lease int64
		}{
			{"/registry/secrets/zqnamespace/zqobject", append([]byte("k8s:enc:aescbc:v1:zqenckey:"), big...), 0},
			{"/registry/pods/zqnamespace/zqobject", big, canaryLeaseID},
			{"/zqplainkey/zqobject/a", big, 0},
		} {
			for range 12 { // tops the revision and history tables
				if err := put(kv.key, kv.value, kv.lease); err != nil {
					return err
				}
			}
		}
		mb, err := tx.CreateBucketIfNotExists([]byte("members"))
		if err != nil {
			return err
		}
		m, _ := json.Marshal(map[string]any{"id": 1, "name": "zqmember", "peerURLs": []string{"https://zqpeerhost.example:2380"}, "clientURLs": []string{"https://zqclienthost.example:2379", "unix://zqclienthost"}})
		if err := mb.Put([]byte(canaryMemberID), m); err != nil {
			return err
		}
		lb, err := tx.CreateBucketIfNotExists([]byte("lease"))
		if err != nil {
			return err
		}
		// leasepb.Lease{ID, TTL} in protobuf: field 1 and 2, varints.
		l := binary.AppendUvarint([]byte{0x08}, canaryLeaseID)
		l = binary.AppendUvarint(append(l, 0x10), 60)
		return lb.Put(binary.BigEndian.AppendUint64(nil, canaryLeaseID), l)
	})
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "zqdirpath")
	dataDir = filepath.Join(dir, "zqfilename-data", "member", "snap")
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	file = filepath.Join(dir, "zqfilename-2026-12-01.db")
	for _, f := range []string{file, filepath.Join(dataDir, "db")} {
		if err := os.WriteFile(f, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return file, filepath.Join(dir, "zqfilename-data")
}

// Issue 21 point 1: with --redact no canary reaches any output (stdout or
// stderr) of any command in any format, and the same name hashes alike
// in text, JSON and HTML and across runs with the same salt.
func TestRedactCanaries(t *testing.T) {
	file, dataDir := canaryDB(t)
	series := filepath.Dir(file)
	if err := os.WriteFile(filepath.Join(series, "zqfilename-2026-12-02.db"), mustRead(t, file), 0o600); err != nil {
		t.Fatal(err)
	}
	// Without --redact the canaries are there: the test can see them.
	_, out, _ := runCLI(t, "keys", "-q", file)
	_, js, _ := runCLI(t, "keys", "-q", "-o", "json", file)
	out += js
	for _, c := range []string{"zqnamespace", "zqobject", "zqplainkey", "zqmember", "zqpeerhost", "zqclienthost", "zqenckey", "zqdirpath"} {
		if !strings.Contains(out, c) {
			t.Fatalf("the canary %q is not in the unredacted output: the test proves nothing", c)
		}
	}
	_, out, _ = runCLI(t, "keys", "-q", "-o", "json", file)
	for _, c := range []string{canaryMemberID, "5eca7e1234"} {
		if !strings.Contains(out, c) {
			t.Fatalf("the ID %q is not in the unredacted output", c)
		}
	}
	type run struct {
		cmd     string
		formats []string
		paths   []string
		extra   []string
	}
	all := []string{"text", "json", "html"}
	tj := []string{"text", "json"}
	runs := []run{
		{"report", all, []string{file}, nil},
		{"report", []string{"text"}, []string{file}, []string{"-v"}}, // every section
		{"report", tj, []string{dataDir}, nil},
		{"report", []string{"text"}, []string{dataDir}, []string{"-v"}},
		{"pages", all, []string{file}, nil},
		{"pages", []string{"text"}, []string{file}, []string{"--list"}},
		{"keys", tj, []string{file}, nil},
		{"keys", tj, []string{dataDir}, []string{"--redact-keys"}}, // the old name
		{"keys", tj, []string{file}, []string{"--prefix", "/registry/pods/zqnamespace/", "--namespace", "zqnamespace"}},
		{"predict", all, []string{file}, nil},
		{"check", tj, []string{file}, nil},
		{"diff", tj, []string{file, dataDir}, nil},
		{"trend", all, []string{series}, []string{"--time-from", "mtime"}},
	}
	salt := "pepper"
	h := redact.New(salt)
	ns := h.Name("zqnamespace")
	for _, r := range runs {
		for _, f := range r.formats {
			for _, ids := range []bool{false, true} {
				args := append([]string{r.cmd, "-q", "-o", f, "--redact-salt", salt}, r.extra...)
				if len(r.extra) == 0 || r.extra[0] != "--redact-keys" {
					args = append(args, "--redact")
				}
				if ids {
					args = append(args, "--redact-ids")
				}
				code, out, errs := runCLI(t, append(args, r.paths...)...)
				if code != 0 {
					t.Errorf("%v: exit %d: %s", args, code, errs)
				}
				all := strings.ToLower(out + errs)
				for _, c := range canaries {
					if strings.Contains(all, c) {
						i := strings.Index(all, c)
						t.Errorf("%v: the canary %q is in the output: %q", args, c, all[max(0, i-80):min(len(all), i+40)])
					}
				}
				if ids && (strings.Contains(all, canaryMemberID) || strings.Contains(all, "5eca7e1234")) {
					t.Errorf("%v: a member or lease ID is in the output", args)
				}
				// The namespace's hash is the same in every output that
				// lists keys, with this salt (report's first screen lists
				// prefixes, not keys: its -v does).
				firstScreen := r.cmd == "report" && f == "text" && len(r.extra) == 0
				if (r.cmd == "keys" || r.cmd == "report" && !firstScreen) && !strings.Contains(out, ns) {
					t.Errorf("%v: the namespace's salted hash %s is not in the output", args, ns)
				}
			}
		}
	}
	// --redact-keep namespace keeps the namespace, and only it.
	_, out, _ = runCLI(t, "keys", "-q", "--redact", "--redact-keep", "namespace", file)
	if !strings.Contains(out, "/registry/pods/zqnamespace/") || strings.Contains(out, "zqobject") || strings.Contains(out, "zqmember") {
		t.Errorf("--redact-keep namespace:\n%s", out)
	}
	// No salt: still stable, but a different hash.
	_, out, _ = runCLI(t, "keys", "-q", "--redact", file)
	if !strings.Contains(out, redact.New("").Name("zqnamespace")) || strings.Contains(out, ns) {
		t.Error("without a salt the namespace does not hash as unsalted SHA-256")
	}
}

// A data dir's WAL names its member and cluster ID: --redact-ids hashes
// them as the members bucket's, so the member section's own check (the
// WAL's member is in the db) still passes, and no clear ID is printed.
func TestRedactIDsOfTheWAL(t *testing.T) {
	dir := fixtures.DataDirPath(t, fixtures.GetDataDir(t, "small-v3.6"))
	walIDs := func(args ...string) (member, cluster float64, codes []string) {
		code, out, errs := runCLI(t, append(append([]string{"report", "-q", "-o", "json"}, args...), dir)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		var doc map[string]any
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		md, ok := jsonPath(doc, "member", "wal", "metadata").(map[string]any)
		if !ok {
			t.Fatal("no WAL metadata in the report: the test proves nothing")
		}
		for _, f := range doc["findings"].([]any) {
			codes = append(codes, f.(map[string]any)["code"].(string))
		}
		return md["member_id"].(float64), md["cluster_id"].(float64), codes
	}
	m, c, _ := walIDs()
	hm, hc, codes := walIDs("--redact-ids")
	if hm == m || hc == c {
		t.Errorf("--redact-ids left the WAL's IDs: member %v -> %v, cluster %v -> %v", m, hm, c, hc)
	}
	for _, code := range codes {
		if code == "wal_from_other_member" {
			t.Errorf("--redact-ids raised %s: the hashed IDs no longer match", code)
		}
	}
}

// Ensure an error raised before any report exists (a missing file, a
// missing member of a series) names the path only redacted under --redact,
// and keeps its exit status; without --redact the path is named as given.
func TestRedactedErrorsNameNoPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "CANARY-host-7f3a")
	missing := filepath.Join(dir, "member", "snap", "db")
	fixture := fixtures.Path(t, fixtures.Get(t, "k8s-v3.6"))
	for _, args := range [][]string{
		{"report", missing},
		{"keys", missing},
		{"pages", missing},
		{"predict", missing},
		{"check", missing},
		{"diff", missing, fixture},
		{"trend", missing, filepath.Join(dir, "other.db")},
	} {
		code, _, stderr := runCLI(t, append([]string{args[0], "--redact"}, args[1:]...)...)
		if code != exitError {
			t.Errorf("%v --redact: exit %d, want %d; stderr %q", args, code, exitError, stderr)
		}
		if strings.Contains(stderr, "CANARY") {
			t.Errorf("%v --redact: stderr names the path: %q", args, stderr)
		}
		if _, _, plain := runCLI(t, args...); !strings.Contains(plain, "CANARY") {
			t.Errorf("%v: without --redact stderr should name the path: %q", args, plain)
		}
	}
}
