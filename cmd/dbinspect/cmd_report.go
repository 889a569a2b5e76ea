package main

import (
	"github.com/dbinspect/dbinspect/report"
	"github.com/spf13/pflag"
)

func reportCommand() *command {
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
		flags: func(fs *pflag.FlagSet, o *cliOptions) {
			reportFlags(fs, o)
			o.addVerbose(fs)
		},
		run: func(c *cmdEnv, args []string) error {
			if c.opts.verbose {
				return buildAndRender(c, args, report.AllSections)
			}
			return buildAndRender(c, args, report.BriefSections)
		},
	}
}

// reportFlags are report's flags, and predict's: predict needs every input
// of the report.
func reportFlags(fs *pflag.FlagSet, o *cliOptions) {
	o.addOutput(fs, true)
	o.addKeys(fs)
	o.addFrag(fs)
	o.addPredict(fs)
	o.addFailOn(fs)
}
