package main

import (
	"fmt"

	"github.com/dbinspect/dbinspect/internal/english"
	"github.com/dbinspect/dbinspect/report"
)

// checkOptions are check's flags: output, redaction and the member.
type checkOptions struct {
	out    outputFlags
	redact redactFlags
	in     inputFlags
}

func (o *checkOptions) groups() []flagGroup { return []flagGroup{&o.out, &o.redact, &o.in} }

func checkCommand() *command {
	o := &checkOptions{out: newOutputFlags(false)}
	return &command{
		name:    "check",
		summary: "structural check of every page; exit 1 if the file is damaged",
		usage:   "[flags] PATH",
		help: `Verifies both meta pages, page ids in range, no page reached twice, page
flags, element offsets inside their page, key order within and across pages,
bucket headers, the persisted freelist if any, and the snapshot trailer if
any. Lists every problem with its page id and bucket, and keeps going past
the first. A truncated copy is reported with how many bytes are missing and
which buckets are affected. Exits 1 when the file is damaged, does not match
its snapshot trailer, or changed while it was read (a live db).

Examples:
  dbinspect check db && echo clean`,
		flags: o.groups(),
		run: func(c *cmdEnv, args []string) error {
			r, err := buildOne(c, args, readDB(report.CheckSections, &o.out, &o.in, o.groups()))
			if err != nil {
				return err
			}
			if err := renderReport(c, r, &o.out, report.CheckSections); err != nil {
				return err
			}
			if changed := r.Certainty.Changed; changed != "" {
				// A structure checked while it changed proves nothing, and
				// damage seen in it may be the writes in flight.
				return codedError{exitError, fmt.Errorf("%s: the file changed while it was checked, so the check is not valid: %s", r.Input.Given, changed)}
			}
			if r.Damaged() {
				return codedError{exitError, fmt.Errorf("%s: the file is damaged (%s)", r.Input.Given, english.Plural(len(r.Problems()), "problem"))}
			}
			if r.Input.SnapshotHash == "mismatch" {
				return codedError{exitError, fmt.Errorf("%s: the file does not match its snapshot SHA-256 trailer: it is not the snapshot etcd wrote (etcdutl snapshot restore refuses it; copy it again)", r.Input.Given)}
			}
			return nil
		},
	}
}
