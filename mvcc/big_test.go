package mvcc

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// Ensure that the big generated db (DBINSPECT_BIG_DB) scans to what its
// generator recorded beside it (<db>.json: figures real etcd answered).
func TestBigDBMatchesGenerator(t *testing.T) {
	path := os.Getenv("DBINSPECT_BIG_DB")
	if path == "" {
		t.Skip("set DBINSPECT_BIG_DB to run")
	}
	b, err := os.ReadFile(strings.TrimSuffix(path, ".db") + ".json")
	if err != nil {
		t.Skipf("no generator record beside the db: %v", err)
	}
	var want struct {
		Keys            uint64 `json:"keys"`
		DeletedKeys     uint64 `json:"deleted_keys"`
		Revision        int64  `json:"revision"`
		CompactRevision int64  `json:"compact_revision"`
		Leases          uint64 `json:"leases"`
		LeasedKeys      uint64 `json:"leased_keys"`
	}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	sum := scanWithPages(t, path, DefaultOptions())
	if sum.Revision != want.Revision || sum.CompactRevision != want.CompactRevision {
		t.Errorf("revision %d compact %d, generator recorded %d %d", sum.Revision, sum.CompactRevision, want.Revision, want.CompactRevision)
	}
	if sum.LiveKeys != want.Keys-want.DeletedKeys {
		t.Errorf("live keys %d, generator recorded %d - %d deleted", sum.LiveKeys, want.Keys, want.DeletedKeys)
	}
	if sum.Leases.Count != want.Leases {
		t.Errorf("leases %d, generator recorded %d", sum.Leases.Count, want.Leases)
	}
	// The generator counts keys written with a lease, including those it
	// deleted afterwards; a deleted key is no longer attached.
	if got := sum.Restore.LeasedKeys; got > want.LeasedKeys || got+want.DeletedKeys < want.LeasedKeys {
		t.Errorf("leased keys %d, want within [%d-%d deleted, %d]", got, want.LeasedKeys, want.DeletedKeys, want.LeasedKeys)
	}
	if sum.Leases.AttachedKeys != sum.Restore.LeasedKeys || sum.Leases.KeysWithMissingLease != 0 {
		t.Errorf("attached %d of %d leased keys, %d name a missing lease", sum.Leases.AttachedKeys, sum.Restore.LeasedKeys, sum.Leases.KeysWithMissingLease)
	}
}
