package main

import (
	"github.com/dbinspect/dbinspect/report"
)

// reportCmdOptions are report's flags, and predict's: predict needs every
// input of the report.
type reportCmdOptions struct {
	outputFlags
	keyFlags
	fragFlags
	predictFlags
	failOnFlag
}

func newReportCmdOptions() *reportCmdOptions {
	return &reportCmdOptions{outputFlags: newOutputFlags(true), keyFlags: newKeyFlags(), fragFlags: newFragFlags(), predictFlags: newPredictFlags()}
}

func (o *reportCmdOptions) groups() []flagGroup {
	return []flagGroup{&o.outputFlags, &o.keyFlags, &o.fragFlags, &o.predictFlags, &o.failOnFlag}
}

// run builds and renders sections s.
func (o *reportCmdOptions) run(c *cmdEnv, args []string, s report.Sections) error {
	return buildAndRender(c, args, &o.outputFlags, reportOptions(s, o.output, o.keyFlags, o.fragFlags, o.predictFlags), o.failOnFlag)
}

func reportCommand() *command {
	o := newReportCmdOptions()
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

Examples:
  dbinspect report /var/lib/etcd/member/snap/db
  dbinspect report -o json --redact-keys snapshot.db > report.json
  dbinspect report -o html backup.db.gz > report.html
  dbinspect report --fail-on critical db || echo "needs attention"`,
		flags: o.groups(),
		run: func(c *cmdEnv, args []string) error {
			return o.run(c, args, report.AllSections)
		},
	}
}
