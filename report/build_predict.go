package report

import (
	"fmt"

	"github.com/dbinspect/dbinspect/pages"
)

// predict runs the defrag simulations and the prediction models.
func (r *Report) predict(in Input, f *pages.File, o Options) error {
	a := r.Analysis
	cal, err := LoadCalibration(o.Calibration)
	if err != nil {
		return err
	}
	pin := PredictInputs{
		FileBytes:         a.File.BboltBytes,
		PageSize:          a.File.PageSize,
		HighWaterPgid:     a.Meta.HighWater,
		FreePages:         uint64(a.Pages.ByType.Free),
		ReachablePages:    uint64(a.Pages.Reachable),
		BboltElements:     uint64(a.Pages.Elements),
		FreelistPersisted: a.Meta.FreelistPersisted,
		QuotaBytes:        o.QuotaBytes,
		DiskReadMBps:      o.DiskReadMBps,
		CompactAt:         o.CompactAt,
	}
	if o.EtcdVersion != "" {
		pin.Versions = []string{o.EtcdVersion}
	}
	if fr := r.Fragmentation; fr != nil {
		pin.FreeSpans = uint64(fr.Spans)
	}
	if s := r.MVCC; s != nil {
		pin.Revisions = int64(s.Restore.Revisions)
		pin.Keys = int64(s.Index.Keys)
		pin.KeyBytes = int64(s.Restore.KeyBytes)
		pin.ValueBytes = int64(s.Restore.ValueBytes)
		pin.Tombstones = int64(s.Restore.Tombstones)
		pin.Leases = int64(s.Leases.Count)
		pin.LeasedKeys = int64(s.Restore.LeasedKeys)
		pin.ScheduledCompactRev = s.ScheduledCompactRevision
		pin.FinishedCompactRev = s.CompactRevision
		pin.StorageVersion = s.StorageVersion
		if pin.StorageVersion == "" && s.Meta.HasTerm {
			pin.StorageVersion = "3.5" // term without storageVersion: written by 3.5
		}
		if s.Restore.Rerun != nil {
			pin.RevisionsToRecompact = int64(s.Restore.Rerun.ScannedRevisions)
		}
		pin.Index = IndexShape(s.Index)
		pin.RecentRevisionBytes = map[int]int64{}
		for _, w := range s.RaftTail {
			pin.RecentRevisionBytes[w.Entries] = int64(w.PayloadBytes)
		}
		if pin.CompactAt == 0 {
			pin.CompactAt = s.Revision
		}
	}

	if r.Analysis.Complete {
		d, err := pages.SimulateDefrag(f, a.File.PageSize, pages.DefragOptions{})
		if err != nil {
			return err
		}
		pin.Defrag = d
		if keep := r.compactionKeep(f, pin.CompactAt); keep != nil {
			cd, err := pages.SimulateDefrag(f, a.File.PageSize, pages.DefragOptions{Keep: keep})
			if err != nil {
				return err
			}
			pin.CompactDefrag = cd
		}
	} else {
		r.partial("predict: the file is damaged, so defrag and compaction sizes are not predicted")
	}
	if o.Exact {
		x, err := pages.ExactDefrag(in.Path)
		if err != nil {
			return fmt.Errorf("--exact defrag: %w", err)
		}
		r.ExactDefrag = x
	}
	p := Predict(pin, cal)
	r.Predict = &p
	r.predictInputs = &pin
	return nil
}
