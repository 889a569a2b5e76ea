// Command etcdbench writes large real etcd databases through etcd's own
// storage packages and measures real etcd tools on them (startup of a
// restored member, etcdutl snapshot status). It is a separate module so the
// etcd server never becomes a dependency of dbinspect itself.
package main

import (
	"encoding/json"
	"fmt"
	"os"
)

const usage = `usage: etcdbench <command> [flags]

commands:
  bigdb    write a large real etcd db (etcd 3.6 mvcc/backend write path)
  startup  restore a db into a fresh data dir and time real etcd startups
  status   etcdutl snapshot status of a db, timed
  restore  time etcd 3.6's backend open, lessor and mvcc restore of a db alone

environment:
  ETCDBENCH_CPUPROFILE=FILE  startup: write a CPU profile of StartEtcd..ready to FILE
                             (each run overwrites it; read with go tool pprof -top)
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	cmds := map[string]func([]string) error{
		"bigdb":      runBigDB,
		"startup":    runStartup,
		"status":     runStatus,
		"restore":    runRestore,
		startupChild: runStartupChild,
	}
	run, ok := cmds[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "etcdbench: unknown command %q\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err := run(os.Args[2:]); err != nil {
		fmt.Fprintf(os.Stderr, "etcdbench %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

// printJSON writes v as indented JSON on stdout: every command's result.
func printJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
