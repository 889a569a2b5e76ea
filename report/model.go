package report

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"

	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/pages"
)

// SchemaVersion is the version of the JSON document (docs/json-schema.md).
// It changes only when a field changes meaning or disappears; new fields
// may be added without changing it.
const SchemaVersion = 1

// Version is dbinspect's own version.
const Version = "0.1.0"

// VersionLine is what 'dbinspect version' prints.
func VersionLine() string {
	bbolt := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "go.etcd.io/bbolt" {
				bbolt = d.Version
			}
		}
	}
	return fmt.Sprintf("dbinspect %s (JSON schema %d; reads bbolt format version 2 as written by etcd 3.4-3.7; bbolt %s for --exact)", Version, SchemaVersion, bbolt)
}

// ProgressFunc is told how far a stage has come, in bytes.
type ProgressFunc func(stage string, done, total int64)

// Input names the file a report is about.
type Input struct {
	Given string // what the user named
	Path  string // the bbolt file read (a temp copy for compressed input)
	Kind  string // file, data-dir, member-dir, gzip, tar
}

// Options are everything a report can be asked for.
type Options struct {
	Sections Sections
	MVCC     mvcc.Options

	// Fragmentation replay.
	WriteBytes int64
	Seeds      int

	// Predictions.
	QuotaBytes   int64
	DiskReadMBps float64
	EtcdVersion  string
	Exact        bool
	CompactAt    int64
	Calibration  string // file saved by 'dbinspect calibrate'; "" for the saved default

	PageMap bool
	// SkipSnapshotHash leaves a snapshot's SHA-256 trailer unchecked
	// (Input.SnapshotHash "not checked"): trend needs no hash, and it is
	// most of the CPU of reading a snapshot.
	SkipSnapshotHash bool
	// PageList collects every node's detail for WritePageList (about
	// 100 bytes a branch or leaf node; implies PageMap).
	PageList bool
	Progress ProgressFunc
	// TempDir makes the private dirs --exact copies the file to; nil:
	// os.MkdirTemp. The CLI's also removes them on Ctrl-C.
	TempDir pages.TempDirFunc
}

// Report is the one model every renderer draws from.
type Report struct {
	SchemaVersion int       `json:"schema_version"`
	Tool          ToolInfo  `json:"tool"`
	Input         InputInfo `json:"input"`

	// The page-level truth: file, meta, pages, buckets, freelist, problems.
	*pages.Analysis

	Fragmentation *pages.Fragmentation     `json:"fragmentation,omitempty"`
	MVCC          *mvcc.Summary            `json:"mvcc,omitempty"`
	Predict       *Prediction              `json:"predict,omitempty"`
	ExactDefrag   *pages.ExactDefragResult `json:"exact_defrag,omitempty"`
	Findings      []Finding                `json:"findings"`

	// Certainty separates what is known from what is partial on a damaged
	// or changing file.
	Certainty Certainty `json:"certainty"`

	// pageNodes are the nodes the walk read, for WritePageList.
	pageNodes []pages.PageInfo

	// PageMap is only kept for the HTML page map.
	pageMap *pages.PageMap
	// predictInputs feed the findings rules.
	predictInputs *PredictInputs
	// exactRefused says why --exact was not run on a damaged file.
	exactRefused string
}

// ToolInfo names the program that wrote the report.
type ToolInfo struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// InputInfo describes what was read.
type InputInfo struct {
	Given        string `json:"given"`
	Kind         string `json:"kind"`
	SnapshotHash string `json:"snapshot_hash"` // ok, mismatch or absent
}

// Certainty says which parts of the report can be trusted as exact.
type Certainty struct {
	// Complete is true when every page was read and every decoder
	// succeeded on a file that did not change while it was read.
	Complete bool `json:"complete"`
	// Partial lists the sections whose figures cover only part of the
	// file, each with the reason.
	Partial []string `json:"partial,omitempty"`
	// Certain names, when Complete is false, the sections that read
	// everything they depend on and so are exact (the predictions among
	// them remain estimates, from complete inputs). Empty when Complete is
	// true (then every section is) or when the file changed while read.
	Certain []string `json:"certain,omitempty"`
	// Changed is set when the file changed while it was read (a live db):
	// the figures mix two states.
	Changed string `json:"changed,omitempty"`
}

// Names of Certainty.Certain, documented in docs/json-schema.md; each is
// also the prefix of the Partial entries about that section.
const (
	certainFile          = "file"          // file size, page size, both meta pages
	certainSnapshot      = "snapshot"      // the SHA-256 trailer check
	certainPages         = "pages"         // census, buckets, freelist, structural check
	certainFragmentation = "fragmentation" // free spans and the freelist models
	certainKeys          = "keys"          // mvcc: revisions, keys, prefixes, index
	certainLeases        = "leases"        // mvcc.leases
	certainStartup       = "predict.startup"
	certainMemory        = "predict.memory"
	certainQuota         = "predict.quota"
	certainDefrag        = "predict.defrag"
	certainExactDefrag   = "exact_defrag"
)

// certain records sections computed from everything they depend on.
func (r *Report) certain(sections ...string) {
	r.Certainty.Certain = append(r.Certainty.Certain, sections...)
}

// finishCertainty keeps Certain only where it says something: on a
// complete read everything is certain, and on a file that changed while it
// was read nothing is.
func (r *Report) finishCertainty() {
	if r.Certainty.Complete || r.Certainty.Changed != "" {
		r.Certainty.Certain = nil
	}
}

func (r *Report) partial(format string, args ...any) {
	r.Certainty.Complete = false
	r.Certainty.Partial = append(r.Certainty.Partial, fmt.Sprintf(format, args...))
}

// Damaged is true when the structural check found an error.
func (r *Report) Damaged() bool { return r.Analysis != nil && r.Analysis.Damaged() }

// Problems are the structural check's findings.
func (r *Report) Problems() []pages.Problem {
	if r.Analysis == nil {
		return nil
	}
	return r.Analysis.Problems
}

// Build reads the input once per needed pass and computes every section the
// options ask for. It fails only when the file cannot be read as bbolt at
// all; damage further in is reported inside the Report.
func Build(in Input, o Options) (*Report, error) {
	_, needFrag, needKeys, needPredict := o.Sections.needs()
	progress := func(stage string) func(done, total int64) {
		if o.Progress == nil {
			return nil
		}
		return func(done, total int64) { o.Progress(stage, done, total) }
	}

	f, err := pages.Open(in.Path)
	if err != nil {
		return nil, openError(in, err)
	}
	defer f.Close()
	before := fileState(in.Path, f)

	r := &Report{
		SchemaVersion: SchemaVersion,
		Tool:          ToolInfo{Name: "dbinspect", Version: Version},
		Input:         InputInfo{Given: in.Given, Kind: in.Kind},
		Certainty:     Certainty{Complete: true},
		Findings:      []Finding{},
	}
	// The passes read the file independently (pages.File is safe for
	// concurrent reads), so they run side by side on every core: the page
	// walk then the fragmentation replay, the key scan then the defrag
	// simulations, and the snapshot hash. Only their results meet below,
	// in a fixed order.
	var (
		wg       sync.WaitGroup
		a        *pages.Analysis
		aErr     error
		sum      *mvcc.Summary
		sumErr   error
		snap     pages.SnapshotStatus
		snapErr  error
		sims     defragSims
		frag     *pages.Fragmentation
		checkRun = o.Sections.CheckOnly
		nodes    []pages.PageInfo
	)
	goPass := func(fn func()) {
		wg.Add(1)
		go func() { defer wg.Done(); fn() }()
	}
	goPass(func() {
		ao := pages.AnalyzeOptions{PageMap: o.PageMap || o.PageList, Progress: progress("reading pages")}
		if o.PageList {
			ao.Visit = func(p pages.PageInfo) { nodes = append(nodes, p) }
		}
		a, aErr = pages.Analyze(f, ao)
		// The fragmentation replay needs only the walk: it runs while
		// the key scan goes on.
		if aErr == nil && needFrag && !checkRun {
			fr := pages.AnalyzeFragmentation(fragInput(f, a), pages.FragOptions{WriteBytes: o.WriteBytes, Seeds: seeds(o.Seeds)})
			frag = &fr
		}
	})
	if o.SkipSnapshotHash {
		snap = SnapshotNotChecked
	} else {
		goPass(func() { snap, snapErr = f.VerifySnapshot() })
	}
	// The defrag simulations wait for the key scan, which also builds the
	// compaction filter the second one needs and records the key and
	// value lengths both replay: one read of etcd's buckets serves all.
	type scanned struct {
		keep   func() compactionFilter // builds the filter, in the simulations' goroutine; nil: none
		replay pages.KVReader          // nil: the simulations read the file
	}
	scanDone := make(chan scanned, 1)
	if needKeys && !checkRun {
		goPass(func() {
			mo := o.MVCC
			mo.DataSize = int64(f.Meta().HighWater) * int64(f.PageSize())
			if needPredict && mo.CompactAt == o.CompactAt {
				// The simulations start as soon as the buckets are read
				// and recorded, beside the scan's per-key summary.
				rec := pages.NewKVRecorder(f)
				sent := false
				send := func(keep func() compactionFilter) {
					out := scanned{keep: keep}
					if replay, ok := rec.Replay(); ok {
						out.replay = replay
					}
					scanDone <- out
					sent = true
				}
				sum, sumErr = mvcc.ScanWithCompactionKeepEarly(rec, mo, send)
				if !sent {
					send(nil) // the buckets could not all be read: no filter
				}
				return
			}
			sum, sumErr = mvcc.Scan(f, mo)
			var out scanned
			if needPredict {
				out.keep = func() compactionFilter { return compactionKeep(f, o.CompactAt) }
			}
			scanDone <- out
		})
	}
	if needPredict && !checkRun {
		goPass(func() {
			s := <-scanDone
			var keep compactionFilter
			if s.keep != nil {
				keep = s.keep()
			}
			src := pages.KVReader(f)
			if s.replay != nil {
				src = s.replay
			}
			sims = runDefragSims(src, f.PageSize(), keep)
		})
	}
	wg.Wait()

	if aErr != nil {
		return nil, fmt.Errorf("%s: reading pages: %w", in.Given, aErr)
	}
	r.Analysis = a
	r.pageMap = a.PageMap
	if o.PageList {
		r.pageNodes = nodes
		if r.pageNodes == nil {
			r.pageNodes = []pages.PageInfo{}
		}
	}
	// A valid meta was found (else Open failed): the file's size, page
	// size and metas are exact however damaged the rest is.
	r.certain(certainFile)
	if a.Complete {
		r.certain(certainPages)
	} else {
		r.partial("pages: part of the file could not be read (%d problems); counts cover what was read", len(a.Problems))
	}
	r.Input.SnapshotHash = string(snap)
	if snapErr != nil {
		r.partial("snapshot: the SHA-256 trailer could not be checked: %v", snapErr)
	} else if !o.SkipSnapshotHash {
		r.certain(certainSnapshot)
	}
	if checkRun {
		r.checkUnchanged(in, f, before)
		r.finishCertainty()
		return r, nil
	}

	if needFrag {
		r.Fragmentation = frag
		if frag != nil && a.Complete {
			r.certain(certainFragmentation)
		}
	}
	if needKeys {
		r.keysCertainty(sum, sumErr)
	}
	if needPredict {
		if err := r.predict(in, o, sims); err != nil {
			r.partial("predict: %v", err)
		}
	}
	if o.Sections.Findings {
		r.Findings = r.evaluateFindings(o)
	}
	r.checkUnchanged(in, f, before)
	r.finishCertainty()
	return r, nil
}

// keysCertainty keeps the key scan's summary and says how much of etcd's
// buckets it covers.
func (r *Report) keysCertainty(sum *mvcc.Summary, sumErr error) {
	if sumErr != nil {
		r.partial("keys: %v", sumErr)
		return
	}
	r.MVCC = sum
	keysExact := true
	if len(sum.ReadErrors) > 0 {
		keysExact = false
		r.partial("keys: %d part(s) of etcd's buckets could not be read; key figures cover what was read", len(sum.ReadErrors))
	}
	if n := sum.Malformed.Count; n > 0 {
		keysExact = false
		r.partial("keys: %d key-bucket entries could not be decoded; key figures leave them out", n)
	}
	if keysExact {
		r.certain(certainKeys)
	}
	switch n := sum.Leases.Malformed; {
	case n > 0:
		r.partial("leases: %d lease-bucket entries are not leases; lease figures leave them out", n)
	case len(sum.ReadErrors) == 0:
		r.certain(certainLeases)
	}
}

// keysComplete is true when the key scan read and decoded every entry.
func (r *Report) keysComplete() bool {
	s := r.MVCC
	return s != nil && len(s.ReadErrors) == 0 && s.Malformed.Count == 0 && s.Leases.Malformed == 0
}

// openError explains why a file could not be opened as bbolt at all.
func openError(in Input, err error) error {
	if errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) {
		return fmt.Errorf("%s: %w", in.Given, err)
	}
	// pages.Open prefixes the path it read; name the file once, as given.
	if inner := errors.Unwrap(err); inner != nil && err.Error() == in.Path+": "+inner.Error() {
		err = inner
	}
	name := in.Given
	if in.Path != in.Given && in.Kind != "file" {
		name = fmt.Sprintf("%s (%s)", in.Given, filepath.Base(in.Path))
	}
	return fmt.Errorf("%s: not a readable bbolt/etcd db: %w", name, err)
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

func fragInput(f *pages.File, a *pages.Analysis) pages.FragInput {
	return pages.FragInput{
		PageSize:          a.File.PageSize,
		HighWater:         a.Meta.HighWater,
		Free:              a.Free,
		RunSizes:          a.Pages.RunLengths,
		FreelistPersisted: a.Meta.FreelistPersisted,
		ReachablePages:    a.Pages.Reachable,
		Elements:          a.Pages.Elements,
	}
}
