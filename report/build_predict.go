package report

import (
	"errors"
	"fmt"

	"github.com/dbinspect/dbinspect/pages"
	"github.com/dbinspect/dbinspect/pages/defrag"
	"github.com/dbinspect/dbinspect/report/calibrate"
	"github.com/dbinspect/dbinspect/report/predict"
)

// defragSims are the two defrag simulations: of the file as it is, and of
// the file after a compaction at the what-if revision.
type defragSims struct {
	defrag, compactDefrag *defrag.Result
	err                   error
}

// compactionFilter is what a compaction leaves (mvcc.CompactionKeep).
type compactionFilter = func(bucket string, k, v []byte) bool

// runDefragSims simulates etcd's defrag of the file and, when keep is
// known, of the file after the compaction keep describes, both from one
// read of src (the file, or a recording of it).
func runDefragSims(src pages.KVReader, pageSize int, keep compactionFilter) defragSims {
	var s defragSims
	opts := []defrag.Options{{}}
	if keep != nil {
		// mvcc's filter decides from the bucket key alone, so the values
		// need not be read.
		opts = append(opts, defrag.Options{KeepKey: func(bucket string, k []byte) bool { return keep(bucket, k, nil) }})
	}
	res, err := defrag.SimulateAll(src, pageSize, opts...)
	if err != nil {
		s.err = err
		return s
	}
	s.defrag = res[0]
	if keep != nil {
		s.compactDefrag = res[1]
	}
	return s
}

// predict runs the prediction models over every section's figures.
func (r *Report) predict(in Input, o Options, sims defragSims) error {
	a := r.Analysis
	cal, err := calibrate.Load(o.Calibration)
	if err != nil {
		if o.Calibration != "" {
			return err // asked for by name: the user wants to know
		}
		// The saved default is unreadable: predict with the built-in
		// coefficients rather than not at all, and say so.
		cal = calibrate.Default
		cal.Source = fmt.Sprintf("%s (the saved calibration could not be used: %v)", calibrate.Default.Source, err)
	}
	pin := predict.Inputs{
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
		pin.Index = s.Index
		pin.RecentRevisionBytes = map[int]int64{}
		for _, w := range s.RaftTail {
			pin.RecentRevisionBytes[w.Entries] = int64(w.PayloadBytes)
		}
		if pin.CompactAt == 0 {
			pin.CompactAt = s.Revision
		}
	}

	// A failed simulation costs only the figures it gives: the startup,
	// memory and quota predictions and --exact's verdict still stand.
	switch {
	case !r.Analysis.Complete:
		r.partial("predict: the file is damaged, so defrag and compaction sizes are not predicted")
	case sims.err != nil:
		r.partial("predict: defrag and compaction sizes are not predicted: %v", sims.err)
	default:
		pin.Defrag, pin.CompactDefrag = sims.defrag, sims.compactDefrag
	}
	if o.Exact {
		r.exactDefrag(in, o)
	}
	p := predict.Run(pin, cal)
	r.predictCertainty(&p)
	r.Predict = &p
	r.predictInputs = &pin
	return nil
}

// predictCertainty marks startup and memory as lower bounds when the page
// walk or the key scan missed part of the file: what could not be read is
// not counted, and etcd would read it too (if it could start at all).
func (r *Report) predictCertainty(p *predict.Prediction) {
	if r.Analysis.Complete && r.keysComplete() {
		r.certain(certainStartup, certainMemory)
	} else {
		p.LowerBound = true
		r.partial("predict: startup time and memory are lower bounds: part of the file or of etcd's buckets could not be read or decoded, and the figures count only what was")
	}
	// The quota is checked against the meta's high-water mark, which is exact.
	r.certain(certainQuota)
	if p.DefragSizeBytes > 0 {
		r.certain(certainDefrag)
	}
}

// exactDefrag runs --exact's real bbolt defrag of a private copy, unless
// the structural check found the file damaged. Its failure or refusal is a
// partial result: the other predictions still stand.
func (r *Report) exactDefrag(in Input, o Options) {
	if why := r.exactUnsafe(); why != "" {
		r.refuseExact(in, why)
		return
	}
	x, err := defrag.Exact(in.Path, defrag.ExactOptions{TempDir: o.TempDir})
	switch {
	case errors.Is(err, defrag.ErrExactRefused):
		// The file checked clean but the copy did not: it changed in between.
		r.refuseExact(in, fmt.Sprintf("the file changed after it was checked (%v)", err))
	case err != nil:
		r.partial("exact defrag: %v", err)
	default:
		r.ExactDefrag = x
		r.certain(certainExactDefrag)
	}
}

// exactUnsafe says why bbolt must not be given this file, or "". bbolt
// trusts its pages: on a damaged file it has run for a minute in 10 GB of
// memory, and died of SIGBUS past the end of a truncated one. So anything
// 'dbinspect check' objects to stays away from it.
func (r *Report) exactUnsafe() string {
	a := r.Analysis
	switch {
	case a.Damaged():
		return fmt.Sprintf("the structural check found damage (%d problems)", len(a.Problems))
	case !a.Complete:
		return "part of the file could not be read"
	case r.Input.SnapshotHash == string(pages.SnapshotMismatch):
		return "its snapshot SHA-256 trailer does not match its content"
	}
	return ""
}

func (r *Report) refuseExact(in Input, why string) {
	r.exactRefused = fmt.Sprintf("--exact refused for %s: %s; --exact would hand a damaged file to bbolt, which can crash or exhaust memory on one. "+
		"Run 'dbinspect check %s' to see the problems, and use --exact only on a copy that checks clean; the other predictions are printed", in.Given, why, in.Given)
	r.partial("exact defrag: %s", r.exactRefused)
}

// ExactRefused is why --exact was refused, or "" if it was not: the CLI
// repeats it on stderr, where a script reading JSON on stdout still sees it.
func (r *Report) ExactRefused() string { return r.exactRefused }
