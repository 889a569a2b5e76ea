package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/internal/boltkv"
	"github.com/dbinspect/dbinspect/internal/fixtures"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

// storedDB is what one db stores, read through bbolt.
type storedDB struct {
	keys []string // user keys of the key bucket
	// shown joins, NUL-separated, what dbinspect prints by design: bucket
	// names, the keys of every bucket, member names and URLs, the storage
	// and cluster versions.
	shown string
	// all joins every key and value: a probe absent from it is not this
	// db's data.
	all string
	// values are the stored values, each with where it came from.
	values []storedValue
	// bcrypt are the password hashes of the authUsers bucket.
	bcrypt []string
}

type storedValue struct {
	where string // bucket, and key for the key bucket
	v     []byte
}

// readStored reads every bucket: the key bucket's values are the Value
// field of each revision's mvccpb.KeyValue; the other buckets' values are
// probed whole, less the parts dbinspect shows by design.
func readStored(t *testing.T, path string) *storedDB {
	t.Helper()
	r, err := boltkv.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	names, err := r.BucketNames()
	if err != nil {
		t.Fatal(err)
	}
	s := &storedDB{}
	var shown, all []string
	seen := map[string]bool{}
	for _, b := range names {
		shown = append(shown, b)
		err := r.ForEach(b, func(k, v []byte) error {
			v = bytes.Clone(v) // bbolt's bytes live only as long as the transaction
			all = append(all, string(k), string(v))
			switch b {
			case "key":
				var kv mvccpb.KeyValue
				if err := kv.Unmarshal(v); err != nil {
					return err
				}
				if key := string(kv.Key); !seen[key] {
					seen[key] = true
					s.keys = append(s.keys, key)
					shown = append(shown, key)
				}
				s.values = append(s.values, storedValue{"key " + string(kv.Key), kv.Value})
				shown = append(shown, kubeClassNames(kv.Value)...) // printed by design
				return nil
			case "members", "meta", "cluster":
				// Cluster metadata, shown by design: member names, URLs
				// and IDs (mvcc.members), the meta and cluster buckets
				// (mvcc.meta, consistent index, term, storage and cluster
				// versions, conf state). A member's other fields, should
				// etcd add any, are probed.
				shown = append(shown, string(k), string(v))
				if b == "members" {
					var m map[string]any
					json.Unmarshal(v, &m)
					for _, f := range []string{"id", "name", "peerURLs", "clientURLs", "isLearner"} {
						delete(m, f)
					}
					rest, _ := json.Marshal(m)
					s.values = append(s.values, storedValue{b, rest})
				}
				return nil
			case "authUsers":
				if i := strings.Index(string(v), "$2"); i >= 0 && len(v) >= i+60 {
					s.bcrypt = append(s.bcrypt, string(v[i:i+60]))
				}
			}
			shown = append(shown, string(k))
			s.values = append(s.values, storedValue{b, v})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	s.shown = strings.Join(shown, "\x00")
	s.all = strings.Join(all, "\x00")
	return s
}

// valueProbes are the substrings of v an output must not contain. The rule:
//   - A value can only show up in an output as readable text, so the
//     probes come from its runs of printable ASCII, split also at the
//     characters JSON and HTML escape (" \ < > & '), so that a value
//     printed through an encoder still matches.
//   - A run of 4 to 16 bytes is probed whole: short values are covered
//     too. Runs of digits and punctuation only need 8 bytes, since short
//     numbers occur in any report by chance. A longer run is probed by
//     16-byte windows at its start, middle and end (a value printed cut
//     short still matches the first).
//   - A run found in shown (key names and the other parts dbinspect
//     prints by design) is not a probe: Kubernetes values repeat their
//     object's name, which is in its key.
//
// A probe that still occurs in an output by chance is ruled out by
// isGeneric below.
func valueProbes(v []byte, shown string, add func(p string)) {
	const win = 16
	run := func(r string) {
		letters := strings.IndexFunc(r, func(c rune) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' }) >= 0
		if len(r) < 4 || !letters && len(r) < 8 {
			return
		}
		ps := []string{r}
		if len(r) > win {
			ps = []string{r[:win], r[len(r)/2-win/2 : len(r)/2+win/2], r[len(r)-win:]}
		}
		for _, p := range ps {
			if !strings.Contains(shown, p) {
				add(p)
			}
		}
	}
	start := 0
	for i := 0; i <= len(v); i++ {
		if i < len(v) && v[i] >= 0x20 && v[i] < 0x7f && !strings.ContainsRune(`"\<>&'`, rune(v[i])) {
			continue
		}
		run(strings.TrimSpace(string(v[start:i])))
		start = i + 1
	}
}

// probeSet finds many fixed strings in a text at once: one map per probe
// length, looked up at every offset of the text.
type probeSet struct {
	byLen map[int]map[string]string // probe → where it was stored
}

func (ps *probeSet) add(p, where string) {
	if ps.byLen == nil {
		ps.byLen = map[int]map[string]string{}
	}
	if ps.byLen[len(p)] == nil {
		ps.byLen[len(p)] = map[string]string{}
	}
	ps.byLen[len(p)][p] = where
}

func (ps *probeSet) size() (n int) {
	for _, m := range ps.byLen {
		n += len(m)
	}
	return n
}

// find returns the probes text contains, each once.
func (ps *probeSet) find(text string) map[string]string {
	hits := map[string]string{}
	for n, m := range ps.byLen {
		for i := 0; i+n <= len(text); i++ {
			if where, ok := m[text[i:i+n]]; ok {
				hits[text[i:i+n]] = where
			}
		}
	}
	return hits
}

// cliOutput is one run of the binary and the fixtures it read.
type cliOutput struct {
	args     []string
	fixtures []string
	out      string
	redacted bool
}

// privacyRuns are the subcommands run on every fixture; diff also reads
// the next fixture.
var privacyRuns = [][]string{
	{"report"}, {"report", "-v"}, {"report", "-o", "json"}, {"report", "-o", "html"},
	{"pages"}, {"keys"}, {"predict"}, {"check"}, {"diff"},
	{"report", "--redact-keys", "-v"}, {"report", "--redact-keys", "-o", "json"}, {"report", "--redact-keys", "-o", "html"},
	{"keys", "--redact-keys"}, {"diff", "--redact-keys"},
	{"trend"}, {"trend", "-o", "json"}, {"trend", "-o", "html"}, {"trend", "--redact-keys"},
}

// Ensure no stored value of any bucket of any fixture appears in the
// output of any subcommand, and that with --redact-keys no key name does
// either (beyond the /registry/<resource>/ kept readable), a key's hash
// being the same in text, JSON and HTML.
func TestNoValueOrRedactedKeyInAnyOutput(t *testing.T) {
	all := fixtures.All(t)
	stored := map[string]*storedDB{}
	paths := map[string]string{}
	for _, f := range all {
		paths[f.Name] = fixtures.Path(t, f)
		stored[f.Name] = readStored(t, paths[f.Name])
	}
	var outputs []cliOutput
	for i, f := range all {
		for _, run := range privacyRuns {
			args := append(append([]string{}, run...), "-q", paths[f.Name])
			names := []string{f.Name}
			if run[0] == "diff" {
				next := all[(i+1)%len(all)].Name
				args, names = append(args, paths[next]), append(names, next)
			}
			code, out, errOut := runCLI(t, args...)
			if code != 0 && !(run[0] == "check" && code == exitError) {
				t.Fatalf("dbinspect %q: exit %d: %s", args, code, errOut)
			}
			// The paths given are printed by design and hold fixture
			// names ("large-value-v3.6.db"): they are not probed.
			out += errOut
			for _, n := range names {
				out = strings.ReplaceAll(out, paths[n], "PATH")
			}
			outputs = append(outputs, cliOutput{args, names, out, strings.Contains(strings.Join(run, " "), "--redact-keys")})
		}
	}

	// isGeneric: a probe that also occurs in the output for dbs that do
	// not store it is text dbinspect writes anyway, not a leak. in names
	// what a db stores (its values, or its key segments); the answer is
	// cached per probe.
	generic := map[string]bool{}
	words := programText(t)
	isGeneric := func(probe string, in func(string) string) bool {
		if g, ok := generic[probe]; ok {
			return g
		}
		// Text in dbinspect's own source (a heading like "Namespaces")
		// is the program's, whatever a db stores.
		g := strings.Contains(words, probe)
		for _, o := range outputs {
			foreign := true
			for _, n := range o.fixtures {
				foreign = foreign && !strings.Contains(in(n), probe)
			}
			if foreign && strings.Contains(o.out, probe) {
				g = true
				break
			}
		}
		generic[probe] = g
		return g
	}

	total := 0
	for _, f := range all {
		s := stored[f.Name]
		var ps probeSet
		for _, v := range s.values {
			valueProbes(v.v, s.shown, func(p string) { ps.add(p, v.where) })
		}
		if ps.size() == 0 {
			t.Errorf("%s: no value to probe; the fixture is not what this test expects", f.Name)
		}
		total += ps.size()
		if f.Scenario == "auth" {
			if len(s.bcrypt) != 2 {
				t.Errorf("%s: %d bcrypt hashes in authUsers, want 2 (root, app)", f.Name, len(s.bcrypt))
			}
			for _, h := range s.bcrypt {
				ps.add(h, "authUsers password hash")
			}
		}
		for _, o := range outputs {
			if !strings.Contains(strings.Join(o.fixtures, " "), f.Name) {
				continue
			}
			for p, where := range ps.find(o.out) {
				if !isGeneric(p, func(n string) string { return stored[n].all }) {
					t.Errorf("dbinspect %q printed %q of a stored value (%s of %s)", o.args, p, where, f.Name)
				}
			}
		}
	}
	if total < 1000 {
		t.Errorf("only %d probes over all fixtures", total)
	}
	checkRedacted(t, all, stored, outputs, isGeneric)
}

// programText is the text of dbinspect's own Go source (tests and
// testdata left out): its headings, labels and messages.
func programText(t *testing.T) string {
	var b strings.Builder
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		b.Write(src)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// k8sKept is how much of a key --redact-keys keeps readable, computed here
// from the Kubernetes layout: "/registry/<resource>/", the resource two
// segments for an API group (it has a dot) and services/specs|endpoints.
func k8sKept(key string) int {
	if !strings.HasPrefix(key, "/registry/") {
		return 0
	}
	segs := strings.Split(key[len("/registry/"):], "/")
	if len(segs) == 1 {
		return len(key) // "/registry/health"
	}
	end := len("/registry/") + len(segs[0]) + 1
	if len(segs) > 2 && (strings.Contains(segs[0], ".") || segs[0] == "services" && (segs[1] == "specs" || segs[1] == "endpoints")) {
		end += len(segs[1]) + 1
	}
	return end
}

// redacted is a key as --redact-keys documents it: each segment past the
// kept part becomes the first 12 hex digits of its SHA-256.
func redacted(key string) string {
	kept := k8sKept(key)
	segs := strings.Split(key[kept:], "/")
	for i, s := range segs {
		if s != "" {
			sum := sha256.Sum256([]byte(s))
			segs[i] = hex.EncodeToString(sum[:6])
		}
	}
	return key[:kept] + strings.Join(segs, "/")
}

func checkRedacted(t *testing.T, all []fixtures.Fixture, stored map[string]*storedDB, outputs []cliOutput, isGeneric func(string, func(string) string) bool) {
	t.Helper()
	segs := map[string]string{}
	for n, d := range stored {
		var b strings.Builder
		for _, k := range d.keys {
			for _, s := range strings.Split(k[k8sKept(k):], "/") {
				b.WriteString("/" + s + "\x00")
			}
		}
		segs[n] = b.String()
	}
	segsOf := func(n string) string { return segs[n] }
	for _, f := range all {
		s := stored[f.Name]
		// Every hashed segment of a key, as it would be printed: after a
		// separator. Short ones could occur by chance; isGeneric rules out
		// the ones that do.
		var ps probeSet
		for _, k := range s.keys {
			for _, seg := range strings.Split(k[k8sKept(k):], "/") {
				if len(seg) >= 4 {
					ps.add("/"+seg, k)
				}
			}
		}
		var byFormat = map[string]string{}
		for _, o := range outputs {
			if !o.redacted || !strings.Contains(strings.Join(o.fixtures, " "), f.Name) {
				continue
			}
			for p, key := range ps.find(o.out) {
				if !isGeneric(p, segsOf) {
					t.Errorf("dbinspect %q names %q of key %q", o.args, p, key)
				}
			}
			if o.args[0] == "report" && len(o.fixtures) == 1 {
				byFormat[strings.Join(o.args[:len(o.args)-2], " ")] = o.out
			}
		}
		checkSameHashes(t, f.Name, s, byFormat)
	}
}

// checkSameHashes: the top keys of the redacted JSON report are real keys
// redacted as documented, and appear the same in the text and HTML ones.
func checkSameHashes(t *testing.T, name string, s *storedDB, byFormat map[string]string) {
	t.Helper()
	want := map[string]bool{}
	for _, k := range s.keys {
		want[redacted(k)] = true
	}
	var r struct {
		MVCC struct {
			TopKeys map[string][]struct{ Key string } `json:"top_keys"`
		} `json:"mvcc"`
	}
	if err := json.Unmarshal([]byte(byFormat["report --redact-keys -o json"]), &r); err != nil {
		t.Fatalf("%s: redacted JSON report: %v", name, err)
	}
	var keys []string
	// The lists text and HTML show too.
	for _, list := range []string{"by_revisions", "by_history_bytes", "by_value_bytes"} {
		for _, k := range r.MVCC.TopKeys[list] {
			keys = append(keys, k.Key)
		}
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		t.Errorf("%s: no top keys in the redacted JSON report", name)
	}
	for _, k := range keys {
		if !want[k] {
			t.Errorf("%s: redacted key %q is no stored key hashed as documented", name, k)
		}
		for _, format := range []string{"report --redact-keys -v", "report --redact-keys -o html"} {
			if !strings.Contains(byFormat[format], k) {
				t.Errorf("%s: %s does not show the JSON's redacted key %q", name, format, k)
			}
		}
	}
	t.Logf("%s: %d redacted top keys the same in text, JSON and HTML", name, len(keys))
}
