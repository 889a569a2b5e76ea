package main

import (
	"fmt"

	"github.com/dbinspect/dbinspect/internal/termsafe"
	"github.com/dbinspect/dbinspect/mvcc"
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

// reportOptions turns the flags into report.Options.
func (o *cliOptions) reportOptions(s report.Sections, progress progressFunc) report.Options {
	mo := mvcc.DefaultOptions()
	mo.TopN, mo.PrefixSeparator, mo.PrefixDepth = o.top, o.prefixSep, o.prefixDepth
	mo.K8s, mo.CompactAt, mo.LiveKeySet, mo.Filter = !o.noK8s, o.compactAt, o.liveKeySet, o.filter
	return report.Options{
		Sections:     s,
		Redact:       o.redact.policy(),
		MVCC:         mo,
		WriteBytes:   int64(o.writeBytes),
		Seeds:        o.seeds,
		QuotaBytes:   int64(o.quota.byteSize),
		DiskReadMBps: o.diskReadMBps,
		EtcdVersion:  o.etcdVersion,
		Exact:        o.exact,
		Calibration:  o.calibration,
		PageMap:      o.output == "html",
		PageList:     o.pageList,
		Progress:     report.ProgressFunc(progress),
		TempDir:      newTempDir,
	}
}

// buildFrom resolves one user path and builds its report.
func buildFrom(c *cmdEnv, given string, s report.Sections) (*report.Report, error) {
	progress, done := newProgress(c.stderr, c.opts.quiet)
	defer done()
	in, err := resolveInputMember(given, progress, c.opts.member)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	memberFS, err := in.memberFiles()
	if err != nil {
		return nil, err
	}
	return report.Build(report.Input{Given: in.Given, Path: in.Path, Kind: in.Kind, Resolved: in.Resolved, MemberFS: memberFS}, c.opts.reportOptions(s, progress))
}

func buildOne(c *cmdEnv, args []string, s report.Sections) (*report.Report, error) {
	path, err := onePath(c, args)
	if err != nil {
		return nil, err
	}
	return buildFrom(c, path, s)
}

func renderReport(c *cmdEnv, r *report.Report, s report.Sections) error {
	return report.Render(c.stdout, r, report.RenderOptions{
		Format:   string(c.opts.output),
		Sections: s,
		Color:    c.opts.color(c.stdout),
	})
}

// buildAndRender is the body of report, pages, keys and predict.
func buildAndRender(c *cmdEnv, args []string, s report.Sections) error {
	r, err := buildOne(c, args, s)
	if err != nil {
		return err
	}
	if err := checkCompactAt(c, r); err != nil {
		return err
	}
	if err := renderReport(c, r, s); err != nil {
		return err
	}
	warnExactRefused(c, r)
	return failOn(c, r.Findings)
}

// failOn turns findings at or above --fail-on into exit status 3.
func failOn(c *cmdEnv, fs []findings.Finding) error {
	if c.opts.failOn == "" {
		return nil
	}
	n := findings.CountAtLeast(fs, c.opts.failOn)
	if n == 0 {
		return nil
	}
	return codedError{exitFailOn, fmt.Errorf("%s at or above %s", plural(n, "finding"), c.opts.failOn)}
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
