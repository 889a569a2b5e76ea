package main

import (
	"github.com/dbinspect/dbinspect/report"
)

// keysOptions are keys' flags.
type keysOptions struct {
	out    outputFlags
	redact redactFlags
	in     inputFlags
	keys   keyFlags
	filter filterFlags
}

func (o *keysOptions) groups() []flagGroup {
	return []flagGroup{&o.out, &o.redact, &o.in, &o.keys, &o.filter}
}

func keysCommand() *command {
	o := &keysOptions{out: newOutputFlags(false), keys: newKeyFlags()}
	o.filter.keys = &o.keys
	return &command{
		name:    "keys",
		summary: "etcd's keys: revisions, history, prefixes, top keys, leases, auth, members",
		usage:   "[flags] PATH",
		help: `Rebuilds etcd's key index from the key bucket as etcd does at startup and
reports revisions, compaction state, live and deleted keys, history per key
and per prefix (Kubernetes /registry/<resource>/<namespace>/ aware), the top
keys by revisions, history bytes and value size, leases, auth, members and
alarms, and the figures 'etcdutl snapshot status' prints (on a file etcd 3.4
wrote, 3.4's 'etcdctl snapshot status': 3.4 has no etcdutl). Values are never
printed; --redact hashes key names and other names (below).

Examples:
  dbinspect keys --top 25 db
  dbinspect keys --prefix /registry/pods/ --namespace prod db  # one namespace's pods
  dbinspect keys --no-k8s --prefix-depth 3 db
  dbinspect keys -o json --redact db

Redaction:
` + redactPolicy,
		flags: o.groups(),
		run: func(c *cmdEnv, args []string) error {
			return buildAndRender(c, args, readDB(report.KeysSections, &o.out, &o.in, o.groups()), &o.out, nil, nil)
		},
	}
}
