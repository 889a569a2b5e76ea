package predict

import (
	"math"
	"slices"
	"testing"

	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/pages/defrag"
	"github.com/dbinspect/dbinspect/report/calibrate"
)

// unitCal gives every coefficient a distinct round value so each term of
// the startup sum can be checked on its own.
var unitCal = calibrate.Calibration{
	Source:                     "test",
	FixedStartSeconds:          0.25,
	PopulateSecondsPerByte:     1e-9,
	OpenSecondsPerNode:         1e-6,
	OpenSecondsPerOverflowPage: 5e-7,
	OpenSecondsPerElement:      1e-8,
	FreelistSecondsPerFreePage: 1e-7,
	EtcdWorkFactor:             1,
	RestoreSecondsPerRevision:  1e-6,
	RestoreSecondsPerByte:      1e-9,
	BtreeSecondsPerInsert:      1e-6,
	BtreeInterfaceFactor:       2,
	LeaseSecondsPerLease:       1e-6,
	LeaseSecondsPerKey:         1e-7,
	CompactSecondsPerRevision:  1e-6,
	DefragSecondsPerPair:       1e-6,
	DefragSecondsPerByte:       1e-9,
	HeapGCFactor:               2,
	BaseHeapBytes:              1 << 20,
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func TestStartupTerms(t *testing.T) {
	base := Inputs{FileBytes: 1e9, ReachablePages: 200000, OverflowPages: 50000, BboltElements: 5000000, Revisions: 1000000,
		Keys: 100000, KeyBytes: 40e6, ValueBytes: 500e6, Leases: 1000, LeasedKeys: 20000}
	cases := []struct {
		name    string
		mutate  func(*Inputs)
		version string
		want    StartupBreakdown
	}{
		{"warm, freelist rebuilt, 3.6", func(*Inputs) {}, "3.6", StartupBreakdown{
			Fixed: 0.25, Populate: 1, FreelistRebuild: 0.15 + 0.025 + 0.05, LeaseRecovery: 0.001, // freelist: nodes, overflow pages, elements
			IndexRestore: 1 + 0.54 + 0.1, LeaseAttach: 0.002}},
		{"cold cache at 250 MB/s", func(p *Inputs) { p.DiskReadMBps = 250 }, "3.6", StartupBreakdown{
			Fixed: 0.25, Populate: 4, FreelistRebuild: 0.225, LeaseRecovery: 0.001, IndexRestore: 1.64, LeaseAttach: 0.002}},
		{"persisted freelist reads free ids only", func(p *Inputs) { p.FreelistPersisted = true; p.FreePages = 1000 }, "3.6", StartupBreakdown{
			Fixed: 0.25, Populate: 1, FreelistRebuild: 1e-4, LeaseRecovery: 0.001, IndexRestore: 1.64, LeaseAttach: 0.002}},
		{"3.5 interface btree", func(*Inputs) {}, "3.5", StartupBreakdown{
			Fixed: 0.25, Populate: 1, FreelistRebuild: 0.225, LeaseRecovery: 0.001, IndexRestore: 1 + 0.54 + 0.2, LeaseAttach: 0.002}},
		{"3.7 protobuf-go unmarshal runs beside the index goroutine", func(*Inputs) {}, "3.7", StartupBreakdown{
			Fixed: 0.25, Populate: 1, FreelistRebuild: 0.225, LeaseRecovery: 0.001, IndexRestore: 1 + 0.54 + 0.1, LeaseAttach: 0.002}},
		{"unfinished compaction re-runs after ready", func(p *Inputs) {
			p.ScheduledCompactRev, p.FinishedCompactRev, p.RevisionsToRecompact = 900, 500, 10500
		}, "3.6", StartupBreakdown{
			Fixed: 0.25, Populate: 1, FreelistRebuild: 0.225, LeaseRecovery: 0.001, IndexRestore: 1.64, LeaseAttach: 0.002,
			CompactionRerun: 11*0.010 + 0.0105 + 0.1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := base
			tc.mutate(&in)
			got := predictStartup(in, unitCal, tc.version)
			pairs := [][2]float64{{got.Fixed, tc.want.Fixed}, {got.Populate, tc.want.Populate}, {got.FreelistRebuild, tc.want.FreelistRebuild},
				{got.LeaseRecovery, tc.want.LeaseRecovery}, {got.IndexRestore, tc.want.IndexRestore}, {got.LeaseAttach, tc.want.LeaseAttach},
				{got.CompactionRerun, tc.want.CompactionRerun}}
			for i, p := range pairs {
				if !near(p[0], p[1]) {
					t.Errorf("term %d: got %v, want %v (%+v)", i, p[0], p[1], got)
				}
			}
			sum := got.Fixed + got.Populate + got.FreelistRebuild + got.LeaseRecovery + got.IndexRestore + got.LeaseAttach
			if !near(got.Total(), sum) {
				t.Errorf("Total %v is not the sum of the ready-path steps %v", got.Total(), sum)
			}
		})
	}
}

func TestMmapBytes(t *testing.T) {
	cases := []struct {
		name        string
		file, quota int64
		want        int64
	}{
		{"small file, default quota", 100 << 20, 0, 10 * gib},
		{"explicit default quota", 100 << 20, 2 * gib, 10 * gib},
		{"quota 4 GiB: 1.1x rounded to whole GiB", 100 << 20, 4 * gib, 5 * gib},
		{"quota 100 MiB: 110 MiB rounded to a power of two", 1 << 20, 100 << 20, 128 << 20},
		{"file larger than the initial map", 12*gib + 1, 0, 13 * gib},
		{"quota disabled", 1 << 20, -1, 10 * gib},
	}
	for _, tc := range cases {
		if got := mmapBytes(tc.file, tc.quota); got != tc.want {
			t.Errorf("%s: got %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestTreeIndexAndRaftLog(t *testing.T) {
	in := Inputs{FileBytes: 1 << 30, PageSize: 4096, HighWaterPgid: 1 << 18, Keys: 4400, Revisions: 20000, KeyBytes: 4e5, ValueBytes: 16e5, Leases: 10, LeasedKeys: 100,
		Index:               mvcc.IndexShape{Keys: 4400, KeyAllocBytes: 4400 * 48, Generations: 4400, GenerationAllocBytes: 4400 * 48, RevisionAllocBytes: 4400 * 64},
		RecentRevisionBytes: map[int]int64{mvcc.RaftCatchUpEntries: 5e6, mvcc.RaftLogEntries36: 5.1e6, mvcc.RaftLogEntries35: 99e6}}
	shape := int64(4400 * (48 + 48 + 64))
	nodes := int64(100) // 4400 keys / 44 a node
	for _, tc := range []struct {
		version  string
		index    int64
		raftLog  int64
		raftEnts int
	}{
		{"3.4", 4400*64 + shape + nodes*(64+64*16), 99e6 + 105000*64, 105000},
		{"3.5", 4400*64 + shape + nodes*(64+64*16), 99e6 + 105000*64, 105000},
		{"3.6", 4400*64 + shape + nodes*(64+64*8), 5.1e6 + 5100*64, 5100},
		{"3.7", 4400*64 + shape + nodes*(64+64*8), 5.1e6 + 5100*64, 5100},
	} {
		m := predictMemory(in, unitCal, tc.version)
		if m.TreeIndexBytes != tc.index {
			t.Errorf("%s treeIndex %d, want %d", tc.version, m.TreeIndexBytes, tc.index)
		}
		if m.RaftLogBytes != tc.raftLog || m.RaftLogEntries != tc.raftEnts {
			t.Errorf("%s raft log %d (%d entries), want %d (%d)", tc.version, m.RaftLogBytes, m.RaftLogEntries, tc.raftLog, tc.raftEnts)
		}
		// 10000 revisions in flight at (4e5 + 16e5) / 20000 = 100 bytes each.
		// 10 leases of 10 keys (32 B names): TestPredictLessor's parts,
		// 15384 B on the leader.
		wantHeap := 2*(tc.index+15384+10000*100) + 1<<20
		if m.HeapBytes != wantHeap || m.RSSBytes != m.FileResidentBytes+wantHeap || m.FileResidentBytes != 1<<30 {
			t.Errorf("%s heap %d rss %d resident %d, want heap %d", tc.version, m.HeapBytes, m.RSSBytes, m.FileResidentBytes, wantHeap)
		}
		if m.RSSSteadyBytes != m.RSSBytes+2*tc.raftLog {
			t.Errorf("%s steady rss %d, want rss + 2 x raft log", tc.version, m.RSSSteadyBytes)
		}
	}
}

func TestQuota(t *testing.T) {
	cases := []struct {
		name         string
		quota, db    int64
		over, aboveM bool
		disabled     bool
		headroom     int64
	}{
		{"default quota, half used", 0, gib, false, false, false, gib},
		{"at the quota is over", 0, 2 * gib, true, false, false, 0},
		{"16 GiB quota passes the advised max", 16 * gib, gib, false, true, false, 15 * gib},
		{"disabled", -1, 100 * gib, false, false, true, 0},
	}
	for _, tc := range cases {
		q := predictQuota(Inputs{QuotaBytes: tc.quota}, tc.db, 0)
		if q.OverQuota != tc.over || q.AboveMax != tc.aboveM || q.Disabled != tc.disabled || q.HeadroomBytes != tc.headroom {
			t.Errorf("%s: %+v", tc.name, q)
		}
	}
}

func TestPredictVersionsAndDefrag(t *testing.T) {
	in := Inputs{FileBytes: 8 << 20, PageSize: 4096, HighWaterPgid: 2048, StorageVersion: "3.5.0",
		Defrag:        &defrag.Result{DbSizeBytes: 2 << 20, FileBytes: 2 << 20, HighWaterPgid: 512, Pairs: 1000},
		CompactDefrag: &defrag.Result{DbSizeBytes: 1 << 20}, CompactAt: 77}
	p := Run(in, unitCal)
	if len(p.ByVersion) != 3 || p.ByVersion[0].Version != "3.5" || p.Version != "3.5" {
		t.Fatalf("versions %+v: the file's own version should come first", p.ByVersion)
	}
	if p.StartupSeconds != p.ByVersion[0].StartupSeconds || p.RSSBytes != p.ByVersion[0].Memory.RSSBytes {
		t.Error("top-level figures are not the first version's")
	}
	if p.DbSizeBytes != 8<<20 || p.DefragSavingsBytes != 6<<20 || p.CompactDefragSizeBytes != 1<<20 || p.CompactAt != 77 {
		t.Errorf("defrag figures: %+v", p)
	}
	if p.Restore.DiskBytes != 8<<20+walSegmentBytes+2<<20 {
		t.Errorf("restore disk %d", p.Restore.DiskBytes)
	}
	for _, m := range p.Models {
		if m.Model == "" || len(m.Assumptions) == 0 {
			t.Errorf("model %q states no model or assumptions", m.Name)
		}
	}
	one := Run(Inputs{Versions: []string{"3.7"}}, unitCal)
	if len(one.ByVersion) != 1 || one.Version != "3.7" {
		t.Errorf("--etcd-version 3.7 gave %+v", one.ByVersion)
	}
	for v, want := range map[string]string{"3.6.0": "3.6", "v3.5.35": "3.5", "3.4.0": "3.4", "3.3.0": "", "": "", "3": ""} {
		if got := etcdMinor(v); got != want {
			t.Errorf("etcdMinor(%q) = %q, want %q", v, got, want)
		}
	}
}

func TestResidentStopsAtHighWater(t *testing.T) {
	cases := []struct {
		file, hw, want int64
	}{
		{16 << 20, 1000, 1000 * 4096}, // bbolt grew the file past its data
		{8 << 20, 2048, 8 << 20},      // no tail
		{8 << 20, 0, 8 << 20},         // high-water unknown
		{20 * gib, 20 * gib / 4096, 20 * gib},
	}
	for _, tc := range cases {
		m := predictMemory(Inputs{FileBytes: tc.file, PageSize: 4096, HighWaterPgid: uint64(tc.hw)}, unitCal, "3.6")
		if m.FileResidentBytes != tc.want {
			t.Errorf("file %d, high water %d: resident %d, want %d", tc.file, tc.hw, m.FileResidentBytes, tc.want)
		}
	}
}

// TestRaftLogIsAScannedWindow: the raft log length each version keeps must
// be one whose bytes the scan sums, or the raft log is predicted empty.
func TestRaftLogIsAScannedWindow(t *testing.T) {
	for _, v := range []string{"3.5", "3.6", "3.7"} {
		if n := raftLogEntries(v); !slices.Contains(mvcc.RaftWindows, n) {
			t.Errorf("etcd %s keeps %d raft entries, not among mvcc.RaftWindows %v", v, n, mvcc.RaftWindows)
		}
	}
}
