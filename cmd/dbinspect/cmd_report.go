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

Examples:
  dbinspect report /var/lib/etcd/member/snap/db
  dbinspect report -o json --redact snapshot.db > report.json
  dbinspect report -o html backup.db.gz > report.html
  dbinspect report --fail-on critical db || echo "needs attention"

Redaction:
` + redactPolicy,
		flags: reportFlags,
		run: func(c *cmdEnv, args []string) error {
			return buildAndRender(c, args, report.AllSections)
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
