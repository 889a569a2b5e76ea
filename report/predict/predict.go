package predict

import (
	"fmt"
	"strings"

	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/pages/defrag"
	"github.com/dbinspect/dbinspect/report/calibrate"
	"github.com/dbinspect/dbinspect/report/predict/restoresim"
)

// Inputs is everything the predictions read, in plain numbers, so
// they can be computed (and tested) without a db file. report.Build fills it
// from pages.Analysis, mvcc.Summary and the defrag simulations.
type Inputs struct {
	// From the file.
	FileBytes         int64  `json:"file_bytes"`
	PageSize          int    `json:"page_size"`
	HighWaterPgid     uint64 `json:"high_water_pgid"`
	FreePages         uint64 `json:"free_pages"`
	FreeSpans         uint64 `json:"free_spans"`
	ReachablePages    uint64 `json:"reachable_pages"` // branch, leaf and overflow pages
	OverflowPages     uint64 `json:"overflow_pages"`  // the reachable pages that continue a node
	BboltElements     uint64 `json:"bbolt_elements"`  // elements of every branch and leaf page
	FreelistPersisted bool   `json:"freelist_persisted"`

	// From etcd's buckets.
	Revisions            int64           `json:"revisions"`
	Keys                 int64           `json:"keys"` // distinct keys in the treeIndex after restore
	KeyBytes             int64           `json:"key_bytes"`
	ValueBytes           int64           `json:"value_bytes"`
	Tombstones           int64           `json:"tombstones"`
	Leases               int64           `json:"leases"`
	LeasedKeys           int64           `json:"leased_keys"`
	RevisionsToRecompact int64           `json:"revisions_to_recompact"` // ≤ scheduled compaction, when unfinished
	ScheduledCompactRev  int64           `json:"scheduled_compact_rev"`
	FinishedCompactRev   int64           `json:"finished_compact_rev"`
	StorageVersion       string          `json:"storage_version"`
	Index                mvcc.IndexShape `json:"index"`
	// RecentRevisionBytes maps N to the payload bytes of the newest N main
	// revisions, for N in mvcc.RaftWindows.
	RecentRevisionBytes map[int]int64 `json:"recent_revision_bytes"`
	// RaftIndex is the meta bucket's consistent index: the raft entries
	// the member applied, so the most its raft log can hold (0: unknown).
	RaftIndex uint64 `json:"raft_index"`

	// Access is the replay of restoreIntoIndex on the db's own order of
	// keys (restoresim), nil when it was not run: the startup model then
	// assumes random rewrites.
	Access *restoresim.Counts `json:"-"`

	// Defrag simulations (nil when not run).
	Defrag        *defrag.Result `json:"-"`
	CompactDefrag *defrag.Result `json:"-"`
	CompactAt     int64          `json:"compact_at"`

	// Settings.
	QuotaBytes   int64    `json:"quota_backend_bytes"` // 0: etcd's default (2 GiB); negative: no quota
	DiskReadMBps float64  `json:"disk_read_mbps"`      // 0: the file is in the page cache
	Versions     []string `json:"versions"`            // etcd minors to predict; empty: 3.5, 3.6, 3.7 (after 3.4 for a file 3.4 wrote)

	// What ranges read: every live key, each top prefix and each
	// namespace (predict.Ranges); no range costs when RangeAll is empty.
	RangeAll        RangeInput   `json:"-"`
	RangePrefixes   []RangeInput `json:"-"`
	RangeNamespaces []RangeInput `json:"-"`

	// Lessor is the lease shape beyond Leases and LeasedKeys (zero: keys
	// spread evenly, names of 32 B).
	Lessor LessorInput `json:"-"`
}

// lessorInput completes Lessor with the counts.
func (in Inputs) lessorInput() LessorInput {
	l := in.Lessor
	l.Leases, l.LeasedKeys = in.Leases, in.LeasedKeys
	if l.KeyAllocBytes == 0 {
		l.KeyAllocBytes = in.LeasedKeys * 32
	}
	return l
}

// Prediction is the 'predict' section: the first version's figures at the
// top level (as the JSON names them) and every version's in
// ByVersion.
type Prediction struct {
	Version                string              `json:"version"`
	StartupSeconds         float64             `json:"startup_seconds"`
	StartupBreakdown       StartupBreakdown    `json:"startup_breakdown"`
	MmapBytes              int64               `json:"mmap_bytes"`
	RSSBytes               int64               `json:"rss_bytes"`
	RSSSteadyBytes         int64               `json:"rss_steady_bytes"`
	TreeIndexBytes         int64               `json:"treeindex_bytes"`
	RaftLogBytes           int64               `json:"raftlog_bytes"`
	DbSizeBytes            int64               `json:"db_size_bytes"`
	DefragSizeBytes        int64               `json:"defrag_size_bytes"`
	DefragFileBytes        int64               `json:"defrag_file_bytes"`
	DefragSavingsBytes     int64               `json:"defrag_savings_bytes"`
	DefragSeconds          float64             `json:"defrag_seconds"`
	CompactAt              int64               `json:"compact_at,omitempty"`
	CompactDefragSizeBytes int64               `json:"compact_defrag_size_bytes"`
	CompactDefragFileBytes int64               `json:"compact_defrag_file_bytes"`
	Quota                  QuotaPrediction     `json:"quota"`
	Restore                RestoreSizing       `json:"restore"`
	ByVersion              []VersionPrediction `json:"by_version"`
	Models                 []Model             `json:"models"`
	Calibration            string              `json:"calibration"` // where the coefficients came from
	// cal is the calibration itself, for the models priced after Run
	// (Follower).
	cal calibrate.Calibration
	// LowerBound is set when part of the file or of etcd's buckets could
	// not be read: startup and memory figures then count only what was.
	LowerBound bool `json:"lower_bound,omitempty"`
	// VersionAssumed is set when no version was asked for and the file's
	// own could not be read (its meta bucket is damaged or missing): the
	// top-level figures are then Version's, the first modelled one, not
	// the file's.
	VersionAssumed bool `json:"version_assumed,omitempty"`
	// MemoryNotIncluded is what a live member holds that the file cannot
	// tell (watchers, connections, requests), with the metrics that
	// measure it.
	MemoryNotIncluded []NotIncluded `json:"memory_not_included"`
	// Ranges are the read costs of the file's prefixes (the report's
	// costs section); nil without keys.
	Ranges *RangeCosts `json:"-"`
	// Follower is a snapshot sent to a lagging follower (the costs
	// section); set by report after the member is read.
	Follower *FollowerSnapshot `json:"-"`
}

// VersionPrediction holds what differs between etcd minors.
type VersionPrediction struct {
	Version          string           `json:"version"`
	StartupSeconds   float64          `json:"startup_seconds"`
	StartupBreakdown StartupBreakdown `json:"startup_breakdown"`
	Memory           MemoryPrediction `json:"memory"`
	Lessor           LessorMemory     `json:"lessor"`
}

// Model states how one prediction is made, from what, assuming what.
type Model struct {
	Name        string           `json:"name"`
	Model       string           `json:"model"`
	Inputs      map[string]int64 `json:"inputs,omitempty"`
	Assumptions []string         `json:"assumptions"`
}

// etcdMinor normalises "3.6.0", "v3.6.16" or "3.6" to "3.6"; "" if unknown.
func etcdMinor(v string) string {
	v = strings.TrimPrefix(strings.TrimSpace(v), "v")
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return ""
	}
	switch m := parts[0] + "." + parts[1]; m {
	case "3.4", "3.5", "3.6", "3.7":
		return m
	}
	return ""
}

// Run computes every prediction. It never fails: missing inputs give
// zero figures and say so in the model assumptions.
func Run(in Inputs, cal calibrate.Calibration) Prediction {
	p := Prediction{Calibration: cal.Source, MemoryNotIncluded: MemoryNotIncluded(), cal: cal}
	versions := in.Versions
	if len(versions) == 0 {
		versions = []string{"3.5", "3.6", "3.7"}
		// Put the file's own version first: it is the headline.
		if m := etcdMinor(in.StorageVersion); m != "" {
			versions = append([]string{m}, removeString(versions, m)...)
		} else {
			p.VersionAssumed = true
		}
	}
	for _, v := range versions {
		st := predictStartup(in, cal, v)
		mem := predictMemory(in, cal, v)
		p.ByVersion = append(p.ByVersion, VersionPrediction{Version: v, StartupSeconds: st.Total(), StartupBreakdown: st, Memory: mem, Lessor: predictLessor(in.lessorInput())})
	}
	if len(p.ByVersion) > 0 {
		first := p.ByVersion[0]
		p.Version = first.Version
		p.StartupSeconds = first.StartupSeconds
		p.StartupBreakdown = first.StartupBreakdown
		p.MmapBytes = first.Memory.MmapBytes
		p.RSSBytes = first.Memory.RSSBytes
		p.RSSSteadyBytes = first.Memory.RSSSteadyBytes
		p.TreeIndexBytes = first.Memory.TreeIndexBytes
		p.RaftLogBytes = first.Memory.RaftLogBytes
	}
	p.DbSizeBytes = int64(in.HighWaterPgid) * int64(in.PageSize)
	p.Models = append(p.Models, startupModel(in, cal), memoryModel(in), lessorModel(in))
	p.Models[0].Assumptions = append(p.Models[0].Assumptions, etcd34Assumptions(versions)...)
	p.applyDefrag(in, cal)
	p.Quota = predictQuota(in, p.DbSizeBytes, p.DefragSizeBytes)
	p.Restore = predictRestore(in, p)
	p.Models = append(p.Models, quotaModel(in))
	if in.RangeAll.Keys > 0 {
		rc := Ranges(in, in.RangeAll, in.RangePrefixes, in.RangeNamespaces, cal)
		p.Ranges = &rc
	}
	return p
}

func (p *Prediction) applyDefrag(in Inputs, cal calibrate.Calibration) {
	m := Model{Name: "defrag", Inputs: map[string]int64{"db_size_bytes": p.DbSizeBytes}}
	if d := in.Defrag; d != nil {
		p.DefragSizeBytes = d.DbSizeBytes
		p.DefragFileBytes = d.FileBytes
		p.DefragSavingsBytes = max(p.DbSizeBytes-d.DbSizeBytes, 0)
		p.DefragSeconds = cal.DefragSecondsPerPair*float64(d.Pairs) + cal.DefragSecondsPerByte*float64(in.KeyBytes+in.ValueBytes+17*in.Revisions)
		m.Model = d.Model + "; duration = pairs x per-pair + bytes x per-byte, coefficients from calibrate"
		m.Inputs["pairs"] = d.Pairs
		m.Inputs["defrag_pages"] = int64(d.HighWaterPgid)
		m.Assumptions = d.Assumptions
	} else {
		m.Model = "not simulated"
		m.Assumptions = []string{"no defrag simulation was run, so defrag figures are zero"}
	}
	if d := in.CompactDefrag; d != nil {
		p.CompactAt = in.CompactAt
		p.CompactDefragSizeBytes = d.DbSizeBytes
		p.CompactDefragFileBytes = d.FileBytes
		m.Inputs["compact_at"] = in.CompactAt
		m.Assumptions = append(m.Assumptions, fmt.Sprintf("compaction what-if: the same replay without the key-bucket revisions a compaction at revision %d removes (each key's newest revision at or below it is kept unless it is a tombstone)", in.CompactAt))
	}
	p.Models = append(p.Models, m)
}

func removeString(list []string, s string) []string {
	var out []string
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}
