package main

import (
	"fmt"

	"github.com/dbinspect/dbinspect/internal/english"
	"github.com/dbinspect/dbinspect/internal/termsafe"
	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/pages/defrag/exact"
	"github.com/dbinspect/dbinspect/report"
	"github.com/dbinspect/dbinspect/report/findings"
)

// onePath checks a command got exactly one PATH.
func onePath(c *cmdEnv, args []string) (string, error) {
	switch len(args) {
	case 1:
		return args[0], nil
	case 0:
		return "", usageError{fmt.Sprintf("%s: no PATH given; run 'dbinspect help %s'", c.name, c.name)}
	}
	return "", usageError{fmt.Sprintf("%s: one PATH expected, got %d; use 'dbinspect diff OLD NEW' to compare two dbs", c.name, len(args))}
}

// A reportPart is a group that feeds report.Options. reportOptions applies
// every group's defaults first, so a command without a group reads with
// the same defaults its flags would have.
type reportPart interface {
	applyTo(o *report.Options)
}

// reportOptions is report.Options for sections s from a command's groups.
func reportOptions(s report.Sections, groups []flagGroup) report.Options {
	o := report.Options{Sections: s, MVCC: mvcc.DefaultOptions(), TempDir: newTempDir, RunExact: exact.Run}
	defaults := []reportPart{newOutputFlags(false), newKeyFlags(), newFragFlags(), newQuotaFlag(""), newPredictFlags()}
	for _, p := range defaults {
		p.applyTo(&o)
	}
	for _, g := range groups {
		if p, ok := g.(reportPart); ok {
			p.applyTo(&o)
		}
	}
	return o
}

// dbRead is how a command reads one db: its progress bar, the --member it
// picks and the report it asks for, all from the command's own flags.
type dbRead struct {
	quiet  bool
	member string
	opts   report.Options
}

// readDB is the dbRead of a command whose groups are out, in and the
// report parts in groups.
func readDB(s report.Sections, out *outputFlags, in *inputFlags, groups []flagGroup) dbRead {
	return dbRead{quiet: out.quiet, member: in.member, opts: reportOptions(s, groups)}
}

// buildFrom resolves one user path and builds its report.
func buildFrom(c *cmdEnv, given string, d dbRead) (*report.Report, error) {
	progress, done := newProgress(c.stderr, d.quiet)
	defer done()
	in, err := resolveInputMember(given, progress, d.member)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	memberFS, err := in.memberFiles()
	if err != nil {
		return nil, err
	}
	o := d.opts
	o.Progress = report.ProgressFunc(progress)
	return report.Build(report.Input{Given: in.Given, Path: in.Path, Kind: in.Kind, Resolved: in.Resolved, MemberFS: memberFS}, o)
}

func buildOne(c *cmdEnv, args []string, d dbRead) (*report.Report, error) {
	path, err := onePath(c, args)
	if err != nil {
		return nil, err
	}
	return buildFrom(c, path, d)
}

func renderReport(c *cmdEnv, r *report.Report, out *outputFlags, s report.Sections) error {
	return report.Render(c.stdout, r, report.RenderOptions{
		Format:   string(out.output),
		Sections: s,
		Color:    out.color(c.stdout),
	})
}

// buildAndRender is the body of report, pages, keys and predict: read,
// check what the flags asked against the db (quota and compact: predict's
// and report's, nil for the others), render, and --fail-on.
func buildAndRender(c *cmdEnv, args []string, d dbRead, out *outputFlags, quota *quotaFlag, failOn *failOnFlag) error {
	r, err := buildOne(c, args, d)
	if err != nil {
		return err
	}
	if quota != nil {
		if err := checkCompactAt(c, r, quota.takenNote(), d.opts.MVCC.CompactAt); err != nil {
			return err
		}
	}
	if err := renderReport(c, r, out, d.opts.Sections); err != nil {
		return err
	}
	warnExactRefused(c, r)
	return failOnFindings(failOn, r.Findings)
}

// failOnFindings turns findings at or above --fail-on into exit status 3
// (none for a command without the flag: nil).
func failOnFindings(f *failOnFlag, fs []findings.Finding) error {
	if f == nil || f.level == "" {
		return nil
	}
	n := findings.CountAtLeast(fs, f.level)
	if n == 0 {
		return nil
	}
	return codedError{exitFailOn, fmt.Errorf("%s at or above %s", english.Plural(n, "finding"), f.level)}
}

// warnExactRefused repeats on stderr why --exact was not run, so a script
// reading JSON on stdout sees it too. Like every partial result it leaves
// the exit status alone: the report was written; certainty.partial says
// what it lacks.
func warnExactRefused(c *cmdEnv, r *report.Report) {
	if why := r.ExactRefused; why != "" {
		fmt.Fprintf(c.stderr, "dbinspect: %s\n", termsafe.Text(why))
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
