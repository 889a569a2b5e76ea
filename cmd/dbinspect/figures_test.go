package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
)

// Issue 21, point 7, on every fixture: figures that looked wrong are bounded
// by what the db can have, or say where they come from.
func TestFiguresThatLookedWrong(t *testing.T) {
	for _, f := range append(fixtures.All(t), fixtures.KubeValuesFixture(t)) {
		t.Run(f.Name, func(t *testing.T) {
			path := fixtures.Path(t, f)
			code, out, errOut := runCLI(t, "report", "-o", "json", path)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var r struct {
				Summary struct {
					Restore struct {
						Disk   int64 `json:"disk_bytes"`
						DbFile int64 `json:"db_file_bytes"`
						WAL    int64 `json:"wal_bytes"`
						Copy   int64 `json:"defrag_copy_bytes"`
					} `json:"restore"`
				} `json:"summary"`
				MVCC struct {
					ConsistentIndex uint64 `json:"consistent_index"`
				} `json:"mvcc"`
				Predict struct {
					ByVersion []struct {
						Version string `json:"version"`
						Memory  struct {
							Entries int `json:"raftlog_entries"`
						} `json:"memory"`
					} `json:"by_version"`
				} `json:"predict"`
				Buckets []struct {
					Name  string `json:"name"`
					Depth int    `json:"depth"`
				} `json:"buckets"`
			}
			if err := json.Unmarshal([]byte(out), &r); err != nil {
				t.Fatal(err)
			}
			// A raft log holds no more entries than the member applied.
			for _, v := range r.Predict.ByVersion {
				if ci := r.MVCC.ConsistentIndex; ci > 0 && uint64(v.Memory.Entries) > ci {
					t.Errorf("etcd %s: %d raft log entries in memory on a member that applied %d", v.Version, v.Memory.Entries, ci)
				}
			}
			// Restore's disk is its parts, and the text names the WAL's
			// preallocation (64 MB whatever the db's size).
			rs := r.Summary.Restore
			if rs.Disk == 0 || rs.Disk != rs.DbFile+rs.WAL+rs.Copy || rs.WAL != 64*1000*1000 {
				t.Errorf("restore disk %d is not db file %d + WAL %d + defrag copy %d", rs.Disk, rs.DbFile, rs.WAL, rs.Copy)
			}
			_, text, _ := runCLI(t, "report", path)
			if flat := strings.Join(strings.Fields(text), " "); !strings.Contains(flat, "etcd preallocates its first 64 MB segment whole") {
				t.Errorf("the restore line does not say why:\n%s", text)
			}
			// pages --list counts depth from 1 at a bucket's root, as the
			// bucket table does: the deepest node of a bucket is its depth.
			_, list, _ := runCLI(t, "pages", "--list", path)
			deepest := map[string]int{}
			for _, l := range strings.Split(list, "\n")[1:] {
				c := strings.Split(l, "\t")
				if len(c) < 5 || (c[2] != "branch" && c[2] != "leaf") {
					continue
				}
				d, err := strconv.Atoi(c[4])
				if err != nil {
					t.Fatalf("depth %q: %v", c[4], err)
				}
				deepest[c[3]] = max(deepest[c[3]], d)
			}
			for _, b := range r.Buckets {
				if d, ok := deepest[b.Name]; ok && d != b.Depth {
					t.Errorf("bucket %q: pages --list goes %d deep, the bucket table says depth %d", b.Name, d, b.Depth)
				}
			}
			if len(deepest) == 0 {
				t.Errorf("pages --list listed no branch or leaf page")
			}
		})
	}
}

// Issue 21, NOSPACE: with the alarm set the report says the member ran with
// a quota of at most its db size at the alarm (the fixtures' etcd ran with
// a 4 MiB quota), and what to do.
func TestNoSpaceAlarmBoundsTheQuota(t *testing.T) {
	for _, name := range []string{"nospace-v3.6", "nospace-v3.5", "k8s-v3.6"} {
		f := fixtures.Get(t, name)
		alarm := f.Scenario == "nospace"
		path := fixtures.Path(t, f)
		_, out, _ := runCLI(t, "report", "-o", "json", path)
		var r struct {
			Summary struct {
				Quota struct {
					DbSize  int64 `json:"db_size_bytes"`
					Quota   int64 `json:"quota_bytes"`
					NoSpace bool  `json:"nospace_alarm"`
				} `json:"quota"`
			} `json:"summary"`
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		q := r.Summary.Quota
		if q.NoSpace != alarm {
			t.Errorf("%s: summary.quota.nospace_alarm %v, want %v", name, q.NoSpace, alarm)
		}
		_, text, _ := runCLI(t, "report", path)
		flat := strings.Join(strings.Fields(text), " ")
		said := strings.Contains(flat, "the NOSPACE alarm is set, so the member ran with a quota of at most its db size at the alarm")
		if said != alarm {
			t.Errorf("%s: the quota line says the member's quota is bounded: %v, want %v:\n%s", name, said, alarm, text)
		}
		if !alarm {
			continue
		}
		// What etcd really ran with is within that bound.
		if f.QuotaBackendBytes <= 0 || f.QuotaBackendBytes > q.DbSize {
			t.Errorf("%s: etcd ran with a %d B quota, above the %d B bound the report states", name, f.QuotaBackendBytes, q.DbSize)
		}
		for _, want := range []string{"raise --quota-backend-bytes", "'etcdctl alarm disarm'"} {
			if !strings.Contains(flat, want) {
				t.Errorf("%s: no %q in what to do:\n%s", name, want, text)
			}
		}
	}
}
