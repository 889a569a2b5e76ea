package main

import (
	"fmt"

	"github.com/dbinspect/dbinspect/report/calibrate"
	"github.com/dbinspect/dbinspect/report/calibrate/measure"
	"github.com/spf13/pflag"
)

// calibrateFlags are calibrate's one flag: where to save.
type calibrateFlags struct{ path string }

func (o *calibrateFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&o.path, "calibration", "", "file to save the coefficients in (default: the user config dir's dbinspect/calibration.json)")
}

func (o *calibrateFlags) validate() error { return nil }

func calibrateCommand() *command {
	o := &calibrateFlags{}
	return &command{
		name:    "calibrate",
		summary: "measure this machine's speed at etcd's startup work, for 'predict'",
		usage:   "[flags]",
		help: `Measures, on this machine, the kinds of work etcd does when it opens a db
(reading file pages into memory, walking bbolt pages, decoding revisions with
etcd's own protobuf code, inserting keys into a B-tree, recovering leases) and
when a member restarts (reading and decoding its WAL, unmarshalling requests,
applying puts again), and the ranges the costs section prices (etcd's range
rebuilt: the treeIndex walk, bbolt reads, the response marshalled, sent over a
loopback TCP connection and decoded), and saves the coefficients. 'predict' and 'report' then use them. Takes about half
a minute on 2 quiet cores (most of it timing lookups in an etcd-shaped index
of a million keys; several minutes on a loaded machine) and about 450 MB of
memory, and writes only the calibration file and, briefly, scratch files in
the temp dir (a bbolt db synced as etcd syncs its own: put TMPDIR where etcd
keeps its data for the apply figures to be that disk's).

The coefficients describe THIS machine. To predict a customer's member, make
a profile on its node (or a machine like it) and use it here:
  (on the node)  dbinspect calibrate --calibration node.json
  (here)         dbinspect predict --calibration node.json DB
The lookup timings (treeIndex Gets at 4 tree sizes, random, ascending and
interleaved) are medians of 5 runs, each normalised by a reference loop, so
that clock-speed changes and pauses move them little; steps are announced on
stderr when it is a terminal.

Examples:
  dbinspect calibrate
  dbinspect calibrate --calibration ./machine-a.json`,
		flags: []flagGroup{o},
		run: func(c *cmdEnv, args []string) error {
			if len(args) != 0 {
				return usageError{"calibrate takes no arguments"}
			}
			path := o.path
			if path == "" {
				p, err := calibrate.DefaultPath()
				if err != nil {
					return err
				}
				path = p
			}
			// Progress on a terminal: the steps take from seconds to minutes.
			var progress func(string)
			if isTerminal(c.stderr) {
				fmt.Fprintln(c.stderr, "calibrate: measuring THIS machine's speed at etcd's startup work (about a minute on 2 quiet cores)")
				progress = func(step string) { fmt.Fprintf(c.stderr, "calibrate: %s...\n", step) }
			}
			cal, steps, err := measure.Run(measure.Options{TempDir: newTempDir, Progress: progress})
			if err != nil {
				return err
			}
			if err := calibrate.Save(path, cal); err != nil {
				return err
			}
			fmt.Fprint(c.stdout, measure.Describe(cal, steps, path))
			return nil
		},
	}
}
