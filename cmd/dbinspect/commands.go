package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/dbinspect/dbinspect/report"
	"github.com/spf13/pflag"
)

// errHelpShown ends a command after it printed its help (exit 0).
var errHelpShown = errors.New("help shown")

// A command is one subcommand: its name, one-line summary, and body.
type command struct {
	name    string
	summary string
	usage   string // the argument synopsis after the name
	help    string // longer description and examples
	// flags are the flag groups of the command's own options, in the
	// order its help lists them (nil: none); run reads the options they
	// fill, parsed and validated.
	flags []flagGroup
	run   func(c *cmdEnv, args []string) error
}

// cmdEnv is what every command gets: its streams and its flag set.
type cmdEnv struct {
	name   string
	stdout io.Writer
	stderr io.Writer
	flags  *pflag.FlagSet
}

// commands lists the subcommands in the order 'dbinspect help' shows them.
func commands() []*command {
	return []*command{
		reportCommand(),
		pagesCommand(),
		keysCommand(),
		predictCommand(),
		checkCommand(),
		diffCommand(),
		trendCommand(),
		walCommand(),
		calibrateCommand(),
		versionCommand(),
	}
}

func findCommand(name string) *command {
	for _, c := range commands() {
		if c.name == name {
			return c
		}
	}
	return nil
}

const overview = `dbinspect reads a copy of an etcd database (member/snap/db, a data dir, or a
file saved by 'etcdctl snapshot save') fully offline and reports what is in it,
what it costs etcd, and what to do about it. It never writes to its input,
never takes its lock (a db held by a running etcd can be read), and never
prints stored values.

Usage:
  dbinspect [command] [flags] PATH

PATH may be a db file, an etcd data dir (PATH/member/snap/db), a member dir
(PATH/snap/db), a snapshot file (its SHA-256 trailer is verified), - for stdin,
or any of these compressed as .gz, .tar or .tar.gz. The db read inside a dir
or archive is named in the output; when there are several (node1/member/...,
node2/member/...), --member NAME picks one.

Commands:
%s
Run 'dbinspect help COMMAND' for a command's flags.

Examples:
  dbinspect /var/lib/etcd                  # full report of a data dir
  dbinspect report -o json snapshot.db     # the same as JSON, for scripts
  dbinspect report -o html db > db.html    # a page to attach to a ticket
  dbinspect check db                       # structural check; exit 1 if damaged
  dbinspect keys --top 20 db               # where the keys, history and bytes are
  dbinspect diff monday.db tuesday.db      # what grew between two backups
  dbinspect trend /backups/etcd/           # growth, write rate, quota date over a series

Exit status: 0 ok, 1 error or damaged file, 2 usage error,
3 a finding at or above --fail-on. On a damaged file check exits 1; report,
pages, keys and predict lead with the damage, write what they could read and
exit 0 (3 with --fail-on critical: damage is a critical finding).
`

func usageText() string {
	var b strings.Builder
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(&b, "  %-10s %s\n", "help", "show this help, or a command's")
	return fmt.Sprintf(overview, b.String())
}

// dispatch picks the command. A bare path means 'report PATH'.
func dispatch(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usageText())
		return usageError{"no command or path given"}
	}
	name := args[0]
	switch name {
	case "help", "-h", "--help":
		if len(args) > 1 && name == "help" && args[1] != "help" {
			c := findCommand(args[1])
			if c == nil {
				return usageError{fmt.Sprintf("no command %q; run 'dbinspect help'", args[1])}
			}
			fs := newFlagSet(c)
			printCommandHelp(stdout, c, fs)
			return nil
		}
		fmt.Fprint(stdout, usageText())
		return nil
	case "--version":
		name = "version"
	}
	c := findCommand(name)
	if c == nil {
		if strings.HasPrefix(name, "-") || looksLikePath(name) {
			c, args = findCommand("report"), append([]string{"report"}, args...)
		} else {
			return usageError{fmt.Sprintf("unknown command %q; run 'dbinspect help' (to read a file of that name, say 'dbinspect report %s')", name, name)}
		}
	}
	fs := newFlagSet(c)
	env := &cmdEnv{name: c.name, stdout: stdout, stderr: stderr, flags: fs}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			printCommandHelp(stdout, c, fs)
			return errHelpShown
		}
		return usageError{fmt.Sprintf("%s: %v; run 'dbinspect help %s'", c.name, err, c.name)}
	}
	if err := validateGroups(c.flags); err != nil {
		return err
	}
	err := c.run(env, fs.Args())
	if r := c.redaction(); err != nil && r.On {
		err = redactPathsIn(err, fs.Args(), r)
	}
	return err
}

// redaction is the command's --redact policy (none for a command without
// the flags).
func (c *command) redaction() report.Redaction {
	for _, g := range c.flags {
		if r, ok := g.(*redactFlags); ok {
			return r.policy()
		}
	}
	return report.Redaction{}
}

// looksLikePath is true for arguments that are clearly not command names.
func looksLikePath(s string) bool {
	return strings.ContainsAny(s, "/.\\") || fileExists(s)
}

func newFlagSet(c *command) *pflag.FlagSet {
	fs := pflag.NewFlagSet(c.name, pflag.ContinueOnError)
	fs.SortFlags = false
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	registerGroups(fs, c.flags)
	return fs
}

func printCommandHelp(w io.Writer, c *command, fs *pflag.FlagSet) {
	fmt.Fprintf(w, "Usage: dbinspect %s %s\n\n%s\n", c.name, c.usage, strings.TrimSpace(c.help))
	if fs.HasFlags() {
		fmt.Fprintf(w, "\nFlags:\n%s", flagUsages(fs))
	}
}

// flagUsages lists the flags as GNU tools do: the flag and its argument,
// then the description, wrapped, with the default when it says something.
func flagUsages(fs *pflag.FlagSet) string {
	type row struct{ flag, desc string }
	var rows []row
	width := 0
	fs.VisitAll(func(f *pflag.Flag) {
		name := "    --" + f.Name
		if f.Shorthand != "" {
			name = "-" + f.Shorthand + ", --" + f.Name
		}
		varname, usage := pflag.UnquoteUsage(f)
		if f.Value.Type() != "bool" && varname != "" {
			name += " " + varname
		}
		if d := f.DefValue; f.Value.Type() != "bool" && d != "" && d != "0" && d != "[]" && !strings.Contains(usage, "(default") {
			if f.Value.Type() == "string" {
				d = fmt.Sprintf("%q", d)
			}
			usage += " (default " + d + ")"
		}
		rows = append(rows, row{name, usage})
		width = max(width, len(name))
	})
	var b strings.Builder
	for _, r := range rows {
		lines := wrap(r.desc, 78-width-6)
		fmt.Fprintf(&b, "  %-*s  %s\n", width, r.flag, lines[0])
		for _, l := range lines[1:] {
			fmt.Fprintf(&b, "  %-*s  %s\n", width, "", l)
		}
	}
	return b.String()
}

// wrap breaks text into lines of at most n bytes at spaces.
func wrap(text string, n int) []string {
	n = max(n, 30)
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > n {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return append(lines, line)
}
