package main

import "github.com/spf13/pflag"

// addVerbose binds report's -v: the full text report instead of its first
// screen.
func (o *cliOptions) addVerbose(fs *pflag.FlagSet) {
	fs.BoolVarP(&o.verbose, "verbose", "v", false, "every section of the text report, not only its first screen (summary, top prefixes, findings, predictions)")
}
