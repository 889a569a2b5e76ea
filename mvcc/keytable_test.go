package mvcc

import (
	"fmt"
	"strings"
	"testing"
)

// The table must find every key it interned, across growth of the slots,
// new state blocks and arena chunks, and keys too big for a shared chunk.
func TestKeyTableInternsAndFinds(t *testing.T) {
	tab := newKeyTable()
	big := strings.Repeat("b", arenaChunk/2)
	var keys []string
	for i := range 3*stateBlockLen + 17 {
		k := fmt.Sprintf("/registry/pods/ns-%03d/pod-%07d", i%97, i)
		switch i {
		case 5:
			k = big + "1"
		case stateBlockLen + 3:
			k = big + "2"
		case 7:
			k = ""
		}
		keys = append(keys, k)
		idx, ok := tab.lookup([]byte(k))
		if ok {
			t.Fatalf("key %d found before it was inserted", i)
		}
		if got := tab.insert([]byte(k), idx); got != i {
			t.Fatalf("key %d got index %d", i, got)
		}
		tab.state(i).revs = uint32(i + 1)
	}
	if tab.len() != len(keys) {
		t.Fatalf("len %d, want %d", tab.len(), len(keys))
	}
	for i, k := range keys {
		idx, ok := tab.lookup([]byte(k))
		if !ok || idx != i {
			t.Fatalf("key %d: lookup gave %d, %v", i, idx, ok)
		}
		if tab.keyAt(i) != k {
			t.Fatalf("key %d reads back as %.40q", i, tab.keyAt(i))
		}
	}
	n := 0
	tab.each(func(i int, s *keyState) {
		if s.revs != uint32(i+1) || i != n {
			t.Fatalf("each: state %d (call %d) has revs %d", i, n, s.revs)
		}
		n++
	})
	if n != len(keys) {
		t.Fatalf("each visited %d states, want %d", n, len(keys))
	}
	if _, ok := tab.lookup([]byte("/registry/pods/absent")); ok {
		t.Fatal("an absent key was found")
	}
}

func TestKeyOfValue(t *testing.T) {
	long := strings.Repeat("k", 300)
	for _, tc := range []struct {
		name string
		v    []byte
		want string
		ok   bool
	}{
		{"short key first", []byte("\x0a\x03abc\x10\x01"), "abc", true},
		{"two-byte length", append([]byte{0x0a, 0xac, 0x02}, long...), long, true},
		{"truncated", []byte("\x0a\x05ab"), "", false},
		{"other field first", []byte("\x10\x01\x0a\x01a"), "", false},
		{"empty key", []byte("\x0a\x00"), "", false},
		{"three-byte length", []byte{0x0a, 0x80, 0x80, 0x01}, "", false},
		{"empty", nil, "", false},
	} {
		k, ok := keyOfValue(tc.v)
		if ok != tc.ok || string(k) != tc.want {
			t.Errorf("%s: got %q, %v; want %q, %v", tc.name, k, ok, tc.want, tc.ok)
		}
	}
}

// warm only reads: lookups after it answer as before, on a table big
// enough for it to run.
func TestKeyTableWarmChangesNothing(t *testing.T) {
	tab := newKeyTable()
	var values [][]byte
	for i := range 1<<16 + 100 {
		k := fmt.Sprintf("/registry/leases/ns-%d/l-%d", i%31, i)
		idx, _ := tab.lookup([]byte(k))
		tab.insert([]byte(k), idx)
		values = append(values, append([]byte{0x0a, byte(len(k))}, k...))
	}
	values = append(values, []byte("\x0a\x07missing"), []byte("garbage"))
	tab.warm(values)
	for i, v := range values[:len(values)-2] {
		k, _ := keyOfValue(v)
		if idx, ok := tab.lookup(k); !ok || idx != i {
			t.Fatalf("key %d: lookup gave %d, %v after warm", i, idx, ok)
		}
	}
	if _, ok := tab.lookup([]byte("missing")); ok {
		t.Fatal("an absent key was found after warm")
	}
}
