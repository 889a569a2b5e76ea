package report

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/pages"
	"github.com/dbinspect/dbinspect/pages/defrag"
	"github.com/dbinspect/dbinspect/pages/freelist"
	"github.com/dbinspect/dbinspect/report/findings"
	"github.com/dbinspect/dbinspect/report/predict"
)

// SchemaVersion is the version of the JSON document (docs/json-schema.md).
// It changes only when a field changes meaning or disappears; new fields
// may be added without changing it.
const SchemaVersion = 2

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
	Kind  string // file, data-dir, member-dir, gzip, tar, stdin
	// Resolved is the db found inside what the user named: its path under
	// a data dir or member dir, or its entry in an archive ("" for a db
	// named directly).
	Resolved string
	// MemberDir is the etcd member dir (wal/, snap/) of a data dir input,
	// for the member section; "" to derive it from Kind and Path.
	MemberDir string
	// MemberFS, when set, holds an archive's member files instead (wal/,
	// snap/ at its root): extracted files that have no name on disk.
	MemberFS fs.FS
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
	// WriteRate is --write-rate (raft entries a second; 0: from the
	// member's WAL, else predict.DefaultWriteRate) and NetworkMbps
	// --network-mbps (0: 1 and 10 Gbit/s only), for the follower model.
	WriteRate   float64
	NetworkMbps float64
	EtcdVersion string
	Exact       bool   // the compaction what-if's revision is MVCC.CompactAt
	Calibration string // file saved by 'dbinspect calibrate'; "" for the saved default

	// Redact is the --redact policy: which names are hashed.
	Redact Redaction

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
	TempDir defrag.TempDirFunc
	// RunExact runs --exact's real bbolt defrag (pages/defrag/exact.Run,
	// handed in by the CLI so that report never imports bbolt); nil with
	// Exact set: the exact defrag is reported as not run.
	RunExact func(path string, o defrag.ExactOptions) (*defrag.ExactResult, error)
}

// Report is what Build read and computed: the one model every renderer
// draws from (the JSON report is document(), the summary summarize()).
type Report struct {
	Input InputInfo
	// Sections are what Build was asked for.
	Sections Sections

	// Analysis is the page-level truth: file, meta, pages, buckets,
	// freelist, problems.
	Analysis      *pages.Analysis
	Fragmentation *freelist.Fragmentation
	MVCC          *mvcc.Summary
	Predict       *predict.Prediction
	ExactDefrag   *defrag.ExactResult
	Findings      []findings.Finding
	// Member is a data dir's WAL and snap files and its restart
	// (member.go); nil for a lone db.
	Member *MemberReport

	// Certainty separates what is known from what is partial on a damaged
	// or changing file.
	Certainty Certainty

	// PageList is every node the walk read, for WritePageList (only with
	// Options.PageList).
	PageList []pages.PageInfo
	// ExactRefused is why --exact was refused, or "": the CLI repeats it
	// on stderr, where a script reading JSON on stdout still sees it (the
	// JSON has it in certainty.partial).
	ExactRefused string
}

// InputInfo describes what was read.
type InputInfo struct {
	Given        string `json:"given"`
	Resolved     string `json:"resolved,omitempty"`
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

// Damaged is true when the structural check found an error.
func (r *Report) Damaged() bool { return r.Analysis != nil && r.Analysis.Damaged() }

// Problems are the structural check's findings.
func (r *Report) Problems() []pages.Problem {
	if r.Analysis == nil {
		return nil
	}
	return r.Analysis.Problems
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
