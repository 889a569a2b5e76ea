package main

import (
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/report"
	"github.com/spf13/pflag"
)

// The flags of each command, in the order its help lists them: a command
// owns these and no others.
var (
	outputFlagNames  = []string{"output", "write-out", "no-color", "quiet"}
	redactFlagNames  = []string{"redact", "redact-keep", "redact-ids", "redact-salt", "redact-keys"}
	keyFlagNames     = []string{"top", "prefix-depth", "prefix-separator", "no-k8s"}
	reportInputNames = cat(outputFlagNames, redactFlagNames, []string{"member"}, keyFlagNames,
		[]string{"write-bytes", "seeds", "quota-backend-bytes", "disk-read-mbps", "write-rate", "network-mbps", "etcd-version", "exact", "compact-at", "calibration", "fail-on"})
	ownedFlags = map[string][]string{
		"report":    cat(reportInputNames, []string{"verbose"}),
		"predict":   reportInputNames,
		"pages":     cat(outputFlagNames, redactFlagNames, []string{"member", "write-bytes", "seeds", "list"}),
		"keys":      cat(outputFlagNames, redactFlagNames, []string{"member"}, keyFlagNames, []string{"prefix", "namespace"}),
		"check":     cat(outputFlagNames, redactFlagNames, []string{"member"}),
		"diff":      cat(outputFlagNames, redactFlagNames, []string{"member"}, keyFlagNames, []string{"fail-on"}),
		"trend":     cat(outputFlagNames, redactFlagNames, []string{"member"}, keyFlagNames, []string{"time-from", "time-regexp", "jobs", "memory", "quota-backend-bytes", "fail-on"}),
		"wal":       cat(outputFlagNames, redactFlagNames, []string{"member", "from", "to", "type", "request"}),
		"calibrate": {"calibration"},
		"version":   nil,
	}
)

func cat(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

func commandFlags(c *command) []*pflag.Flag {
	var fl []*pflag.Flag
	newFlagSet(c).VisitAll(func(f *pflag.Flag) { fl = append(fl, f) })
	return fl
}

// Ensure that each command has exactly its own flags, and that a flag of
// another command is refused as unknown (exit 2) before any file is read.
func TestEachCommandOwnsItsFlags(t *testing.T) {
	all := map[string]*pflag.Flag{}
	for _, c := range commands() {
		var names []string
		for _, f := range commandFlags(c) {
			names = append(names, f.Name)
			all[f.Name] = f
		}
		want, ok := ownedFlags[c.name]
		if !ok {
			t.Errorf("%s: a command the table does not know; add its flags to ownedFlags", c.name)
			continue
		}
		if !reflect.DeepEqual(names, want) {
			t.Errorf("%s has flags\n%q\nwant\n%q", c.name, names, want)
		}
	}
	missing := filepath.Join(t.TempDir(), "no-such.db")
	for _, c := range commands() {
		owned := map[string]bool{}
		for _, n := range ownedFlags[c.name] {
			owned[n] = true
		}
		var others []string
		for name := range all {
			if !owned[name] {
				others = append(others, name)
			}
		}
		sort.Strings(others)
		for _, name := range others {
			f := all[name]
			for _, arg := range []string{"--" + name, "-" + f.Shorthand} {
				if arg == "-" {
					continue
				}
				if f.Value.Type() != "bool" {
					arg += "=1"
				}
				code, _, errs := runCLI(t, c.name, arg, missing)
				if code != exitUsage || !strings.Contains(errs, "unknown") || !strings.Contains(errs, "flag") {
					t.Errorf("dbinspect %s %s: exit %d, stderr %q; want exit 2, an unknown flag", c.name, arg, code, errs)
				}
			}
		}
	}
}

// Ensure that every command refuses a bad value of each flag it owns with
// a usage error (exit 2) naming what it wants, before reading the file:
// --top 0 once passed the check and became 10 in the scan. Every flag that
// takes a value must be in badValues or anyValue, so a new flag is
// classified here.
func TestBadFlagValuesRejectedPerCommand(t *testing.T) {
	type bad struct{ value, want string }
	badValues := map[string][]bad{
		"output":              {{"xml", `output format "xml"`}, {"", `output format ""`}},
		"write-out":           {{"yaml", `output format "yaml"`}},
		"redact-keep":         {{"names", `--redact-keep "names": want namespace`}},
		"top":                 {{"0", "--top and --prefix-depth must be ≥ 1: --top 0"}, {"-3", "--top -3"}, {"ten", "invalid argument"}},
		"prefix-depth":        {{"0", "--prefix-depth 0"}, {"-1", "--prefix-depth -1"}},
		"prefix-separator":    {{"", "--prefix-separator must not be empty"}, {"\t", "must not be empty"}},
		"write-bytes":         {{"-5", `size "-5": want bytes or a size like 8GiB`}, {"-1", `size "-1"`}, {"lots", `size "lots"`}},
		"seeds":               {{"0", "--seeds 0: want a number from 1 to 1000"}, {"1001", "--seeds 1001"}},
		"quota-backend-bytes": {{"-2GiB", "a negative number (-1) to disable"}, {"-x", `size "-x"`}, {"8 parsecs", `size "8 parsecs"`}},
		"disk-read-mbps":      {{"0.5", "--disk-read-mbps 0.5: want 0 (not given) or a number from 1 to 100000"}, {"NaN", "--disk-read-mbps NaN"}, {"-200", "--disk-read-mbps -200"}, {"1e9", "--disk-read-mbps 1e+09"}},
		"write-rate":          {{"0.001", "--write-rate 0.001: want 0 (not given) or a number from 0.01 to 1e+07"}, {"NaN", "--write-rate NaN"}, {"-5", "--write-rate -5"}, {"1e9", "--write-rate 1e+09"}, {"fast", "invalid argument"}},
		"network-mbps":        {{"0.5", "--network-mbps 0.5: want 0 (not given) or a number from 1 to 1e+06"}, {"Inf", "--network-mbps +Inf"}, {"-1000", "--network-mbps -1000"}, {"10G", "invalid argument"}},
		"etcd-version":        {{"3.3", `--etcd-version "3.3": want 3.4, 3.5, 3.6 or 3.7`}, {"v3.5", `--etcd-version "v3.5"`}},
		"compact-at":          {{"latest", "invalid argument"}},
		"fail-on":             {{"sometimes", `--fail-on "sometimes": want warning or critical`}, {"info", `--fail-on "info"`}},
		"time-from":           {{"ctime", `--time-from "ctime": want name, mtime or auto`}},
		"time-regexp":         {{"(", "--time-regexp: error parsing regexp"}},
		"jobs":                {{"0", "--jobs must be at least 1"}, {"-2", "--jobs must be at least 1"}},
		"memory":              {{"0", "--memory 0: want a budget like 1GiB"}, {"-1", `size "-1"`}},
		"no-k8s":              {{"maybe", "invalid argument"}},
		"exact":               {{"maybe", "invalid argument"}},
		"list":                {{"maybe", "invalid argument"}},
		"from":                {{"-1", "invalid argument"}, {"first", "invalid argument"}},
		"to":                  {{"-5", "invalid argument"}, {"1e3", "invalid argument"}},
		"type":                {{"entry", `--type "entry": want normal, conf_change, conf_change_v2`}, {"snapshot", `--type "snapshot"`}},
		"request":             {{"get", `--request "get": want one of`}, {"put,watch", `--request "watch"`}},
	}
	// Flags any string is good for (a name, a path, a salt, a prefix):
	// what they name is checked where it is used.
	anyValue := map[string]bool{"member": true, "redact-salt": true, "calibration": true, "prefix": true, "namespace": true}
	missing := filepath.Join(t.TempDir(), "no-such.db")
	for _, c := range commands() {
		for _, f := range commandFlags(c) {
			cases, classified := badValues[f.Name]
			if !classified && !anyValue[f.Name] && f.Value.Type() != "bool" {
				t.Errorf("%s --%s: not in badValues or anyValue; say which values it refuses", c.name, f.Name)
			}
			for _, tc := range cases {
				args := []string{c.name, "--" + f.Name + "=" + tc.value, missing}
				if c.name == "diff" || c.name == "trend" {
					args = append(args, missing)
				}
				code, _, errs := runCLI(t, args...)
				if code != exitUsage || !strings.Contains(errs, tc.want) {
					t.Errorf("dbinspect %q: exit %d, stderr %q; want exit 2 and %q", args, code, errs, tc.want)
				}
			}
		}
	}
	// Values refused only together with another flag of the command.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"keys", "--namespace", "prod", "--no-k8s"}, "--namespace needs Kubernetes-aware keys"},
		{[]string{"pages", "--list", "-o", "json"}, "--list writes tab-separated text; drop -o json"},
		{[]string{"trend", "--time-regexp", "x", "--time-from", "mtime"}, "drop --time-from mtime"},
		{[]string{"keys", "-o", "html"}, "-o html is only for report, predict, pages and trend"},
		{[]string{"wal", "-o", "html"}, "-o html is only for"},
		{[]string{"wal", "--from", "10", "--to", "5"}, "--from 10 is above --to 5"},
		{[]string{"check", "-o", "html"}, "-o html is only for"},
		{[]string{"diff", "-o", "html"}, "-o html is only for"},
	} {
		args := append(tc.args, missing, missing)
		if tc.args[0] != "diff" && tc.args[0] != "trend" {
			args = args[:len(args)-1]
		}
		code, _, errs := runCLI(t, args...)
		if code != exitUsage || !strings.Contains(errs, tc.want) {
			t.Errorf("dbinspect %q: exit %d, stderr %q; want exit 2 and %q", args, code, errs, tc.want)
		}
	}
}

// Ensure that a default is defined once: a command without a flag group
// reads with the group's defaults, the same values the flags of a command
// that has the group start from.
func TestDefaultsDefinedOnce(t *testing.T) {
	for _, c := range commands() {
		fs := newFlagSet(c)
		for name, want := range map[string]string{"top": "10", "prefix-depth": "2", "prefix-separator": "/", "seeds": "5", "output": "text", "fail-on": ""} {
			if f := fs.Lookup(name); f != nil && f.DefValue != want {
				t.Errorf("%s --%s defaults to %q, want %q", c.name, name, f.DefValue, want)
			}
		}
	}
	got := reportOptions(report.AllSections, nil)
	k, fr := newKeyFlags(), newFragFlags()
	if got.MVCC.TopN != k.top || got.MVCC.PrefixDepth != k.prefixDepth || got.MVCC.PrefixSeparator != k.prefixSep || got.MVCC.K8s == k.noK8s || got.Seeds != fr.seeds || got.QuotaBytes != 0 || got.PageMap {
		t.Errorf("report options of no flags %+v differ from the groups' defaults", got)
	}
}
