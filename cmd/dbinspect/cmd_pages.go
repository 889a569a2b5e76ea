package main

import (
	"github.com/dbinspect/dbinspect/report"
	"github.com/spf13/pflag"
)

func pagesCommand() *command {
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
node its depth in the bucket's tree (1 at its root, as in the bucket table), elements, and bytes of page header,
element table, keys, values and free space (a node's overflow pages are in
its row; other pages come as runs of one type and bucket).

Examples:
  dbinspect pages db
  dbinspect pages -o json db | jq .pages.by_type
  dbinspect pages --list db | awk -F'	' '$3 == "leaf" && $4 == "key"' | sort -t$'	' -k11 -n`,
		flags: func(fs *pflag.FlagSet, o *cliOptions) {
			o.addOutput(fs, true)
			o.addFrag(fs)
			o.addPageList(fs)
		},
		run: func(c *cmdEnv, args []string) error {
			if c.opts.pageList {
				r, err := buildOne(c, args, report.PagesSections)
				if err != nil {
					return err
				}
				if err := report.WritePageList(c.stdout, r); err != nil {
					return err
				}
				warnPartial(c, r, "pages it could not read are listed as unreadable or free")
				return nil
			}
			return buildAndRender(c, args, report.PagesSections)
		},
	}
}
