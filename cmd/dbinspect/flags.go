package main

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dustin/go-humanize"
	"github.com/spf13/pflag"
)

// outputFormat is the -o value: a closed set, validated by pflag.
type outputFormat string

func (f *outputFormat) String() string { return string(*f) }
func (f *outputFormat) Type() string   { return "format" }
func (f *outputFormat) Set(s string) error {
	s = strings.ToLower(s)
	switch s {
	case "text", "json", "html":
		*f = outputFormat(s)
		return nil
	}
	return fmt.Errorf("output format %q: want text, json or html", s)
}

// byteSize is a flag taking sizes like 2GiB, 8G or 2147483648. A plain
// number is bytes, as etcd takes it; units are decimal (GB, G, MB) or
// binary (GiB, Gi, MiB), as humanize reads them. -1 is allowed only where
// the flag's owner says so (allowNegative), meaning "disabled".
type byteSize int64

func (b *byteSize) String() string {
	if *b == 0 {
		return "0" // pflag shows no default for "0"
	}
	if *b < 0 {
		return strconv.FormatInt(int64(*b), 10)
	}
	return humanize.IBytes(uint64(*b))
}
func (b *byteSize) Type() string { return "size" }
func (b *byteSize) Set(s string) error {
	if s == "-1" {
		*b = -1
		return nil
	}
	if strings.HasPrefix(s, "-") {
		return fmt.Errorf("size %q: want bytes, a size like 8GiB, 0 for the default or -1 to disable", s)
	}
	n, err := humanize.ParseBytes(s)
	if err != nil {
		return fmt.Errorf("size %q: %v (say e.g. 2GiB, 512MiB or a number of bytes)", s, err)
	}
	if n > math.MaxInt64 {
		return fmt.Errorf("size %q: too large", s)
	}
	*b = byteSize(n)
	return nil
}

// quotaFlag is --quota-backend-bytes: etcd's flag, in bytes. 0 (not
// given) is etcd's default of 2 GiB, -1 disables the quota. A value with a
// unit is told back in bytes (takenNote), since etcd itself takes only
// bytes and "8G" is 8,000,000,000 of them, not 8 GiB.
type quotaFlag struct {
	byteSize
	given string
}

func (q *quotaFlag) Set(s string) error {
	if err := q.byteSize.Set(strings.TrimSpace(s)); err != nil {
		return err
	}
	q.given = s
	return nil
}

// takenNote says what a quota with a unit was taken as, or "".
func (q *quotaFlag) takenNote() string {
	if q.given == "" || q.byteSize < 0 {
		return ""
	}
	if _, err := strconv.ParseInt(strings.TrimSpace(q.given), 10, 64); err == nil {
		return ""
	}
	n := int64(q.byteSize)
	return fmt.Sprintf("--quota-backend-bytes %s taken as %s bytes (%s); etcd takes bytes: --quota-backend-bytes=%d", q.given, humanize.Comma(n), humanize.IBytes(uint64(n)), n)
}

// cliOptions are every command's flags; a command binds the ones it has.
type cliOptions struct {
	output    outputFormat
	allowHTML bool
	noColor   bool
	quiet     bool
	redact    redactFlags
	member    string // --member: which of several dbs in a dir or archive
	filter    mvcc.KeyFilter
	verbose   bool // report: every section, not the first screen

	top          int
	prefixDepth  int
	prefixSep    string
	noK8s        bool
	writeBytes   byteSize
	seeds        int
	quota        quotaFlag
	diskReadMBps float64
	coldCache    bool
	etcdVersion  string
	exact        bool
	compactAt    int64
	calibration  string
	failOn       string
	// liveKeySet asks the scan for the live keys' fingerprint: diff
	// compares the two dbs key by key with it.
	liveKeySet bool
	pageList   bool
	trend      *trendOptions // 'dbinspect trend' only
}

// defaultOptions are the flags' defaults; the key scan's come from mvcc.
func defaultOptions() *cliOptions {
	m := mvcc.DefaultOptions()
	return &cliOptions{output: "text", top: m.TopN, prefixDepth: m.PrefixDepth, prefixSep: m.PrefixSeparator, seeds: 5}
}

func (o *cliOptions) addOutput(fs *pflag.FlagSet, html bool) {
	o.allowHTML = html
	formats := "text or json"
	if html {
		formats = "text, json or html"
	}
	fs.VarP(&o.output, "output", "o", "output format: "+formats)
	fs.VarP(&o.output, "write-out", "w", "the same as -o (etcdctl's and etcdutl's name for it)")
	fs.BoolVar(&o.noColor, "no-color", false, "no colour even on a terminal (NO_COLOR is honoured too)")
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "no progress bar on stderr")
	o.redact.add(fs)
	fs.StringVar(&o.member, "member", "", "of several etcd dbs in a dir or archive (node1/member/snap/db, node2/...), read the one under a directory of this name")
}

func (o *cliOptions) addKeys(fs *pflag.FlagSet) {
	fs.IntVar(&o.top, "top", o.top, "how many keys to list in each top-N table")
	fs.IntVar(&o.prefixDepth, "prefix-depth", o.prefixDepth, "segments of a key that make its prefix (outside /registry/)")
	fs.StringVar(&o.prefixSep, "prefix-separator", o.prefixSep, "separator of key segments")
	fs.BoolVar(&o.noK8s, "no-k8s", false, "treat /registry/ keys like any other keys")
}

func (o *cliOptions) addFrag(fs *pflag.FlagSet) {
	fs.Var(&o.writeBytes, "write-bytes", "new data to replay through each freelist model (default: half the free space, between 1MiB and 256MiB)")
	fs.IntVar(&o.seeds, "seeds", o.seeds, "seeds for the hashmap freelist model's arbitrary choices")
}

func (o *cliOptions) addPredict(fs *pflag.FlagSet) {
	fs.Var(&o.quota, "quota-backend-bytes", "etcd's --quota-backend-bytes to measure headroom against: bytes as etcd takes them, or with a unit (8GiB, 8GB); 0 or not given: etcd's default 2 GiB; -1: disabled")
	fs.Float64Var(&o.diskReadMBps, "disk-read-mbps", 0, "disk read speed for a cold page cache; 0 assumes the file is in the page cache")
	fs.StringVar(&o.etcdVersion, "etcd-version", "", "predict for this etcd minor only: 3.4 (predicted as 3.5, its model stated), 3.5, 3.6 or 3.7 (default: all)")
	fs.BoolVar(&o.exact, "exact", false, "also defragment a private copy in the temp dir with bbolt and report the real size and time")
	fs.Int64Var(&o.compactAt, "compact-at", 0, "revision for the compaction what-if (default: the latest)")
	fs.StringVar(&o.calibration, "calibration", "", "coefficients saved by 'dbinspect calibrate' (default: the saved ones, else built-in)")
}

func (o *cliOptions) addPageList(fs *pflag.FlagSet) {
	fs.BoolVar(&o.pageList, "list", false, "list every page instead: one tab-separated row per node or run of pages, in page order")
}

func (o *cliOptions) addFailOn(fs *pflag.FlagSet) {
	fs.StringVar(&o.failOn, "fail-on", "", "exit 3 if a finding is at least this severe: warning or critical")
}

func (o *cliOptions) validate() error {
	// Enum values are taken in any case: --fail-on WARNING, -o JSON.
	o.failOn = strings.ToLower(o.failOn)
	if err := o.filterError(); err != nil {
		return err
	}
	if err := o.redact.validate(); err != nil {
		return err
	}
	if o.quota.byteSize < -1 {
		return usageError{"--quota-backend-bytes: want bytes, a size like 8GiB, 0 for etcd's default or -1 to disable it"}
	}
	if o.output == "html" && !o.allowHTML {
		return usageError{"-o html is only for report, predict, pages and trend"}
	}
	if o.pageList && o.output != "text" {
		return usageError{"--list writes tab-separated text; drop -o " + string(o.output)}
	}
	switch o.failOn {
	case "", "warning", "critical":
	default:
		return usageError{fmt.Sprintf("--fail-on %q: want warning or critical", o.failOn)}
	}
	switch o.etcdVersion {
	case "", "3.4", "3.5", "3.6", "3.7":
	default:
		return usageError{fmt.Sprintf("--etcd-version %q: want 3.4, 3.5, 3.6 or 3.7", o.etcdVersion)}
	}
	if o.top < 1 || o.prefixDepth < 1 || o.seeds < 1 || o.seeds > 1000 {
		return usageError{"--top and --prefix-depth must be ≥ 1, --seeds between 1 and 1000"}
	}
	if err := checkRate("--disk-read-mbps", o.diskReadMBps, 1, 100_000); err != nil {
		return err
	}
	if strings.TrimSpace(o.prefixSep) == "" && o.prefixSep != " " {
		return usageError{"--prefix-separator must not be empty"}
	}
	return nil
}

// checkRate validates a float flag where 0 means "not given": NaN, ±Inf,
// negatives and values outside [lo, hi] are refused (1e-300 MB/s once made
// a 300-digit startup time).
func checkRate(name string, v, lo, hi float64) error {
	if v == 0 {
		return nil
	}
	if math.IsNaN(v) || math.IsInf(v, 0) || v < lo || v > hi {
		return usageError{fmt.Sprintf("%s %v: want 0 (not given) or a number from %g to %g", name, v, lo, hi)}
	}
	return nil
}

// color is true when colour escapes may be written to stdout.
func (o *cliOptions) color(stdout any) bool {
	if o.noColor || os.Getenv("NO_COLOR") != "" || o.output != "text" {
		return false
	}
	f, ok := stdout.(*os.File)
	return ok && isTerminal(f)
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
