// Command etcdcost measures what reads cost a real etcd server: it writes a
// db through a real member (a child process of this program embedding the
// etcd server), then times unpaginated, count-only and limited ranges over
// each prefix from a network clientv3 and reads the server's memory around
// each: bytes the Go runtime allocated (runtime.MemStats.TotalAlloc, the
// go_memstats_alloc_bytes_total of /metrics) and the peak RSS (VmHWM, reset
// before each range through /proc/PID/clear_refs). The db it leaves is what
// dbinspect predicts the same figures from (README.md). A separate module,
// so the etcd server never becomes a dependency of dbinspect; etcdcost35
// links the same files against etcd 3.5.
package main

import (
	"encoding/json"
	"fmt"
	"os"
)

const usage = `usage: etcdcost <command> [flags]

commands:
  measure  write a db through a real member and measure ranges over it
  follower add a member to a running one and time its catch-up
  snapshot time 'etcdctl snapshot save' of a db being written and its growth meanwhile
  leases   the lessor's memory: a member's live heap with and without leases
  compare-leases  a markdown row of dbinspect's lessor heap beside what leases saw
  probe    what a small range's wall time is made of (idle, freed heap, ReadIndex)
  compare  a markdown table of dbinspect's range costs beside what measure saw
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	cmds := map[string]func([]string) error{
		"measure":        runMeasure,
		"probe":          runProbe,
		"compare":        runCompare,
		"follower":       runFollower,
		"snapshot":       runSnapshot,
		"leases":         runLeases,
		"compare-leases": runCompareLeases,
		serverChild:      runServerChild,
	}
	run, ok := cmds[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "etcdcost: unknown command %q\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err := run(os.Args[2:]); err != nil {
		fmt.Fprintf(os.Stderr, "etcdcost %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func printJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
