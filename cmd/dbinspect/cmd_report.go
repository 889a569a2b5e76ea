package main

import (
	"fmt"

	"github.com/dbinspect/dbinspect/report"
)

func reportCommand() *command {
	return &command{
		name:    "report",
		summary: "everything: pages, buckets, keys, fragmentation, predictions, findings (the default)",
		usage:   "[flags] PATH",
		help: `Reads the whole file once and reports, from one model: the file and its meta
pages, pages by type and per bucket, free-page fragmentation under bbolt's
array and hashmap freelists, etcd's keys, revisions and history by prefix
(Kubernetes aware), leases, auth and members, and predictions of etcd's
startup time, memory, and the size after compaction and defrag, with the
findings that follow and what to do about them.

Examples:
  dbinspect report /var/lib/etcd/member/snap/db
  dbinspect report -o json --redact-keys snapshot.db > report.json
  dbinspect report -o html backup.db.gz > report.html
  dbinspect report --fail-on critical db || echo "needs attention"`,
		run: func(c *cmdEnv, args []string) error {
			return buildAndRender(c, args, report.AllSections)
		},
	}
}

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
node its depth in the bucket's tree, elements, and bytes of page header,
element table, keys, values and free space (a node's overflow pages are in
its row; other pages come as runs of one type and bucket).

Examples:
  dbinspect pages db
  dbinspect pages -o json db | jq .pages.by_type
  dbinspect pages --list db | awk -F'	' '$3 == "leaf" && $4 == "key"' | sort -t$'	' -k11 -n`,
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

func keysCommand() *command {
	return &command{
		name:    "keys",
		summary: "etcd's keys: revisions, history, prefixes, top keys, leases, auth, members",
		usage:   "[flags] PATH",
		help: `Rebuilds etcd's key index from the key bucket as etcd does at startup and
reports revisions, compaction state, live and deleted keys, history per key
and per prefix (Kubernetes /registry/<resource>/<namespace>/ aware), the top
keys by revisions, history bytes and value size, leases, auth, members and
alarms, and the figures 'etcdutl snapshot status' prints. Values are never
printed; --redact-keys hashes key names.

Examples:
  dbinspect keys --top 25 db
  dbinspect keys --no-k8s --prefix-depth 3 db
  dbinspect keys -o json --redact-keys db`,
		run: func(c *cmdEnv, args []string) error {
			return buildAndRender(c, args, report.KeysSections)
		},
	}
}

func predictCommand() *command {
	return &command{
		name:    "predict",
		summary: "what etcd will do with this file: startup time, memory, defrag and compaction sizes, quota",
		usage:   "[flags] PATH",
		help: `Predicts, for etcd 3.5, 3.6 and 3.7, the startup time on this file (bbolt open
and populate, freelist rebuild, key index restore, lease recovery, a
re-run compaction), the mmap, treeIndex, raft log and total memory, the db
size after defrag and after compaction plus defrag, and the headroom against
the quota. Every figure states its model and assumptions. Coefficients come
from 'dbinspect calibrate' when it was run on this machine. On a damaged file
startup and memory are lower bounds, and --exact is refused (bbolt trusts its
pages and can crash on damaged ones): the rest is still printed, exit 0.

Examples:
  dbinspect predict db
  dbinspect predict --quota-backend-bytes 8GiB --disk-read-mbps 200 db
  dbinspect predict --exact db        # also defragment a private temp copy`,
		run: func(c *cmdEnv, args []string) error {
			return buildAndRender(c, args, report.PredictSections)
		},
	}
}

func checkCommand() *command {
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
		run: func(c *cmdEnv, args []string) error {
			r, err := buildOne(c, args, report.CheckSections)
			if err != nil {
				return err
			}
			if err := renderReport(c, r, report.CheckSections); err != nil {
				return err
			}
			if changed := r.Certainty.Changed; changed != "" {
				// A structure checked while it changed proves nothing, and
				// damage seen in it may be the writes in flight.
				return codedError{exitError, fmt.Errorf("%s: the file changed while it was checked, so the check is not valid: %s", r.Input.Given, changed)}
			}
			if r.Damaged() {
				return codedError{exitError, fmt.Errorf("%s: the file is damaged (%d problems)", r.Input.Given, len(r.Problems()))}
			}
			if r.Input.SnapshotHash == "mismatch" {
				return codedError{exitError, fmt.Errorf("%s: the file does not match its snapshot SHA-256 trailer: it is not the snapshot etcd wrote (etcdutl snapshot restore refuses it; copy it again)", r.Input.Given)}
			}
			return nil
		},
	}
}

func versionCommand() *command {
	return &command{
		name:    "version",
		summary: "print dbinspect's version and the formats it reads",
		usage:   "",
		help:    "Prints the version of dbinspect, of the JSON schema it writes, and of the bbolt and etcd formats it knows.",
		run: func(c *cmdEnv, args []string) error {
			if len(args) > 0 {
				return usageError{"version takes no arguments"}
			}
			fmt.Fprintln(c.stdout, report.VersionLine())
			return nil
		},
	}
}
