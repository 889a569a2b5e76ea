package main

import (
	"github.com/spf13/pflag"
)

// addFilter binds 'keys --prefix' and '--namespace': which keys the key
// tables list.
func (o *cliOptions) addFilter(fs *pflag.FlagSet) {
	fs.StringVar(&o.filter.Prefix, "prefix", "", "list in the key tables only keys starting with this (e.g. /registry/pods/); the totals stay the whole db's")
	fs.StringVar(&o.filter.Namespace, "namespace", "", "list in the key tables only Kubernetes keys of this namespace (/registry/<resource>/<namespace>/...)")
}

// filterError refuses a namespace filter that cannot match.
func (o *cliOptions) filterError() error {
	if o.filter.Namespace != "" && o.noK8s {
		return usageError{"--namespace needs Kubernetes-aware keys; drop --no-k8s"}
	}
	return nil
}
