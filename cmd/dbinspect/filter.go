package main

import (
	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/report"
	"github.com/spf13/pflag"
)

// filterFlags are 'keys --prefix' and '--namespace': which keys the key
// tables list. keys is the command's key group, whose --no-k8s a
// namespace filter cannot go with.
type filterFlags struct {
	filter mvcc.KeyFilter
	keys   *keyFlags
}

func (o *filterFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&o.filter.Prefix, "prefix", "", "list in the key tables only keys starting with this (e.g. /registry/pods/); the totals stay the whole db's")
	fs.StringVar(&o.filter.Namespace, "namespace", "", "list in the key tables only Kubernetes keys of this namespace (/registry/<resource>/<namespace>/...)")
}

// validate refuses a namespace filter that cannot match.
func (o *filterFlags) validate() error {
	if o.filter.Namespace != "" && o.keys != nil && o.keys.noK8s {
		return usageError{"--namespace needs Kubernetes-aware keys; drop --no-k8s"}
	}
	return nil
}

func (o filterFlags) applyTo(r *report.Options) { r.MVCC.Filter = o.filter }
