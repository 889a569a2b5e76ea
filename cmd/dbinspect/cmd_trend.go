package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/dbinspect/dbinspect/internal/english"
	"github.com/dbinspect/dbinspect/internal/termsafe"
	"github.com/dbinspect/dbinspect/report"
	"github.com/dbinspect/dbinspect/report/trend"
	"github.com/spf13/pflag"
)

// trendOptions are trend's flags.
type trendOptions struct {
	out    outputFlags
	redact redactFlags
	in     inputFlags
	keys   keyFlags
	series seriesFlags
	quota  quotaFlag
	failOn failOnFlag
}

func (o *trendOptions) groups() []flagGroup {
	return []flagGroup{&o.out, &o.redact, &o.in, &o.keys, &o.series, &o.quota, &o.failOn}
}

// seriesFlags are trend's own: how each file's time is found, and how
// many files are read at once.
type seriesFlags struct {
	timeFrom   string
	timeRegexp string
	jobs       int
	memory     byteSize
	re         *regexp.Regexp
}

func newSeriesFlags() seriesFlags {
	return seriesFlags{timeFrom: "auto", jobs: runtime.NumCPU(), memory: 1 << 30}
}

func (t *seriesFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&t.timeFrom, "time-from", t.timeFrom, "each file's time: name (a timestamp in the file name), mtime (its modification time), or auto (the name's when it has one, else mtime)")
	fs.StringVar(&t.timeRegexp, "time-regexp", "", "read the time only from what this regexp matches in the file name (its first group when it has one); implies --time-from name")
	fs.IntVar(&t.jobs, "jobs", t.jobs, "files read at once (default: the number of cores)")
	fs.Var(&t.memory, "memory", "memory budget of the files read at once, at an estimated quarter of each file's size (a file over the budget is read alone)")
}

func (t *seriesFlags) validate() error {
	t.timeFrom = strings.ToLower(t.timeFrom)
	switch t.timeFrom {
	case "auto", "name", "mtime":
	default:
		return usageError{fmt.Sprintf("--time-from %q: want name, mtime or auto", t.timeFrom)}
	}
	if t.timeRegexp != "" {
		re, err := regexp.Compile(t.timeRegexp)
		if err != nil {
			return usageError{fmt.Sprintf("--time-regexp: %v", err)}
		}
		t.re = re
		if t.timeFrom == "mtime" {
			return usageError{"--time-regexp reads the time from the name; drop --time-from mtime"}
		}
		t.timeFrom = "name"
	}
	if t.jobs < 1 {
		return usageError{"--jobs must be at least 1"}
	}
	if t.memory < 1 {
		return usageError{"--memory 0: want a budget like 1GiB"}
	}
	return nil
}

func trendCommand() *command {
	o := &trendOptions{
		out:    newOutputFlags(true),
		keys:   newKeyFlags(),
		series: newSeriesFlags(),
		quota:  newQuotaFlag("etcd's --quota-backend-bytes to project the growth to (0 or not given: etcd's default 2 GiB; negative (-1): disabled, as in etcd: projected to 8 GiB only)"),
	}
	return &command{
		name:    "trend",
		summary: "trend a series of backups: growth, write rate, compactions, defrags, when the quota is reached",
		usage:   "[flags] PATH...",
		help: `Reads every file of a series of backups (daily 'etcdctl snapshot save'
files, say) once, in parallel, keeping a small summary of each, and trends
them in revision order: revisions a day, db size, in use, live keys and
history bytes per step and overall, the prefixes that grow most (by bytes
and by keys), the compactions (the compact revision moved) and defrags (the
db size dropped) between files, and when the db size reaches the quota and
etcd's advised 8 GiB at the current growth: a least-squares line over the
files since the last defrag, with the slope's standard error turned into a
date range.

PATH may be files, directories of snapshots (every file in them but .json,
.txt, .md, .log and .sha256 files), globs, and anything 'report' reads
(.gz, .tar.gz, data dirs). A file that cannot be read, or has no time, is
listed with its reason and the rest are still trended. Files of another
cluster (by a cluster ID derived from the members bucket) are listed and
left out. Times come from the file names (2026-12-04T15-30-00Z,
20261204-153000, 2026-12-04_1530, 2026-12-04, unix seconds, ...; a time
without zone is UTC) or the modification times.

Examples:
  dbinspect trend /backups/etcd/
  dbinspect trend --quota-backend-bytes 8GiB 'backups/etcd-*.db.gz'
  dbinspect trend --time-regexp 'node1-(.*)\.db' -o json backups/ | jq .projections`,
		flags: o.groups(),
		run:   o.run,
	}
}

func (o *trendOptions) run(c *cmdEnv, args []string) error {
	if len(args) == 0 {
		return usageError{"trend: no PATH given; name the backups (files, directories or globs); run 'dbinspect help trend'"}
	}
	paths, failed := trendPaths(args)
	if len(paths) == 0 && len(failed) == 0 {
		return fmt.Errorf("trend: no files found in %s", strings.Join(args, ", "))
	}
	members, readFailed := o.readSeries(c, paths)
	failed = append(failed, readFailed...)
	for i := range failed { // the reports' own names are redacted already
		failed[i].Given = o.redact.policy().RedactPath(failed[i].Given)
	}
	tr := trend.Analyze(members, failed, trend.Options{QuotaBytes: o.quota.bytes(), TopN: o.keys.top})
	// Also on stderr, so a script reading JSON on stdout sees them.
	for _, f := range tr.Failed {
		fmt.Fprintf(c.stderr, "dbinspect: %s: %s (not trended)\n", termsafe.Name(f.Given), f.Reason)
	}
	if len(tr.Members) == 0 {
		return fmt.Errorf("trend: none of the %s could be trended (each is listed above)", english.Plural(len(tr.Failed), "file"))
	}
	var err error
	switch o.out.output {
	case "json":
		err = report.WriteTrendJSON(c.stdout, tr)
	case "html":
		err = report.WriteTrendHTML(c.stdout, tr)
	default:
		err = report.WriteTrendText(c.stdout, tr, o.out.color(c.stdout))
	}
	if err != nil {
		return err
	}
	return failOnFindings(&o.failOn, report.TrendFindings(tr))
}

// notSnapshots are names in a directory of backups that are not backups.
var notSnapshots = []string{".json", ".txt", ".md", ".log", ".sha256", ".sha256sum", ".tmp"}

// trendPaths expands the arguments into the series' files, in name order,
// each once. A name that matches nothing is a missing member.
func trendPaths(args []string) ([]string, []trend.Failure) {
	var paths []string
	var failed []trend.Failure
	seen := map[string]bool{}
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			paths = append(paths, p)
		}
	}
	for _, a := range args {
		st, err := os.Stat(a)
		switch {
		case err != nil && strings.ContainsAny(a, "*?["):
			m, gerr := filepath.Glob(a)
			if gerr != nil || len(m) == 0 {
				failed = append(failed, trend.Failure{Given: a, Reason: "no file matches this pattern"})
			}
			for _, p := range m {
				add(p)
			}
		case err != nil:
			failed = append(failed, trend.Failure{Given: a, Reason: "missing: " + strings.TrimPrefix(err.Error(), "stat "+a+": ")})
		case st.IsDir() && !isDataDir(a):
			entries, err := os.ReadDir(a)
			if err != nil {
				failed = append(failed, trend.Failure{Given: a, Reason: err.Error()})
				continue
			}
			for _, e := range entries {
				p := filepath.Join(a, e.Name())
				if strings.HasPrefix(e.Name(), ".") || hasAnySuffix(strings.ToLower(e.Name()), notSnapshots) {
					continue
				}
				if e.Type().IsRegular() || (e.IsDir() && isDataDir(p)) {
					add(p)
				}
			}
		default:
			add(a)
		}
	}
	sort.Strings(paths)
	return paths, failed
}

func isDataDir(dir string) bool {
	for _, rel := range []string{filepath.Join("member", "snap", "db"), filepath.Join("snap", "db")} {
		if st, err := os.Stat(filepath.Join(dir, rel)); err == nil && st.Mode().IsRegular() {
			return true
		}
	}
	return false
}

func hasAnySuffix(s string, suffixes []string) bool {
	for _, x := range suffixes {
		if strings.HasSuffix(s, x) {
			return true
		}
	}
	return false
}

// readSeries reads the files, up to --jobs at once and within --memory,
// keeping only each one's summary.
func (o *trendOptions) readSeries(c *cmdEnv, paths []string) ([]trend.Summary, []trend.Failure) {
	t := &o.series
	progress, done := newProgress(c.stderr, o.out.quiet)
	defer done()
	var mu sync.Mutex
	var read, total int64
	sizes := make([]int64, len(paths))
	for i, p := range paths {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			sizes[i] = st.Size()
			total += sizes[i]
		}
	}
	budget := newBudget(int64(t.memory))
	results := make([]*trend.Summary, len(paths))
	reasons := make([]string, len(paths))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(t.jobs, max(1, len(paths))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				cost := budget.acquire(estimateMemory(paths[i]))
				s, err := o.summarize(paths[i])
				budget.release(cost)
				if progress != nil {
					mu.Lock()
					read += sizes[i]
					progress("reading files", read, total)
					mu.Unlock()
				}
				if err != nil {
					reasons[i] = err.Error()
					continue
				}
				results[i] = s
			}
		}()
	}
	for i := range paths {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	var members []trend.Summary
	var failed []trend.Failure
	for i, p := range paths {
		if results[i] != nil {
			members = append(members, *results[i])
		} else {
			// The error names the file already; keep only the why.
			failed = append(failed, trend.Failure{Given: p, Reason: strings.TrimPrefix(reasons[i], p+": ")})
		}
	}
	return members, failed
}

// summarize reads one file through the report pipeline (page walk and key
// scan only) and keeps its summary and time.
func (o *trendOptions) summarize(given string) (*trend.Summary, error) {
	t := &o.series
	when, source, ok := trend.TimeFromName(given, t.re)
	if t.timeFrom == "name" && !ok {
		what := "no timestamp in the file name"
		if t.re != nil {
			what = "no timestamp where --time-regexp matches the file name"
		}
		return nil, fmt.Errorf("%s; name files like etcd-2026-12-04T15-30-00Z.db, give --time-regexp, or use --time-from mtime", what)
	}
	in, err := resolveInputMember(given, nil, o.in.member)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	if t.timeFrom == "mtime" || !ok {
		// A data dir's time is its db's; a compressed file's is its own.
		p := given
		if in.Kind == "data-dir" || in.Kind == "member-dir" {
			p = in.Path
		}
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		when, source = st.ModTime().UTC(), "mtime"
	} else {
		source = "name"
	}
	ro := reportOptions(report.TrendSections, o.groups())
	ro.MVCC.TopN = 1           // trend keeps no key lists
	ro.SkipSnapshotHash = true // nor the hash: 'dbinspect check' verifies a snapshot
	r, err := report.Build(report.Input{Given: in.Given, Path: in.Path, Kind: in.Kind, Resolved: in.Resolved}, ro)
	if err != nil {
		return nil, err
	}
	s := report.TrendSummary(r)
	s.Time, s.TimeSource = when, source
	return &s, nil
}

// estimateMemory guesses a file's peak memory while it is read: a quarter
// of its size (compressed files count four times their size), at least 16
// MiB.
func estimateMemory(path string) int64 {
	st, err := os.Stat(path)
	if err == nil && st.IsDir() {
		// A data dir or member dir: its db.
		for _, rel := range []string{filepath.Join("member", "snap", "db"), filepath.Join("snap", "db")} {
			if s, err2 := os.Stat(filepath.Join(path, rel)); err2 == nil {
				st = s
				break
			}
		}
	}
	if err != nil || st.IsDir() {
		return 16 << 20
	}
	n := st.Size()
	if l := strings.ToLower(path); strings.HasSuffix(l, ".gz") || strings.HasSuffix(l, ".tgz") {
		n *= 4
	}
	return max(16<<20, n/4)
}

// budget is a counting semaphore over bytes; a request larger than the
// whole budget waits until nothing else runs, then takes it all.
type budget struct {
	mu    sync.Mutex
	cond  *sync.Cond
	total int64
	used  int64
}

func newBudget(total int64) *budget {
	b := &budget{total: max(total, 1)}
	b.cond = sync.NewCond(&b.mu)
	return b
}

func (b *budget) acquire(n int64) int64 {
	n = min(n, b.total)
	b.mu.Lock()
	for b.used+n > b.total {
		b.cond.Wait()
	}
	b.used += n
	b.mu.Unlock()
	return n
}

func (b *budget) release(n int64) {
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
	b.cond.Broadcast()
}
