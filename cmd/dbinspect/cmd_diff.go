package main

import (
	"fmt"

	"github.com/dbinspect/dbinspect/internal/termsafe"
	"github.com/dbinspect/dbinspect/report"
)

func diffCommand() *command {
	return &command{
		name:    "diff",
		summary: "compare two dbs (say, yesterday's and today's backup): growth, prefixes, new findings",
		usage:   "[flags] OLD NEW",
		help: `Reads both files fully and compares them: revision and size growth; per
prefix, the live keys added and removed (compared key by key, through a
64-bit hash of each live key: 12 bytes a key, and a chance below one in
a million of miscounting a key among 10 million), revisions, and live and
history bytes before and after; and findings that are new or resolved. With --fail-on, exits 3 when NEW has a new finding at or above
that severity.

Examples:
  dbinspect diff backup-2026-11-22.db backup-2026-11-23.db
  dbinspect diff -o json old.db new.db | jq '.prefixes[:5]'`,
		run: func(c *cmdEnv, args []string) error {
			if len(args) != 2 {
				return usageError{fmt.Sprintf("diff: two paths expected (OLD NEW), got %d; run 'dbinspect help diff'", len(args))}
			}
			c.opts.liveKeySet = true
			old, err := buildFrom(c, args[0], report.AllSections)
			if err != nil {
				return err
			}
			cur, err := buildFrom(c, args[1], report.AllSections)
			if err != nil {
				return err
			}
			warnPartial(c, old, "its side of the diff covers only what was read")
			warnPartial(c, cur, "its side of the diff covers only what was read")
			d := report.Compare(old, cur)
			if c.opts.output == "json" {
				err = report.WriteDiffJSON(c.stdout, d)
			} else {
				err = report.WriteDiffText(c.stdout, d, c.opts.color(c.stdout))
			}
			if err != nil {
				return err
			}
			return failOn(c, d.NewFindings)
		},
	}
}

func calibrateCommand() *command {
	return &command{
		name:    "calibrate",
		summary: "measure this machine's speed at etcd's startup work, for 'predict'",
		usage:   "[flags]",
		help: `Measures, on this machine, the kinds of work etcd does when it opens a db
(reading file pages into memory, walking bbolt pages, decoding revisions with
etcd's own protobuf code, inserting keys into a B-tree, recovering leases) and
saves the coefficients. 'predict' and 'report' then use them. Takes about half
a minute on 2 cores (most of it timing lookups in an etcd-shaped index of a
million keys) and about 400 MB of memory, and writes only the calibration file
and, briefly, a scratch file in the temp dir.

Examples:
  dbinspect calibrate
  dbinspect calibrate --calibration ./machine-a.json`,
		run: func(c *cmdEnv, args []string) error {
			if len(args) != 0 {
				return usageError{"calibrate takes no arguments"}
			}
			path := c.opts.calibration
			if path == "" {
				p, err := report.DefaultCalibrationPath()
				if err != nil {
					return err
				}
				path = p
			}
			cal, steps, err := report.Calibrate(report.CalibrateOptions{TempDir: newTempDir})
			if err != nil {
				return err
			}
			if err := report.SaveCalibration(path, cal); err != nil {
				return err
			}
			fmt.Fprint(c.stdout, report.DescribeCalibration(cal, steps, path))
			return nil
		},
	}
}

// warnPartial says on stderr that a db was read only in part, and what
// that means for the output (consequence): for output with no certainty of
// its own (the page list), or to reach a script that reads stdout.
func warnPartial(c *cmdEnv, r *report.Report, consequence string) {
	if r.Certainty.Complete {
		return
	}
	why := "it is damaged: part of it could not be read or decoded"
	if r.Certainty.Changed != "" {
		why = "it changed while it was read"
	}
	fmt.Fprintf(c.stderr, "dbinspect: %s: partial: %s, so %s; run 'dbinspect report %s' to see what is certain\n", termsafe.Args([]any{r.Input.Given, why, consequence, r.Input.Given})...)
}
