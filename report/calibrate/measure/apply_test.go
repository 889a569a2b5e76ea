package measure

import (
	"fmt"
	"testing"

	bolt "go.etcd.io/bbolt"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

func TestSolveThree(t *testing.T) {
	pe, po, pb := 20e-6, 3e-6, 5e-9
	e := [3]float64{1000, 10, 10}
	o := [3]float64{1000, 2000, 2000}
	b := [3]float64{1e5, 2e5, 4e6}
	var tt [3]float64
	for i := range tt {
		tt[i] = pe*e[i] + po*o[i] + pb*b[i]
	}
	ge, go_, gb := solveThree(e, o, b, tt)
	if !near(ge, pe) || !near(go_, po) || !near(gb, pb) {
		t.Errorf("solveThree gave %v %v %v, want %v %v %v", ge, go_, gb, pe, po, pb)
	}
	// A singular system or negative solutions keep positive floors.
	ge, go_, gb = solveThree(e, e, b, tt)
	if !(ge > 0 && go_ > 0 && gb > 0) {
		t.Errorf("singular system: %v %v %v, want positive floors", ge, go_, gb)
	}
}

// The apply emulation writes what etcd's would: one KeyValue per put under
// its revision, versions and create revisions from the treeIndex, a bbolt
// commit every 10,000 puts, every entry's data counted.
func TestRunApplyWritesWhatEtcdWould(t *testing.T) {
	dir := t.TempDir()
	keys := [][]byte{[]byte("/a"), []byte("/b"), []byte("/c")}
	sh := applyShape{entries: 120, ops: 99, vlen: 10}
	path := dir + "/check.db"
	s, err := newApplyStore(path, keys)
	if err != nil {
		t.Fatal(err)
	}
	ops := make([]applyOp, sh.ops)
	for i := range ops {
		ops[i] = applyOp{key: keys[i%len(keys)], value: []byte("0123456789")}
	}
	for i := range sh.entries {
		if err := s.applyTxn(uint64(i+1), ops); err != nil {
			t.Fatal(err)
		}
	}
	if s.commits != sh.entries*sh.ops/10000 {
		t.Errorf("%d commits, want %d", s.commits, sh.entries*sh.ops/10000)
	}
	if err := s.close(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n := 0
	last := map[string]mvccpb.KeyValue{}
	if err := db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(applyKeyBucket).ForEach(func(k, v []byte) error {
			var kv mvccpb.KeyValue
			if err := kv.Unmarshal(v); err != nil {
				return err
			}
			n++
			if p, ok := last[string(kv.Key)]; ok && (kv.Version != p.Version+1 || kv.CreateRevision != p.CreateRevision || kv.ModRevision < p.ModRevision) {
				return fmt.Errorf("key %s: version %d after %d, create %d after %d", kv.Key, kv.Version, p.Version, kv.CreateRevision, p.CreateRevision)
			}
			last[string(kv.Key)] = kv
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	if n != sh.entries*sh.ops {
		t.Errorf("%d puts in the key bucket, want %d", n, sh.entries*sh.ops)
	}
	// Every key existed at revision 1 (version 1): after the replay its
	// version counts its puts.
	puts := sh.entries * sh.ops / len(keys)
	for _, k := range keys {
		if kv := last[string(k)]; kv.Version != int64(puts+1) || kv.CreateRevision != 1 || kv.ModRevision != int64(sh.entries+1) {
			t.Errorf("%s: version %d create %d mod %d, want %d, 1, %d", k, kv.Version, kv.CreateRevision, kv.ModRevision, puts+1, sh.entries+1)
		}
	}
	secs, data, err := runApply(dir, applyShape{entries: 30, ops: 2, vlen: 50}, keys)
	if err != nil || !(secs > 0) || data != int64(30*2*(2+50+12)) {
		t.Errorf("runApply: %v s, %d data bytes, %v; want >0, %d, nil", secs, data, err, 30*2*(2+50+12))
	}
}
