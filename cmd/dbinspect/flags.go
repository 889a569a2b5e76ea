package main

import (
	"fmt"
	"math"
	"os"
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
	switch s {
	case "text", "json", "html":
		*f = outputFormat(s)
		return nil
	}
	return fmt.Errorf("output format %q: want text, json or html", s)
}

// byteSize is a flag taking sizes like 2GiB, 8G or 2147483648.
type byteSize int64

func (b *byteSize) String() string {
	if *b == 0 {
		return "0" // pflag shows no default for "0"
	}
	return humanize.IBytes(uint64(*b))
}
func (b *byteSize) Type() string { return "size" }
func (b *byteSize) Set(s string) error {
	n, err := humanize.ParseBytes(s)
	if err != nil {
		return fmt.Errorf("size %q: %v (say e.g. 2GiB, 512MiB or a number of bytes)", s, err)
	}
	*b = byteSize(n)
	return nil
}

// flagGroup is a set of flags that commands share. Each command's own
// options embed the groups it has; bindFlags binds them in order and
// validateFlags checks them. A group's constructor holds its defaults, the
// one place they are defined: a command without the group builds with them.
type flagGroup interface {
	bind(fs *pflag.FlagSet)
	validate() error
}

func bindFlags(fs *pflag.FlagSet, groups []flagGroup) {
	for _, g := range groups {
		g.bind(fs)
	}
}

func validateFlags(groups []flagGroup) error {
	for _, g := range groups {
		if err := g.validate(); err != nil {
			return err
		}
	}
	return nil
}

// outputFlags choose the format and the terminal niceties.
type outputFlags struct {
	output    outputFormat
	allowHTML bool
	noColor   bool
	quiet     bool
}

func newOutputFlags(html bool) outputFlags { return outputFlags{output: "text", allowHTML: html} }

func (o *outputFlags) bind(fs *pflag.FlagSet) {
	formats := "text or json"
	if o.allowHTML {
		formats = "text, json or html"
	}
	fs.VarP(&o.output, "output", "o", "output format: "+formats)
	fs.BoolVar(&o.noColor, "no-color", false, "no colour even on a terminal (NO_COLOR is honoured too)")
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "no progress bar on stderr")
}

func (o *outputFlags) validate() error {
	if o.output == "html" && !o.allowHTML {
		return usageError{"-o html is only for report, predict, pages and trend"}
	}
	return nil
}

// color is true when colour escapes may be written to stdout.
func (o *outputFlags) color(stdout any) bool {
	if o.noColor || os.Getenv("NO_COLOR") != "" || o.output != "text" {
		return false
	}
	f, ok := stdout.(*os.File)
	return ok && isTerminal(f)
}

// keyFlags tune the key scan; their defaults are mvcc's.
type keyFlags struct {
	redactKeys  bool
	top         int
	prefixDepth int
	prefixSep   string
	noK8s       bool
}

func newKeyFlags() keyFlags {
	m := mvcc.DefaultOptions()
	return keyFlags{top: m.TopN, prefixDepth: m.PrefixDepth, prefixSep: m.PrefixSeparator}
}

func (o *keyFlags) bind(fs *pflag.FlagSet) {
	fs.BoolVar(&o.redactKeys, "redact-keys", false, "replace key names by stable hashes (Kubernetes resource and namespace kept)")
	fs.IntVar(&o.top, "top", o.top, "how many keys to list in each top-N table")
	fs.IntVar(&o.prefixDepth, "prefix-depth", o.prefixDepth, "segments of a key that make its prefix (outside /registry/)")
	fs.StringVar(&o.prefixSep, "prefix-separator", o.prefixSep, "separator of key segments")
	fs.BoolVar(&o.noK8s, "no-k8s", false, "treat /registry/ keys like any other keys")
}

func (o *keyFlags) validate() error {
	if o.top < 1 || o.prefixDepth < 1 {
		return usageError{"--top and --prefix-depth must be ≥ 1"}
	}
	if strings.TrimSpace(o.prefixSep) == "" && o.prefixSep != " " {
		return usageError{"--prefix-separator must not be empty"}
	}
	return nil
}

// fragFlags tune the freelist models.
type fragFlags struct {
	writeBytes byteSize
	seeds      int
}

func newFragFlags() fragFlags { return fragFlags{seeds: 5} }

func (o *fragFlags) bind(fs *pflag.FlagSet) {
	fs.Var(&o.writeBytes, "write-bytes", "new data to replay through each freelist model (default: half the free space, between 1MiB and 256MiB)")
	fs.IntVar(&o.seeds, "seeds", o.seeds, "seeds for the hashmap freelist model's arbitrary choices")
}

func (o *fragFlags) validate() error {
	if o.seeds < 1 || o.seeds > 1000 {
		return usageError{"--seeds must be between 1 and 1000"}
	}
	return nil
}

// quotaFlag is etcd's quota, for predict and trend alike.
type quotaFlag struct {
	quota byteSize
	usage string
}

func newQuotaFlag(usage string) quotaFlag { return quotaFlag{quota: 2 << 30, usage: usage} }

func (o *quotaFlag) bind(fs *pflag.FlagSet) { fs.Var(&o.quota, "quota-backend-bytes", o.usage) }
func (o *quotaFlag) validate() error        { return nil }

// predictFlags tune the predictions.
type predictFlags struct {
	quotaFlag
	diskReadMBps float64
	etcdVersion  string
	exact        bool
	compactAt    int64
	calibration  string
}

func newPredictFlags() predictFlags {
	return predictFlags{quotaFlag: newQuotaFlag("etcd's --quota-backend-bytes to measure headroom against")}
}

func (o *predictFlags) bind(fs *pflag.FlagSet) {
	o.quotaFlag.bind(fs)
	fs.Float64Var(&o.diskReadMBps, "disk-read-mbps", 0, "disk read speed for a cold page cache; 0 assumes the file is in the page cache")
	fs.StringVar(&o.etcdVersion, "etcd-version", "", "predict for this etcd minor only: 3.5, 3.6 or 3.7 (default: all)")
	fs.BoolVar(&o.exact, "exact", false, "also defragment a private copy in the temp dir with bbolt and report the real size and time")
	fs.Int64Var(&o.compactAt, "compact-at", 0, "revision for the compaction what-if (default: the latest)")
	fs.StringVar(&o.calibration, "calibration", "", "coefficients saved by 'dbinspect calibrate' (default: the saved ones, else built-in)")
}

func (o *predictFlags) validate() error {
	switch o.etcdVersion {
	case "", "3.5", "3.6", "3.7":
	default:
		return usageError{fmt.Sprintf("--etcd-version %q: want 3.5, 3.6 or 3.7", o.etcdVersion)}
	}
	return checkRate("--disk-read-mbps", o.diskReadMBps, 1, 100_000)
}

// failOnFlag turns findings into exit status 3.
type failOnFlag struct{ failOn string }

func (o *failOnFlag) bind(fs *pflag.FlagSet) {
	fs.StringVar(&o.failOn, "fail-on", "", "exit 3 if a finding is at least this severe: warning or critical")
}

func (o *failOnFlag) validate() error {
	switch o.failOn {
	case "", "warning", "critical":
		return nil
	}
	return usageError{fmt.Sprintf("--fail-on %q: want warning or critical", o.failOn)}
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
