package main

import (
	"fmt"

	"github.com/dbinspect/dbinspect/report"
)

// diffOptions are diff's flags.
type diffOptions struct {
	out    outputFlags
	redact redactFlags
	in     inputFlags
	keys   keyFlags
	failOn failOnFlag
}

func (o *diffOptions) groups() []flagGroup {
	return []flagGroup{&o.out, &o.redact, &o.in, &o.keys, &o.failOn}
}

func diffCommand() *command {
	o := &diffOptions{out: newOutputFlags(false), keys: newKeyFlags()}
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
		flags: o.groups(),
		run: func(c *cmdEnv, args []string) error {
			if len(args) != 2 {
				return usageError{fmt.Sprintf("diff: two paths expected (OLD NEW), got %d; run 'dbinspect help diff'", len(args))}
			}
			d := readDB(report.AllSections, &o.out, &o.in, o.groups())
			// The live keys' fingerprint: diff compares the two dbs key
			// by key with it.
			d.opts.MVCC.LiveKeySet = true
			old, err := buildFrom(c, args[0], d)
			if err != nil {
				return err
			}
			cur, err := buildFrom(c, args[1], d)
			if err != nil {
				return err
			}
			warnPartial(c, old, "its side of the diff covers only what was read")
			warnPartial(c, cur, "its side of the diff covers only what was read")
			diff := report.Compare(old, cur)
			if o.out.output == "json" {
				err = report.WriteDiffJSON(c.stdout, diff)
			} else {
				err = report.WriteDiffText(c.stdout, diff, o.out.color(c.stdout))
			}
			if err != nil {
				return err
			}
			return failOnFindings(&o.failOn, diff.NewFindings)
		},
	}
}
