package main

import (
	"encoding/binary"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

// etcdLedger writes the key bucket as etcd's kvstore does (one main
// revision per put or delete, bucket key main_sub with a 't' for a
// tombstone, value an mvccpb.KeyValue) and keeps its own account of what
// it wrote, so the test's expectations come from the ledger, not from the
// code under test.
type etcdLedger struct {
	rev     int64
	keys    map[string]*ledgerKey
	entries []ledgerEntry
}

type ledgerKey struct {
	create, version int64
	live            bool
}

type ledgerEntry struct {
	prefix, key string
	tomb        bool
	bk, v       []byte
}

func newLedger() *etcdLedger { return &etcdLedger{rev: 1, keys: map[string]*ledgerKey{}} }

// bucketKey is etcd's revision key: 8-byte main, '_', 8-byte sub (0 here).
func bucketKey(main int64, tomb bool) []byte {
	b := binary.BigEndian.AppendUint64(nil, uint64(main))
	b = append(b, '_')
	b = binary.BigEndian.AppendUint64(b, 0)
	if tomb {
		b = append(b, 't')
	}
	return b
}

func (l *etcdLedger) put(t *testing.T, prefix, name string, size int) {
	l.rev++
	key := prefix + name
	k := l.keys[key]
	if k == nil {
		k = &ledgerKey{}
		l.keys[key] = k
	}
	if !k.live {
		k.create, k.version, k.live = l.rev, 0, true
	}
	k.version++
	kv := mvccpb.KeyValue{Key: []byte(key), CreateRevision: k.create, ModRevision: l.rev, Version: k.version, Value: []byte(strings.Repeat("v", size))}
	l.add(t, prefix, key, false, &kv)
}

func (l *etcdLedger) del(t *testing.T, prefix, name string) {
	key := prefix + name
	if k := l.keys[key]; k == nil || !k.live {
		t.Fatalf("ledger: deleting %s, which is not live", key)
	}
	l.rev++
	l.keys[key].live = false
	l.add(t, prefix, key, true, &mvccpb.KeyValue{Key: []byte(key)})
}

func (l *etcdLedger) add(t *testing.T, prefix, key string, tomb bool, kv *mvccpb.KeyValue) {
	v, err := kv.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	l.entries = append(l.entries, ledgerEntry{prefix, key, tomb, bucketKey(l.rev, tomb), v})
}

// write saves the first n entries as an etcd db (key and meta buckets,
// and an alarm bucket holding NOSPACE when alarm is set).
func (l *etcdLedger) write(t *testing.T, name string, n int, alarm bool) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		kb, err := tx.CreateBucket([]byte("key"))
		if err != nil {
			return err
		}
		for _, e := range l.entries[:n] {
			if err := kb.Put(e.bk, e.v); err != nil {
				return err
			}
		}
		if _, err := tx.CreateBucket([]byte("meta")); err != nil {
			return err
		}
		ab, err := tx.CreateBucket([]byte("alarm"))
		if err != nil || !alarm {
			return err
		}
		// etcdserverpb.AlarmMember{MemberID: 1, Alarm: NOSPACE (1)} in
		// protobuf: field 1 varint 1, field 2 varint 1. etcd stores it as
		// the key, with an empty value.
		return ab.Put([]byte{0x08, 0x01, 0x10, 0x01}, []byte{})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// prefixFigures are one prefix's figures after the first n entries:
// a key is live when its last entry is a put; live bytes are that entry's
// bucket key and value, history bytes every other entry's.
type prefixFigures struct{ liveKeys, liveBytes, historyBytes int64 }

func (l *etcdLedger) figures(n int) map[string]prefixFigures {
	last := map[string]int{}
	for i, e := range l.entries[:n] {
		last[e.key] = i
	}
	out := map[string]prefixFigures{}
	for i, e := range l.entries[:n] {
		f := out[e.prefix]
		size := int64(len(e.bk) + len(e.v))
		if last[e.key] == i && !e.tomb {
			f.liveKeys++
			f.liveBytes += size
		} else {
			f.historyBytes += size
		}
		out[e.prefix] = f
	}
	return out
}

// Ensure diff counts, per prefix, the live keys added and removed (a key
// replaced by another shows both, a key deleted in OLD and put again in
// NEW is added), live and history bytes before and after, the revision
// growth and the new finding, in JSON and text, and that --redact-keys
// changes the prefix names only.
func TestDiffPrefixesThatChanged(t *testing.T) {
	l := newLedger()
	// OLD
	l.put(t, "/app/a/", "k1", 100)
	l.put(t, "/app/a/", "k2", 200)
	l.put(t, "/app/b/", "k1", 50)
	l.put(t, "/app/c/", "gone", 10)
	l.put(t, "/app/d/", "back", 10)
	l.del(t, "/app/d/", "back")
	l.put(t, "/app/same/", "k", 20)
	l.put(t, "/registry/pods/", "default/p1", 300)
	l.put(t, "/registry/pods/", "default/p2", 300)
	nOld, revOld := len(l.entries), l.rev
	// NEW = OLD + these
	l.put(t, "/app/a/", "k1", 150) // rewritten: history grows
	l.del(t, "/app/a/", "k2")
	l.put(t, "/app/a/", "k3", 70)
	l.del(t, "/app/b/", "k1") // k1 replaced by k2: one added, one removed
	l.put(t, "/app/b/", "k2", 50)
	l.del(t, "/app/c/", "gone")
	l.put(t, "/app/d/", "back", 10) // deleted in OLD, live again
	l.put(t, "/registry/pods/", "kube-system/p3", 300)
	l.put(t, "/registry/configmaps/", "kube-system/c1", 40)
	revNew := l.rev

	oldDB := l.write(t, "old.db", nOld, false)
	newDB := l.write(t, "new.db", len(l.entries), true)
	before, after := l.figures(nOld), l.figures(len(l.entries))

	// What the scenario above did, read off it by hand.
	want := map[string]struct{ added, removed int64 }{
		"/app/a/":               {1, 1},
		"/app/b/":               {1, 1},
		"/app/c/":               {0, 1},
		"/app/d/":               {1, 0},
		"/registry/pods/":       {1, 0},
		"/registry/configmaps/": {1, 0},
		// /app/same/ did not change and must not be listed.
	}

	type prefixRow struct {
		Prefix                                     string
		LiveKeysOld, LiveKeysNew                   int64
		KeysAdded, KeysRemoved                     int64
		LiveBytesOld, LiveBytesNew, LiveBytesDelta int64
		HistoryBytesOld, HistoryBytesNew           int64
		HistoryBytesDelta                          int64
	}
	diffJSON := func(args ...string) (growthRev, oldRev, newRev int64, rows []prefixRow, newFindings []string) {
		t.Helper()
		code, out, errOut := runCLI(t, append([]string{"diff", "-o", "json"}, args...)...)
		if code != 0 {
			t.Fatalf("diff %q: exit %d: %s", args, code, errOut)
		}
		var d struct {
			Old, New, Growth struct{ Revision int64 }
			Prefixes         []struct {
				Prefix            string `json:"prefix"`
				LiveKeysOld       int64  `json:"live_keys_old"`
				LiveKeysNew       int64  `json:"live_keys_new"`
				KeysAdded         int64  `json:"keys_added"`
				KeysRemoved       int64  `json:"keys_removed"`
				LiveBytesOld      int64  `json:"live_bytes_old"`
				LiveBytesNew      int64  `json:"live_bytes_new"`
				LiveBytesDelta    int64  `json:"live_bytes_delta"`
				HistoryBytesOld   int64  `json:"history_bytes_old"`
				HistoryBytesNew   int64  `json:"history_bytes_new"`
				HistoryBytesDelta int64  `json:"history_bytes_delta"`
			} `json:"prefixes"`
			NewFindings []struct{ Code string } `json:"new_findings"`
		}
		if err := json.Unmarshal([]byte(out), &d); err != nil {
			t.Fatal(err)
		}
		for _, p := range d.Prefixes {
			rows = append(rows, prefixRow(p))
		}
		for _, f := range d.NewFindings {
			newFindings = append(newFindings, f.Code)
		}
		return d.Growth.Revision, d.Old.Revision, d.New.Revision, rows, newFindings
	}

	growth, oldRev, newRev, rows, newFindings := diffJSON(oldDB, newDB)
	if oldRev != revOld || newRev != revNew || growth != revNew-revOld || growth != 9 {
		t.Errorf("revisions old %d new %d growth %d; want %d, %d, 9", oldRev, newRev, growth, revOld, revNew)
	}
	if strings.Join(newFindings, ",") != "alarm_raised" {
		t.Errorf("new findings %v, want [alarm_raised]", newFindings)
	}
	got := map[string]prefixRow{}
	for _, r := range rows {
		got[r.Prefix] = r
	}
	if len(got) != len(want) {
		t.Errorf("%d prefixes changed, want %d: %+v", len(got), len(want), rows)
	}
	for p, w := range want {
		r, ok := got[p]
		b, a := before[p], after[p]
		wantRow := prefixRow{
			Prefix: p, LiveKeysOld: b.liveKeys, LiveKeysNew: a.liveKeys, KeysAdded: w.added, KeysRemoved: w.removed,
			LiveBytesOld: b.liveBytes, LiveBytesNew: a.liveBytes, LiveBytesDelta: a.liveBytes - b.liveBytes,
			HistoryBytesOld: b.historyBytes, HistoryBytesNew: a.historyBytes, HistoryBytesDelta: a.historyBytes - b.historyBytes,
		}
		if !ok || r != wantRow {
			t.Errorf("prefix %s:\n got %+v\nwant %+v", p, r, wantRow)
		}
	}
	// A rewrite grows history by the old revision's bytes: 17-byte
	// bucket key plus the KeyValue, whose value alone is 100 bytes.
	if h := got["/app/a/"].HistoryBytesDelta; h <= 117 {
		t.Errorf("/app/a/ history grew %d bytes; the rewritten 100-byte value alone is more", h)
	}

	// Redacted: the same figures under hashed names, the resource kept.
	_, _, _, redacted, _ := diffJSON("--redact-keys", oldDB, newDB)
	if len(redacted) != len(rows) {
		t.Fatalf("redacted diff lists %d prefixes, plain %d", len(redacted), len(rows))
	}
	for i, r := range redacted {
		plain := rows[i]
		if strings.HasPrefix(plain.Prefix, "/registry/") {
			if r.Prefix != plain.Prefix {
				t.Errorf("redacted %q, want the Kubernetes resource prefix %q kept", r.Prefix, plain.Prefix)
			}
		} else if r.Prefix == plain.Prefix || strings.Contains(r.Prefix, "app") {
			t.Errorf("redacted diff names prefix %q", r.Prefix)
		}
		r.Prefix = plain.Prefix
		if r != plain {
			t.Errorf("redacted figures differ:\n got %+v\nwant %+v", r, plain)
		}
	}

	// Text: each prefix's row shows live keys, added and removed.
	code, text, _ := runCLI(t, "diff", oldDB, newDB)
	if code != 0 {
		t.Fatalf("text diff: exit %d", code)
	}
	for _, line := range []string{"/app/b/ 1 +1 -1 ", "/app/c/ 0 0 -1 ", "/registry/configmaps/ 1 +1 0 ", "new CRITICAL alarm_raised"} {
		if !strings.Contains(strings.Join(strings.Fields(text), " "), line) {
			t.Errorf("text diff has no %q:\n%s", line, text)
		}
	}
	if strings.Contains(text, "/app/same/") {
		t.Errorf("text diff lists the unchanged /app/same/:\n%s", text)
	}
}
