package main

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/report"
	"github.com/dustin/go-humanize"
	"github.com/spf13/pflag"
)

// A flagGroup is a few flags that belong together and that several
// commands share (the output format, the key scan's tuning, the quota...).
// Each command's options struct holds the groups it has, made by their
// constructors (newKeyFlags...: the one place a default is defined), and
// lists them in the order its help shows them. register binds the flags;
// validate checks them once parsed, and may normalise them (an enum's
// case).
type flagGroup interface {
	register(fs *pflag.FlagSet)
	validate() error
}

// outputFormat is the -o value: a closed set, validated by pflag, taken in
// any case (-o JSON).
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

// outputFlags are -o (and its alias -w), --no-color and -q.
type outputFlags struct {
	output    outputFormat
	allowHTML bool // report, predict, pages and trend write HTML
	noColor   bool
	quiet     bool
}

func newOutputFlags(html bool) outputFlags { return outputFlags{output: "text", allowHTML: html} }

func (o *outputFlags) register(fs *pflag.FlagSet) {
	formats := "text or json"
	if o.allowHTML {
		formats = "text, json or html"
	}
	fs.VarP(&o.output, "output", "o", "output format: "+formats)
	fs.VarP(&o.output, "write-out", "w", "the same as -o (etcdctl's and etcdutl's name for it)")
	fs.BoolVar(&o.noColor, "no-color", false, "no colour even on a terminal (NO_COLOR is honoured too)")
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "no progress bar on stderr")
}

func (o *outputFlags) validate() error {
	if o.output == "html" && !o.allowHTML {
		return usageError{"-o html is only for report, predict, pages and trend"}
	}
	return nil
}

// applyTo asks for the page map the HTML draws.
func (o outputFlags) applyTo(r *report.Options) { r.PageMap = o.output == "html" }

// color is true when colour escapes may be written to stdout.
func (o *outputFlags) color(stdout any) bool {
	if o.noColor || os.Getenv("NO_COLOR") != "" || o.output != "text" {
		return false
	}
	f, ok := stdout.(*os.File)
	return ok && isTerminal(f)
}

// inputFlags are how the db is found in what the user named: --member.
type inputFlags struct {
	member string // which of several dbs in a dir or archive
}

func (o *inputFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&o.member, "member", "", "of several etcd dbs in a dir or archive (node1/member/snap/db, node2/...), read the one under a directory of this name")
}

func (o *inputFlags) validate() error { return nil }

// keyFlags tune the key scan; their defaults are mvcc's.
type keyFlags struct {
	top         int
	prefixDepth int
	prefixSep   string
	noK8s       bool
}

func newKeyFlags() keyFlags {
	m := mvcc.DefaultOptions()
	return keyFlags{top: m.TopN, prefixDepth: m.PrefixDepth, prefixSep: m.PrefixSeparator, noK8s: !m.K8s}
}

func (o *keyFlags) register(fs *pflag.FlagSet) {
	fs.IntVar(&o.top, "top", o.top, "how many keys to list in each top-N table")
	fs.IntVar(&o.prefixDepth, "prefix-depth", o.prefixDepth, "segments of a key that make its prefix (outside /registry/)")
	fs.StringVar(&o.prefixSep, "prefix-separator", o.prefixSep, "separator of key segments")
	fs.BoolVar(&o.noK8s, "no-k8s", o.noK8s, "treat /registry/ keys like any other keys")
}

// validate refuses what the scan would silently replace by its default
// (--top 0 once became 10).
func (o *keyFlags) validate() error {
	for _, f := range []struct {
		name string
		n    int
	}{{"--top", o.top}, {"--prefix-depth", o.prefixDepth}} {
		if f.n < 1 {
			return usageError{fmt.Sprintf("--top and --prefix-depth must be ≥ 1: %s %d", f.name, f.n)}
		}
	}
	if strings.TrimSpace(o.prefixSep) == "" && o.prefixSep != " " {
		return usageError{"--prefix-separator must not be empty"}
	}
	return nil
}

func (o keyFlags) applyTo(r *report.Options) {
	r.MVCC.TopN, r.MVCC.PrefixDepth, r.MVCC.PrefixSeparator, r.MVCC.K8s = o.top, o.prefixDepth, o.prefixSep, !o.noK8s
}

// fragFlags tune the freelist models' replay.
type fragFlags struct {
	writeBytes byteSize
	seeds      int
}

func newFragFlags() fragFlags { return fragFlags{seeds: 5} }

func (o *fragFlags) register(fs *pflag.FlagSet) {
	fs.Var(&o.writeBytes, "write-bytes", "new data to replay through each freelist model (default: half the free space, between 1MiB and 256MiB)")
	fs.IntVar(&o.seeds, "seeds", o.seeds, "seeds for the hashmap freelist model's arbitrary choices")
}

func (o *fragFlags) validate() error {
	if o.seeds < 1 || o.seeds > 1000 {
		return usageError{fmt.Sprintf("--seeds %d: want a number from 1 to 1000", o.seeds)}
	}
	return nil
}

func (o fragFlags) applyTo(r *report.Options) { r.WriteBytes, r.Seeds = int64(o.writeBytes), o.seeds }

// quotaFlag is --quota-backend-bytes: etcd's flag, in bytes. 0 (not
// given) is etcd's default of 2 GiB; any negative number disables the
// quota, as in etcd (NewBackendQuota returns its passthroughQuota for
// every quotaBackendBytesCfg < 0). A value with a
// unit is told back in bytes (takenNote), since etcd itself takes only
// bytes and "8G" is 8,000,000,000 of them, not 8 GiB. usage differs by
// command: predict measures headroom, trend projects growth.
type quotaFlag struct {
	quota quotaValue
	usage string
}

func newQuotaFlag(usage string) quotaFlag { return quotaFlag{usage: usage} }

func (o *quotaFlag) register(fs *pflag.FlagSet) {
	fs.Var(&o.quota, "quota-backend-bytes", o.usage)
}

// validate has nothing to check: Set refuses what etcd would not take.
func (o *quotaFlag) validate() error { return nil }

func (o quotaFlag) applyTo(r *report.Options) { r.QuotaBytes = o.bytes() }

func (o *quotaFlag) bytes() int64 { return int64(o.quota.byteSize) }

// takenNote says what a quota with a unit was taken as, or "".
func (o *quotaFlag) takenNote() string { return o.quota.takenNote() }

// quotaValue is the value of --quota-backend-bytes: a size, or a negative
// number of bytes (the quota disabled), remembering how it was given.
type quotaValue struct {
	byteSize
	given string
}

func (q *quotaValue) Set(s string) error {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "-") {
		// etcd takes an int64 of bytes: any negative one disables the
		// quota. A negative size with a unit is no number etcd takes.
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n >= 0 {
			return fmt.Errorf("size %q: want bytes, a size like 8GiB, 0 for the default or a negative number (-1) to disable", s)
		}
		q.byteSize, q.given = byteSize(n), s
		return nil
	}
	if err := q.byteSize.Set(s); err != nil {
		return err
	}
	q.given = s
	return nil
}

func (q *quotaValue) takenNote() string {
	if q.given == "" || q.byteSize < 0 {
		return ""
	}
	if _, err := strconv.ParseInt(q.given, 10, 64); err == nil {
		return ""
	}
	n := int64(q.byteSize)
	return fmt.Sprintf("--quota-backend-bytes %s taken as %s bytes (%s); etcd takes bytes: --quota-backend-bytes=%d", q.given, humanize.Comma(n), humanize.IBytes(uint64(n)), n)
}

// predictFlags tune the predictions (the quota is its own group: trend
// has it too).
type predictFlags struct {
	diskReadMBps float64
	writeRate    float64
	networkMbps  float64
	etcdVersion  string
	exact        bool
	compactAt    int64
	calibration  string
}

func newPredictFlags() predictFlags { return predictFlags{} }

func (o *predictFlags) register(fs *pflag.FlagSet) {
	fs.Float64Var(&o.diskReadMBps, "disk-read-mbps", o.diskReadMBps, "disk read speed for a cold page cache; 0 assumes the file is in the page cache")
	fs.Float64Var(&o.writeRate, "write-rate", o.writeRate, "the leader's write rate in raft entries a second, for a lagging follower's catch-up (default: 100)")
	fs.Float64Var(&o.networkMbps, "network-mbps", o.networkMbps, "network speed between members in Mbit/s, priced beside 1 and 10 Gbit/s (0: those two only)")
	fs.StringVar(&o.etcdVersion, "etcd-version", o.etcdVersion, "predict for this etcd minor only: 3.4 (predicted as 3.5, its model stated), 3.5, 3.6 or 3.7 (default: all)")
	fs.BoolVar(&o.exact, "exact", o.exact, "also defragment a private copy in the temp dir with bbolt and report the real size and time")
	fs.Int64Var(&o.compactAt, "compact-at", o.compactAt, "revision for the compaction what-if (default: the latest)")
	fs.StringVar(&o.calibration, "calibration", o.calibration, "coefficients saved by 'dbinspect calibrate' (default: the saved ones, else built-in)")
}

func (o *predictFlags) validate() error {
	switch o.etcdVersion {
	case "", "3.4", "3.5", "3.6", "3.7":
	default:
		return usageError{fmt.Sprintf("--etcd-version %q: want 3.4, 3.5, 3.6 or 3.7", o.etcdVersion)}
	}
	// A negative revision is refused with the db's revision, once read
	// (checkCompactAt).
	if err := checkRate("--write-rate", o.writeRate, 0.01, 10_000_000); err != nil {
		return err
	}
	if err := checkRate("--network-mbps", o.networkMbps, 1, 1_000_000); err != nil {
		return err
	}
	return checkRate("--disk-read-mbps", o.diskReadMBps, 1, 100_000)
}

func (o predictFlags) applyTo(r *report.Options) {
	r.DiskReadMBps, r.EtcdVersion, r.Exact, r.Calibration = o.diskReadMBps, o.etcdVersion, o.exact, o.calibration
	r.WriteRate, r.NetworkMbps = o.writeRate, o.networkMbps
	r.MVCC.CompactAt = o.compactAt
}

// failOnFlag is --fail-on: findings at or above it exit 3.
type failOnFlag struct{ level string }

func (o *failOnFlag) register(fs *pflag.FlagSet) {
	fs.StringVar(&o.level, "fail-on", "", "exit 3 if a finding is at least this severe: warning or critical")
}

func (o *failOnFlag) validate() error {
	o.level = strings.ToLower(o.level) // --fail-on WARNING
	switch o.level {
	case "", "warning", "critical":
		return nil
	}
	return usageError{fmt.Sprintf("--fail-on %q: want warning or critical", o.level)}
}

// byteSize is a flag taking sizes like 2GiB, 8G or 2147483648. A plain
// number is bytes, as etcd takes it; units are decimal (GB, G, MB) or
// binary (GiB, Gi, MiB), as humanize reads them. Negative sizes are
// refused (quotaValue alone takes negative numbers, for "disabled").
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
	if strings.HasPrefix(strings.TrimSpace(s), "-") {
		return fmt.Errorf("size %q: want bytes or a size like 8GiB", s)
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

// registerGroups binds the groups' flags in order: the order help lists
// them.
func registerGroups(fs *pflag.FlagSet, groups []flagGroup) {
	for _, g := range groups {
		g.register(fs)
	}
}

// validateGroups checks the groups in order; the first error is the one
// said.
func validateGroups(groups []flagGroup) error {
	for _, g := range groups {
		if err := g.validate(); err != nil {
			return err
		}
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

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
