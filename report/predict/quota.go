package predict

import "fmt"

// QuotaPrediction compares the db with etcd's backend quota.
type QuotaPrediction struct {
	QuotaBytes int64 `json:"quota_bytes"` // in force: the default when 0 was given; 0 when disabled
	Default    bool  `json:"default"`
	Disabled   bool  `json:"disabled"`
	// DbSizeBytes is what the quota is checked against: the high-water
	// mark, free pages included.
	DbSizeBytes         int64   `json:"db_size_bytes"`
	UsedFraction        float64 `json:"used_fraction"`
	HeadroomBytes       int64   `json:"headroom_bytes"`
	AfterDefragHeadroom int64   `json:"after_defrag_headroom_bytes"`
	OverQuota           bool    `json:"over_quota"`
	// AboveMax is set when the quota passes the 8 GiB etcd advises (it
	// logs "quota exceeds the maximum value").
	AboveMax      bool  `json:"above_max"`
	MaxQuotaBytes int64 `json:"max_quota_bytes"`
}

// RestoreSizing is what restoring this snapshot into a member needs.
type RestoreSizing struct {
	// DiskBytes: the db, a 64 MB preallocated WAL segment, and room for
	// one defrag copy of the db.
	DiskBytes int64 `json:"disk_bytes"`
	// DiskBytes in parts: the db file as restored, the WAL's first
	// segment (etcd preallocates it whole, whatever the db's size), and a
	// defrag's temporary copy.
	DbFileBytes     int64 `json:"db_file_bytes"`
	WALBytes        int64 `json:"wal_bytes"`
	DefragCopyBytes int64 `json:"defrag_copy_bytes"`
	// MemoryBytes is the expected RSS of the restored member in steady
	// state (file resident, index, raft log).
	MemoryBytes int64    `json:"memory_bytes"`
	Notes       []string `json:"notes"`
}

const walSegmentBytes = 64 * 1000 * 1000 // wal.SegmentSizeBytes

func predictQuota(in Inputs, dbSize, defragSize int64) QuotaPrediction {
	q := QuotaPrediction{DbSizeBytes: dbSize, MaxQuotaBytes: maxQuotaBytes}
	switch {
	case in.QuotaBytes < 0:
		q.Disabled = true
		return q
	case in.QuotaBytes == 0:
		q.QuotaBytes, q.Default = defaultQuotaBytes, true
	default:
		q.QuotaBytes = in.QuotaBytes
	}
	q.UsedFraction = float64(dbSize) / float64(q.QuotaBytes)
	q.HeadroomBytes = q.QuotaBytes - dbSize
	if defragSize > 0 {
		q.AfterDefragHeadroom = q.QuotaBytes - defragSize
	}
	q.OverQuota = dbSize >= q.QuotaBytes
	q.AboveMax = q.QuotaBytes > maxQuotaBytes
	return q
}

func predictRestore(in Inputs, p Prediction) RestoreSizing {
	copyBytes := p.DefragFileBytes
	if copyBytes == 0 {
		copyBytes = in.FileBytes
	}
	r := RestoreSizing{
		DiskBytes:   in.FileBytes + walSegmentBytes + copyBytes,
		MemoryBytes: p.RSSSteadyBytes,
		DbFileBytes: in.FileBytes, WALBytes: walSegmentBytes, DefragCopyBytes: copyBytes,
	}
	r.Notes = []string{
		fmt.Sprintf("disk: the db (%d B), one preallocated WAL segment (64 MB) and room for a defrag's temporary copy (%d B)", in.FileBytes, copyBytes),
		"memory: the steady-state RSS of the first version predicted (file pages, treeIndex, raft log); leave the page cache room to hold the file",
	}
	if p.Quota.OverQuota {
		r.Notes = append(r.Notes, "the db is at or over the quota: the restored member will raise NOSPACE on its first write unless the quota is raised or the db compacted and defragmented")
	}
	return r
}

func quotaModel(in Inputs) Model {
	return Model{
		Name:   "quota",
		Model:  "etcd admits a put while Size() + 256 + key + value < quota; Size() is the high-water mark x page size, free pages included",
		Inputs: map[string]int64{"quota_backend_bytes": in.QuotaBytes, "high_water_pgid": int64(in.HighWaterPgid), "page_size": int64(in.PageSize)},
		Assumptions: []string{
			"quota 0 means etcd's default of 2 GiB, a negative quota disables it; etcd advises at most 8 GiB",
			"only a defrag lowers Size(): compaction frees pages for reuse but keeps the file",
		},
	}
}
