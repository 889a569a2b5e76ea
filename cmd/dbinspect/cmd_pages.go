package main

import (
	"github.com/dbinspect/dbinspect/report"
	"github.com/spf13/pflag"
)

// pagesOptions are pages' flags.
type pagesOptions struct {
	outputFlags
	fragFlags
	list listFlag
}

// listFlag is pages' --list, a tab-separated text of its own.
type listFlag struct {
	list bool
	out  *outputFlags
}

func (o *listFlag) bind(fs *pflag.FlagSet) {
	fs.BoolVar(&o.list, "list", false, "list every page instead: one tab-separated row per node or run of pages, in page order")
}

func (o *listFlag) validate() error {
	if o.list && o.out.output != "text" {
		return usageError{"--list writes tab-separated text; drop -o " + string(o.out.output)}
	}
	return nil
}

func pagesCommand() *command {
	o := &pagesOptions{outputFlags: newOutputFlags(true), fragFlags: newFragFlags()}
	o.list.out = &o.outputFlags
	return &command{
		name:    "pages",
		summary: "the bbolt file: meta pages, pages by type, buckets, free space and fragmentation",
		usage:   "[flags] PATH",
		help: `Reads every page of the bbolt file with dbinspect's own reader (never bbolt's,
never the file's lock): both meta pages, the page census by type, per-bucket
pages, keys, depth and fill, the free pages and how bbolt's array and hashmap
freelists would reuse them.

With --list it prints every page instead, in page order, as tab-separated
columns: page id, pages in the row, type, bucket, and for a branch or leaf
node its depth in the bucket's tree, elements, and bytes of page header,
element table, keys, values and free space (a node's overflow pages are in
its row; other pages come as runs of one type and bucket).

Examples:
  dbinspect pages db
  dbinspect pages -o json db | jq .pages.by_type
  dbinspect pages --list db | awk -F'	' '$3 == "leaf" && $4 == "key"' | sort -t$'	' -k11 -n`,
		flags: []flagGroup{&o.outputFlags, &o.fragFlags, &o.list},
		run: func(c *cmdEnv, args []string) error {
			ro := reportOptions(report.PagesSections, o.output, newKeyFlags(), o.fragFlags, newPredictFlags())
			if o.list.list {
				ro.PageList = true
				r, err := buildOne(c, args, o.quiet, ro)
				if err != nil {
					return err
				}
				if err := report.WritePageList(c.stdout, r); err != nil {
					return err
				}
				warnPartial(c, r, "pages it could not read are listed as unreadable or free")
				return nil
			}
			return buildAndRender(c, args, &o.outputFlags, ro, failOnFlag{})
		},
	}
}
