package main

import (
	"github.com/dbinspect/dbinspect/report"
	"github.com/spf13/pflag"
)

// pagesOptions are pages' flags.
type pagesOptions struct {
	out    outputFlags
	redact redactFlags
	in     inputFlags
	frag   fragFlags
	list   listFlag
}

func (o *pagesOptions) groups() []flagGroup {
	return []flagGroup{&o.out, &o.redact, &o.in, &o.frag, &o.list}
}

// listFlag is pages' --list: tab-separated text of its own.
type listFlag struct {
	list bool
	out  *outputFlags // the command's -o, which --list cannot go with
}

func (o *listFlag) register(fs *pflag.FlagSet) {
	fs.BoolVar(&o.list, "list", false, "list every page instead: one tab-separated row per node or run of pages, in page order")
}

func (o *listFlag) validate() error {
	if o.list && o.out.output != "text" {
		return usageError{"--list writes tab-separated text; drop -o " + string(o.out.output)}
	}
	return nil
}

// applyTo collects every node's detail for the list.
func (o listFlag) applyTo(r *report.Options) { r.PageList = o.list }

func pagesCommand() *command {
	o := &pagesOptions{out: newOutputFlags(true), frag: newFragFlags()}
	o.list.out = &o.out
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
		flags: o.groups(),
		run: func(c *cmdEnv, args []string) error {
			d := readDB(report.PagesSections, &o.out, &o.in, o.groups())
			if o.list.list {
				r, err := buildOne(c, args, d)
				if err != nil {
					return err
				}
				if err := report.WritePageList(c.stdout, r); err != nil {
					return err
				}
				warnPartial(c, r, "pages it could not read are listed as unreadable or free")
				return nil
			}
			return buildAndRender(c, args, d, &o.out, nil, nil)
		},
	}
}
