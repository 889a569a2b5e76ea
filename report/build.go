package report

import (
	"fmt"
	"os"
	"runtime/debug"
	"sync"

	"github.com/dbinspect/dbinspect/internal/english"
	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/pages"
	"github.com/dbinspect/dbinspect/pages/defrag"
	"github.com/dbinspect/dbinspect/pages/freelist"
	"github.com/dbinspect/dbinspect/report/findings"
	"github.com/dbinspect/dbinspect/report/predict"
	"github.com/dbinspect/dbinspect/report/predict/restoresim"
)

// Build reads the input and computes every section the options ask for,
// in stages that each return their values: read and decode the file (one
// pass per reader, side by side), predict, find, and check the file did
// not change meanwhile. It fails only when the file cannot be read as
// bbolt at all; damage further in is reported inside the Report.
func Build(in Input, o Options) (*Report, error) {
	names := o.Redact.apply(&in, &o.MVCC)
	f, err := pages.Open(in.Path)
	if err != nil {
		return nil, openError(in, err)
	}
	defer f.Close()
	defer boundHeap(f.Size())()
	before := fileState(in.Path, f)

	rd, err := read(f, o)
	if err != nil {
		return nil, fmt.Errorf("%s: reading pages: %w", in.Given, err)
	}
	r := decoded(in, o, rd)
	redactNames(r.MVCC, names, o.Redact.IDs)
	var pin predict.Inputs
	if rd.wantPredict {
		pin = predictInputs(r, o, rd.sims, rd.access)
		r.Predict = predictions(pin, o.Calibration, r.Analysis.Complete && r.keysComplete(), &r.Certainty)
		if o.Exact && r.Predict != nil {
			r.ExactDefrag, r.ExactRefused = exactDefrag(in, r, o, &r.Certainty)
		}
		r.member(in, o)
		redactWALIDs(r.Member, names, o.Redact.IDs)
		r.followerCosts(in, pin, o)
	}
	if o.Sections.Findings {
		r.Findings = r.withMemberFindings(evaluateFindings(r, pin))
	}
	if what := changedSince(in, before); what != "" {
		r.Certainty.changed(what)
	}
	r.Certainty.finish()
	return r, nil
}

// boundHeap sets a soft limit on the Go heap while a report is built,
// max(128 MiB, a fifth of the file), and returns what takes it off again;
// a GOMEMLIMIT set by the user wins. The passes keep their large tables
// free of pointers, so the garbage collector is cheap to run often; left
// to GOGC=100 it lets the heap grow to twice the live set before it runs,
// and the records of the key pass, then the restore order's names, would
// each double in peak RSS (issue 16's budget: a quarter of the file). The
// limit is soft: a live set over it slows the report (the runtime caps the
// collector at half the CPU), never fails it. The limit is the process's:
// reports built at once (trend --jobs, diff) share it, as the sum of their
// bounds, and the last one done puts the previous limit back.
func boundHeap(fileBytes int64) (restore func()) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	bound := max(128<<20, fileBytes/5)
	heapBound.Lock()
	defer heapBound.Unlock()
	if heapBound.builds == 0 {
		heapBound.previous = debug.SetMemoryLimit(-1) // -1 reads it
	}
	heapBound.builds++
	heapBound.total += bound
	debug.SetMemoryLimit(heapBound.total)
	return func() {
		heapBound.Lock()
		defer heapBound.Unlock()
		heapBound.builds--
		heapBound.total -= bound
		if heapBound.builds == 0 {
			debug.SetMemoryLimit(heapBound.previous)
		} else {
			debug.SetMemoryLimit(heapBound.total)
		}
	}
}

// heapBound is the soft heap limit boundHeap shares between the reports
// being built.
var heapBound struct {
	sync.Mutex
	builds          int
	total, previous int64
}

// readings are what the passes over the file read and decoded.
type readings struct {
	analysis *pages.Analysis
	nodes    []pages.PageInfo // the page list, when asked for
	frag     *freelist.Fragmentation
	snap     pages.SnapshotStatus
	snapErr  error
	// snapSkipped: Options.SkipSnapshotHash left the trailer unchecked.
	snapSkipped bool
	sum         *mvcc.Summary // nil when the keys were not scanned
	sumErr      error
	sims        defragSims
	access      restoreAccess
	// What was computed, from Options.Sections.
	wantFrag, wantKeys, wantPredict bool
}

// read runs the passes over the file side by side on every core
// (pages.File is safe for concurrent reads): the page walk then the
// fragmentation replay, the key scan then the defrag simulations, and the
// snapshot hash. It fails only when the page walk cannot start.
func read(f *pages.File, o Options) (readings, error) {
	_, needFrag, needKeys, needPredict := o.Sections.needs()
	if o.Sections.CheckOnly {
		needFrag, needKeys, needPredict = false, false, false
	}
	rd := readings{wantFrag: needFrag, wantKeys: needKeys, wantPredict: needPredict}
	var (
		wg      sync.WaitGroup
		walkErr error
	)
	pass := func(fn func()) {
		wg.Add(1)
		go func() { defer wg.Done(); fn() }()
	}
	pass(func() {
		ao := pages.AnalyzeOptions{PageMap: o.PageMap || o.PageList, Progress: progress(o, "reading pages")}
		if o.PageList {
			rd.nodes = []pages.PageInfo{}
			ao.Visit = func(p pages.PageInfo) { rd.nodes = append(rd.nodes, p) }
		}
		rd.analysis, walkErr = pages.Analyze(f, ao)
		// The fragmentation replay needs only the walk: it runs while the
		// key scan goes on.
		if walkErr == nil && needFrag {
			fr := freelist.Analyze(fragInput(rd.analysis), freelist.Options{WriteBytes: o.WriteBytes, Seeds: seeds(o.Seeds)})
			rd.frag = &fr
		}
	})
	if o.SkipSnapshotHash {
		rd.snap, rd.snapSkipped = SnapshotNotChecked, true
	} else {
		pass(func() { rd.snap, rd.snapErr = f.VerifySnapshot() })
	}
	switch {
	case needPredict:
		// The defrag simulations need the compaction filter the key scan
		// builds, and read the file's key and value lengths again.
		// The startup model replays etcd's restore on the db's own order
		// of keys (mvcc.Options.RestoreOrder), right after the scan, so
		// that the order is freed before the rest of the report is built.
		// Its key cache (restoresim.Replay) needs only the order's keys:
		// it starts as soon as they are known, beside the second read of
		// the names that ranks them.
		filtered := make(chan scanned, 1)
		mo := o.MVCC
		mo.RestoreOrder = true
		pass(func() {
			var early chan earlyReplay
			keys := func(keys []uint32, nKeys int) {
				early = make(chan earlyReplay, 1)
				go func() {
					m, err := restoresim.Replay(keys, nKeys, restoresim.Options{})
					early <- earlyReplay{keys, m, err}
				}()
			}
			rd.sum, rd.sumErr = scanKeys(f, mo, filtered, keys)
			rd.access = replayRestore(rd.sum, early)
		})
		pass(func() { rd.sims = simulateDefrags(f, <-filtered) })
	case needKeys:
		pass(func() { rd.sum, rd.sumErr = mvcc.Scan(f, scanOptions(f, o.MVCC)) })
	}
	wg.Wait()
	return rd, walkErr
}

// scanned is what the key scan hands the defrag simulations.
type scanned struct {
	keep *mvcc.CompactionFilter // nil: etcd's buckets could not all be read
}

// scanKeys scans etcd's buckets and sends the compaction filter on out as
// soon as the buckets are read, beside the rest of the scan's per-key
// summary. It always sends once. The simulations read the file again
// rather than a recording of every key and value length (8 bytes a pair
// plus the keys: 70 MB on 1.5M keys); the second read comes from the page
// cache (BENCHMARKS.md). keys is mvcc.ScanHooks.OrderKeys.
func scanKeys(f *pages.File, mo mvcc.Options, out chan<- scanned, keys func([]uint32, int)) (*mvcc.Summary, error) {
	sent := false
	send := func(keep *mvcc.CompactionFilter) {
		out <- scanned{keep: keep}
		sent = true
	}
	sum, err := mvcc.ScanStaged(f, scanOptions(f, mo), mvcc.ScanHooks{Filter: send, OrderKeys: keys})
	if !sent {
		send(nil) // the buckets could not all be read: no filter
	}
	return sum, err
}

// scanOptions gives the scan bbolt's data size, for etcdutl's figures.
func scanOptions(f *pages.File, mo mvcc.Options) mvcc.Options {
	mo.DataSize = int64(f.Meta().HighWater) * int64(f.PageSize())
	return mo
}

// defragSims are the two defrag simulations: of the file as it is, and of
// the file after a compaction at the what-if revision.
type defragSims struct {
	defrag, compactDefrag *defrag.Result
	err                   error
}

// simulateDefrags simulates etcd's defrag of the file and, when the
// compaction filter is known, of the file after that compaction, both from
// one read of the file.
func simulateDefrags(f *pages.File, s scanned) defragSims {
	opts := []defrag.Options{{}}
	if s.keep != nil {
		opts = append(opts, defrag.Options{KeepKey: s.keep.Keep})
	}
	res, err := defrag.SimulateAll(f, f.PageSize(), opts...)
	if err != nil {
		return defragSims{err: err}
	}
	sims := defragSims{defrag: res[0]}
	if s.keep != nil {
		sims.compactDefrag = res[1]
	}
	return sims
}

// decoded is the report of what the passes read, each section with what
// of it is certain.
func decoded(in Input, o Options, rd readings) *Report {
	r := &Report{
		Input:     InputInfo{Given: in.Given, Resolved: in.Resolved, Kind: in.Kind, SnapshotHash: string(rd.snap)},
		Sections:  o.Sections,
		Certainty: Certainty{Complete: true},
		Findings:  []findings.Finding{},
		Analysis:  rd.analysis,
		PageList:  rd.nodes,
	}
	a, c := rd.analysis, &r.Certainty
	// A valid meta was found (else Open failed): the file's size, page
	// size and metas are exact however damaged the rest is.
	c.certain(certainFile)
	if a.Complete {
		c.certain(certainPages)
	} else {
		c.partial("pages: part of the file could not be read (%s); counts cover what was read", english.Plural(len(a.Problems), "problem"))
	}
	if rd.snapErr != nil {
		c.partial("snapshot: the SHA-256 trailer could not be checked: %v", rd.snapErr)
	} else if !rd.snapSkipped {
		c.certain(certainSnapshot)
	}
	if rd.wantFrag {
		r.Fragmentation = rd.frag
		if rd.frag != nil && a.Complete {
			c.certain(certainFragmentation)
		}
	}
	if rd.wantKeys {
		r.MVCC = keysCertainty(rd.sum, rd.sumErr, c)
	}
	return r
}

// keysCertainty says how much of etcd's buckets the key scan covers, and
// returns its summary (nil when it failed).
func keysCertainty(sum *mvcc.Summary, sumErr error, c *Certainty) *mvcc.Summary {
	if sumErr != nil {
		c.partial("keys: %v", sumErr)
		return nil
	}
	keysExact := true
	if len(sum.ReadErrors) > 0 {
		keysExact = false
		c.partial("keys: %d part(s) of etcd's buckets could not be read; key figures cover what was read", len(sum.ReadErrors))
	}
	if n := sum.Malformed.Count; n > 0 {
		keysExact = false
		c.partial("keys: %d key-bucket entries could not be decoded; key figures leave them out", n)
	}
	if keysExact {
		c.certain(certainKeys)
	}
	switch n := sum.Leases.Malformed; {
	case n > 0:
		c.partial("leases: %d lease-bucket entries are not leases; lease figures leave them out", n)
	case len(sum.ReadErrors) == 0:
		c.certain(certainLeases)
	}
	return sum
}

// keysComplete is true when the key scan read and decoded every entry.
func (r *Report) keysComplete() bool {
	s := r.MVCC
	return s != nil && len(s.ReadErrors) == 0 && s.Malformed.Count == 0 && s.Leases.Malformed == 0
}

// progress is o.Progress for one stage, or nil.
func progress(o Options, stage string) func(done, total int64) {
	if o.Progress == nil {
		return nil
	}
	return func(done, total int64) { o.Progress(stage, done, total) }
}

func seeds(n int) []int64 {
	if n <= 0 {
		n = 3
	}
	s := make([]int64, n)
	for i := range s {
		s[i] = int64(i + 1)
	}
	return s
}

func fragInput(a *pages.Analysis) freelist.Input {
	return freelist.Input{
		PageSize:          a.File.PageSize,
		HighWater:         a.Meta.HighWater,
		Free:              a.Free,
		RunSizes:          a.Pages.RunLengths,
		FreelistPersisted: a.Meta.FreelistPersisted,
		ReachablePages:    a.Pages.Reachable,
		Elements:          a.Pages.Elements,
	}
}
