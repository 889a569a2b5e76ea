package main

import (
	"github.com/dbinspect/dbinspect/report"
)

// predictOptions are predict's flags: every input of the report.
type predictOptions struct{ reportInputs }

func predictCommand() *command {
	o := &predictOptions{newReportInputs()}
	return &command{
		name:    "predict",
		summary: "what etcd will do with this file: startup time, memory, defrag and compaction sizes, quota",
		usage:   "[flags] PATH",
		help: `Predicts, for etcd 3.5, 3.6 and 3.7 (and 3.4, with 3.5's model, for a file 3.4
wrote or with --etcd-version 3.4), the startup time on this file (bbolt open
and populate, freelist rebuild, key index restore, lease recovery, a
re-run compaction), the mmap, treeIndex, raft log and total memory, the db
size after defrag and after compaction plus defrag, and the headroom against
the quota. Every figure states its model and assumptions. Coefficients come
from 'dbinspect calibrate' when it was run on this machine. On a damaged file
startup and memory are lower bounds, and --exact is refused (bbolt trusts its
pages and can crash on damaged ones): the rest is still printed, exit 0.

Examples:
  dbinspect predict db
  dbinspect predict --quota-backend-bytes 8GiB --disk-read-mbps 200 db
  dbinspect predict --exact db        # also defragment a private temp copy`,
		flags: o.groups(),
		run: func(c *cmdEnv, args []string) error {
			d := readDB(report.PredictSections, &o.out, &o.in, o.groups())
			return buildAndRender(c, args, d, &o.out, &o.quota, &o.failOn)
		},
	}
}
