// Command etcdbench35 is etcdbench's startup subcommand built against etcd
// 3.5 (server and etcdutl v3.5.35), to check dbinspect's 3.5 startup
// predictions against a real 3.5 start. startup.go and startup_child.go are
// symlinks to ../etcdbench: the APIs they use are the same in 3.5.35 and
// 3.7.3. This file is shared with etcdbench37 (a symlink there); version.go
// names each module's program and etcd minor.
package main

import (
	"encoding/json"
	"fmt"
	"os"
)

var usage = `usage: ` + prog + ` startup [flags]

commands:
  startup  restore a db into a fresh data dir and time real etcd ` + etcdMinor + ` startups
  restore  time etcd ` + etcdMinor + `'s storage open and mvcc restore alone on a copy of a db

environment:
  ETCDBENCH_CPUPROFILE=FILE  startup: write a CPU profile of StartEtcd..ready to FILE
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	cmds := map[string]func([]string) error{
		"startup":    runStartup,
		"restore":    runRestore,
		startupChild: runStartupChild,
	}
	run, ok := cmds[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "%s: unknown command %q\n%s", prog, os.Args[1], usage)
		os.Exit(2)
	}
	if err := run(os.Args[2:]); err != nil {
		fmt.Fprintf(os.Stderr, "%s %s: %v\n", prog, os.Args[1], err)
		os.Exit(1)
	}
}

// printJSON writes v as indented JSON on stdout: every command's result.
func printJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
