package main

import (
	"fmt"

	"github.com/dbinspect/dbinspect/report"
	"github.com/spf13/pflag"
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
		flags: func(fs *pflag.FlagSet, o *cliOptions) {
			o.addOutput(fs, false)
			o.addKeys(fs)
			o.addFailOn(fs)
		},
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
