package main

import (
	"fmt"

	"github.com/dbinspect/dbinspect/internal/termsafe"
	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/report"
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
	return report.Options{
		Sections: s,
		MVCC: mvcc.Options{
			TopN:            o.top,
			PrefixSeparator: o.prefixSep,
			PrefixDepth:     o.prefixDepth,
			K8s:             !o.noK8s,
			RedactKeys:      o.redactKeys,
			CompactAt:       o.compactAt,
			LiveKeySet:      o.liveKeySet,
		},
		WriteBytes:   int64(o.writeBytes),
		Seeds:        o.seeds,
		QuotaBytes:   int64(o.quota),
		DiskReadMBps: o.diskReadMBps,
		EtcdVersion:  o.etcdVersion,
		Exact:        o.exact,
		CompactAt:    o.compactAt,
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
	in, err := resolveInput(given, progress)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	return report.Build(report.Input{Given: in.Given, Path: in.Path, Kind: in.Kind}, c.opts.reportOptions(s, progress))
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
	if err := renderReport(c, r, s); err != nil {
		return err
	}
	warnExactRefused(c, r)
	return failOn(c, r.Findings)
}

// failOn turns findings at or above --fail-on into exit status 3.
func failOn(c *cmdEnv, findings []report.Finding) error {
	if c.opts.failOn == "" {
		return nil
	}
	n := report.CountAtLeast(findings, c.opts.failOn)
	if n == 0 {
		return nil
	}
	return codedError{exitFailOn, fmt.Errorf("%d finding(s) at or above %s", n, c.opts.failOn)}
}

// warnExactRefused repeats on stderr why --exact was not run, so a script
// reading JSON on stdout sees it too. Like every partial result it leaves
// the exit status alone: the report was written; certainty.partial says
// what it lacks.
func warnExactRefused(c *cmdEnv, r *report.Report) {
	if why := r.ExactRefused(); why != "" {
		fmt.Fprintf(c.stderr, "dbinspect: %s\n", termsafe.Text(why))
	}
}
