package main

import (
	"fmt"

	"github.com/dbinspect/dbinspect/pages/defrag/exact"

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

// reportOptions turns a command's flag groups into report.Options; a
// command without a group passes its defaults (newKeyFlags() ...).
func reportOptions(s report.Sections, out outputFormat, k keyFlags, f fragFlags, p predictFlags) report.Options {
	mo := mvcc.DefaultOptions()
	mo.TopN, mo.PrefixSeparator, mo.PrefixDepth = k.top, k.prefixSep, k.prefixDepth
	mo.K8s, mo.RedactKeys, mo.CompactAt = !k.noK8s, k.redactKeys, p.compactAt
	return report.Options{
		Sections:     s,
		MVCC:         mo,
		WriteBytes:   int64(f.writeBytes),
		Seeds:        f.seeds,
		QuotaBytes:   int64(p.quota),
		DiskReadMBps: p.diskReadMBps,
		EtcdVersion:  p.etcdVersion,
		Exact:        p.exact,
		Calibration:  p.calibration,
		PageMap:      out == "html",
		TempDir:      newTempDir,
		RunExact:     exact.Run,
	}
}

// buildFrom resolves one user path and builds its report, with a progress
// bar on stderr unless quiet.
func buildFrom(c *cmdEnv, given string, quiet bool, o report.Options) (*report.Report, error) {
	progress, done := newProgress(c.stderr, quiet)
	defer done()
	in, err := resolveInput(given, progress)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	memberDir, err := in.memberDir()
	if err != nil {
		return nil, err
	}
	o.Progress = report.ProgressFunc(progress)
	return report.Build(report.Input{Given: in.Given, Path: in.Path, Kind: in.Kind, MemberDir: memberDir}, o)
}

func buildOne(c *cmdEnv, args []string, quiet bool, o report.Options) (*report.Report, error) {
	path, err := onePath(c, args)
	if err != nil {
		return nil, err
	}
	return buildFrom(c, path, quiet, o)
}

func renderReport(c *cmdEnv, r *report.Report, out *outputFlags) error {
	return report.Render(c.stdout, r, report.RenderOptions{
		Format:   string(out.output),
		Sections: r.Sections,
		Color:    out.color(c.stdout),
	})
}

// buildAndRender is the body of report, pages, keys and predict.
func buildAndRender(c *cmdEnv, args []string, out *outputFlags, o report.Options, level failOnFlag) error {
	r, err := buildOne(c, args, out.quiet, o)
	if err != nil {
		return err
	}
	if err := renderReport(c, r, out); err != nil {
		return err
	}
	warnExactRefused(c, r)
	return failOn(r.Findings, level)
}

// failOn turns findings at or above --fail-on into exit status 3.
func failOn(fs []findings.Finding, level failOnFlag) error {
	if level.failOn == "" {
		return nil
	}
	n := findings.CountAtLeast(fs, level.failOn)
	if n == 0 {
		return nil
	}
	return codedError{exitFailOn, fmt.Errorf("%d finding(s) at or above %s", n, level.failOn)}
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
