package main

import (
	"github.com/dbinspect/dbinspect/report"
	"github.com/spf13/pflag"
)

func reportCommand() *command {
	o := &reportCmdOptions{reportInputs: newReportInputs()}
	return &command{
		name:    "report",
		summary: "everything: pages, buckets, keys, fragmentation, predictions, findings (the default)",
		usage:   "[flags] PATH",
		help: `Reads the whole file once and reports, from one model: the file and its meta
pages, pages by type and per bucket, free-page fragmentation under bbolt's
array and hashmap freelists, etcd's keys, revisions and history by prefix
(Kubernetes aware), leases, auth and members, and predictions of etcd's
startup time, memory, and the size after compaction and defrag, with the
findings that follow and what to do about them.

The text shows the first screen: the summary, the largest prefixes, the
findings with what to do, and the predictions in one table. -v shows every
section (meta and page tables, fragmentation, top keys, Kubernetes objects,
the models behind each prediction); -o json and -o html are always complete.

Examples:
  dbinspect report /var/lib/etcd/member/snap/db
  dbinspect report -o json --redact snapshot.db > report.json
  dbinspect report -o html backup.db.gz > report.html
  dbinspect report --fail-on critical db || echo "needs attention"

Redaction:
` + redactPolicy,
		flags: o.groups(),
		run: func(c *cmdEnv, args []string) error {
			if o.verbose.on {
				return o.run(c, args, report.AllSections)
			}
			return o.run(c, args, report.BriefSections)
		},
	}
}

// reportInputs are the flags of everything a report reads and predicts:
// report's, and predict's, which needs every input of the report.
type reportInputs struct {
	out     outputFlags
	redact  redactFlags
	in      inputFlags
	keys    keyFlags
	frag    fragFlags
	quota   quotaFlag
	predict predictFlags
	failOn  failOnFlag
}

func newReportInputs() reportInputs {
	return reportInputs{
		out:     newOutputFlags(true),
		keys:    newKeyFlags(),
		frag:    newFragFlags(),
		quota:   newQuotaFlag("etcd's --quota-backend-bytes to measure headroom against: bytes as etcd takes them, or with a unit (8GiB, 8GB); 0 or not given: etcd's default 2 GiB; negative (-1): disabled, as in etcd"),
		predict: newPredictFlags(),
	}
}

func (o *reportInputs) groups() []flagGroup {
	return []flagGroup{&o.out, &o.redact, &o.in, &o.keys, &o.frag, &o.quota, &o.predict, &o.failOn}
}

// run builds and renders sections s.
func (o *reportInputs) run(c *cmdEnv, args []string, s report.Sections) error {
	return buildAndRender(c, args, readDB(s, &o.out, &o.in, o.groups()), &o.out, &o.quota, &o.failOn)
}

// reportCmdOptions are report's flags: predict's and -v.
type reportCmdOptions struct {
	reportInputs
	verbose verboseFlag
}

func (o *reportCmdOptions) groups() []flagGroup {
	return append(o.reportInputs.groups(), &o.verbose)
}

// verboseFlag is report's -v: the full text report instead of its first
// screen.
type verboseFlag struct{ on bool }

func (o *verboseFlag) register(fs *pflag.FlagSet) {
	fs.BoolVarP(&o.on, "verbose", "v", false, "every section of the text report, not only its first screen (summary, top prefixes, findings, predictions)")
}

func (o *verboseFlag) validate() error { return nil }
