package report

import (
	"errors"
	"fmt"

	"github.com/dbinspect/dbinspect/internal/english"
	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/pages"
	"github.com/dbinspect/dbinspect/pages/defrag"
	"github.com/dbinspect/dbinspect/report/calibrate"
	"github.com/dbinspect/dbinspect/report/predict"
	"github.com/dbinspect/dbinspect/report/predict/restoresim"
)

// predictInputs gathers the models' plain inputs from every section, and
// the defrag simulations unless the file is damaged or they failed: a
// failed simulation costs only the figures it gives.
func predictInputs(r *Report, o Options, sims defragSims, access restoreAccess) predict.Inputs {
	a := r.Analysis
	pin := predict.Inputs{
		FileBytes:         a.File.BboltBytes,
		PageSize:          a.File.PageSize,
		HighWaterPgid:     a.Meta.HighWater,
		FreePages:         uint64(a.Pages.ByType.Free),
		ReachablePages:    uint64(a.Pages.Reachable),
		OverflowPages:     uint64(a.Pages.ByType.Overflow),
		BboltElements:     uint64(a.Pages.Elements),
		FreelistPersisted: a.Meta.FreelistPersisted,
		QuotaBytes:        o.QuotaBytes,
		DiskReadMBps:      o.DiskReadMBps,
		CompactAt:         o.MVCC.CompactAt,
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
		pin.Lessor = predict.LessorInput{
			KeyAllocBytes: int64(s.Restore.LeasedKeyAllocBytes),
			KeysPerLease:  s.Leases.KeysPerLeaseCounts,
			LongTTL:       int64(s.Leases.LongTTL),
		}
		pin.ScheduledCompactRev = s.ScheduledCompactRevision
		pin.FinishedCompactRev = s.CompactRevision
		pin.StorageVersion = s.StorageVersion
		if pin.StorageVersion == "" {
			pin.StorageVersion = s.WrittenBy // 3.5 (term in meta) or 3.4: the headline version
		}
		if s.Restore.Rerun != nil {
			pin.RevisionsToRecompact = int64(s.Restore.Rerun.ScannedRevisions)
		}
		pin.Index = s.Index
		pin.RaftIndex = s.ConsistentIndex
		pin.RecentRevisionBytes = map[int]int64{}
		for _, w := range s.RaftTail {
			pin.RecentRevisionBytes[w.Entries] = int64(w.PayloadBytes)
		}
		if pin.CompactAt == 0 {
			pin.CompactAt = s.Revision
		}
		pin.RangeAll, pin.RangePrefixes, pin.RangeNamespaces = rangeInputs(s)
		switch {
		case access.counts != nil:
			pin.Access = access.counts
		case access.err != nil:
			r.Certainty.partial("predict: the restore order could not be replayed (%v): startup assumes random rewrites", access.err)
		}
	}
	switch {
	case !a.Complete:
		r.Certainty.partial("predict: the file is damaged, so defrag and compaction sizes are not predicted")
	case sims.err != nil:
		r.Certainty.partial("predict: defrag and compaction sizes are not predicted: %v", sims.err)
	default:
		pin.Defrag, pin.CompactDefrag = sims.defrag, sims.compactDefrag
	}
	return pin
}

// restoreAccess is the replay of etcd's restore on the db's order of keys
// (report/predict/restoresim): nil counts and err when the scan has no
// order.
type restoreAccess struct {
	counts *restoresim.Counts
	err    error
}

// earlyReplay is the key cache's replay (restoresim.Replay) of the keys
// mvcc.ScanHooks.OrderKeys handed over.
type earlyReplay struct {
	keys []uint32
	m    *restoresim.Misses
	err  error
}

// replayRestore replays the scan's restore order, and frees it (4 bytes a
// revision and a key). early, when not nil, gets the replay of the key
// cache started on the order's keys: it is used when they are the order's
// (the same slice), else the order is simulated whole.
func replayRestore(sum *mvcc.Summary, early <-chan earlyReplay) restoreAccess {
	var e earlyReplay
	if early != nil {
		e = <-early
	}
	if sum == nil || sum.RestoreOrder == nil {
		return restoreAccess{}
	}
	ro := sum.RestoreOrder
	sum.RestoreOrder = nil
	if e.m != nil && e.err == nil && len(e.keys) == len(ro.Keys) && len(e.keys) > 0 && &e.keys[0] == &ro.Keys[0] {
		counts, err := e.m.Classify(ro.Ranks)
		if err == nil {
			return restoreAccess{counts: &counts}
		}
	}
	counts, err := restoresim.Simulate(ro.Keys, ro.Ranks, restoresim.Options{})
	if err != nil {
		return restoreAccess{err: err}
	}
	return restoreAccess{counts: &counts}
}

// predictions runs the models with the named calibration (""; the saved
// default, else the built-in one). Only a calibration asked for by name
// that cannot be read leaves them out.
func predictions(pin predict.Inputs, calibration string, complete bool, c *Certainty) *predict.Prediction {
	cal, err := calibrate.Load(calibration)
	if err != nil {
		if calibration != "" {
			c.partial("predict: %v", err) // asked for by name: the user wants to know
			return nil
		}
		// The saved default is unreadable: predict with the built-in
		// coefficients rather than not at all, and say so.
		cal = calibrate.Default
		cal.Source = fmt.Sprintf("%s (the saved calibration could not be used: %v)", calibrate.Default.Source, err)
	}
	p := predict.Run(pin, cal)
	predictCertainty(&p, complete, c)
	return &p
}

// predictCertainty marks startup and memory as lower bounds when the page
// walk or the key scan missed part of the file: what could not be read is
// not counted, and etcd would read it too (if it could start at all).
func predictCertainty(p *predict.Prediction, complete bool, c *Certainty) {
	if complete {
		c.certain(certainStartup, certainMemory)
	} else {
		p.LowerBound = true
		c.partial("predict: startup time and memory are lower bounds: part of the file or of etcd's buckets could not be read or decoded, and the figures count only what was")
	}
	// The quota is checked against the meta's high-water mark, which is exact.
	c.certain(certainQuota)
	if p.DefragSizeBytes > 0 {
		c.certain(certainDefrag)
	}
}

// exactDefrag runs --exact's real bbolt defrag of a private copy, unless
// the structural check found the file damaged: then it returns why it
// refused. Its failure or refusal is a partial result: the other
// predictions still stand.
func exactDefrag(in Input, r *Report, o Options, c *Certainty) (*defrag.ExactResult, string) {
	refuse := func(why string) (*defrag.ExactResult, string) {
		msg := fmt.Sprintf("--exact refused for %s: %s; --exact would hand a damaged file to bbolt, which can crash or exhaust memory on one. "+
			"Run 'dbinspect check %s' to see the problems, and use --exact only on a copy that checks clean; the other predictions are printed", in.Given, why, in.Given)
		c.partial("exact defrag: %s", msg)
		return nil, msg
	}
	if why := exactUnsafe(r); why != "" {
		return refuse(why)
	}
	if o.RunExact == nil {
		c.partial("exact defrag: not run: this build of report was given no exact defrag runner")
		return nil, ""
	}
	x, err := o.RunExact(in.Path, defrag.ExactOptions{TempDir: o.TempDir})
	switch {
	case errors.Is(err, defrag.ErrExactRefused):
		// The file checked clean but the copy did not: it changed in between.
		return refuse(fmt.Sprintf("the file changed after it was checked (%v)", err))
	case err != nil:
		c.partial("exact defrag: %v", err)
		return nil, ""
	}
	c.certain(certainExactDefrag)
	return x, ""
}

// exactUnsafe says why bbolt must not be given this file, or "". bbolt
// trusts its pages: on a damaged file it has run for a minute in 10 GB of
// memory, and died of SIGBUS past the end of a truncated one. So anything
// 'dbinspect check' objects to stays away from it.
func exactUnsafe(r *Report) string {
	a := r.Analysis
	switch {
	case a.Damaged():
		return fmt.Sprintf("the structural check found damage (%s)", english.Plural(len(a.Problems), "problem"))
	case !a.Complete:
		return "part of the file could not be read"
	case r.Input.SnapshotHash == string(pages.SnapshotMismatch):
		return "its snapshot SHA-256 trailer does not match its content"
	}
	return ""
}
