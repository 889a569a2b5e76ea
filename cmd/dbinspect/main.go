// Command dbinspect reads a copied etcd database file offline and reports
// what is inside it, what it costs, and what to do about it.
//
// It never writes to its input, never takes the file's lock, and never
// prints stored values. Run 'dbinspect help' for usage.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/dbinspect/dbinspect/internal/termsafe"
)

// Exit codes, documented in 'dbinspect help'.
const (
	exitOK     = 0
	exitError  = 1
	exitUsage  = 2
	exitFailOn = 3
	exitSignal = 130
)

func main() {
	sig := make(chan os.Signal, 1)
	// SIGHUP is what a dropped ssh session sends; SIGQUIT (Ctrl-\\) would
	// otherwise dump goroutines and exit, leaving the temp files.
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	go func() {
		<-sig
		removeTempDirs()
		fmt.Fprintln(os.Stderr, "\ndbinspect: interrupted; temp files removed")
		os.Exit(exitSignal)
	}()
	stop := startProfiles()
	code := run(os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// startProfiles writes pprof CPU and heap profiles when
// DBINSPECT_CPUPROFILE / DBINSPECT_MEMPROFILE name files: how BENCHMARKS.md
// profiles are taken, without a flag users would see.
func startProfiles() (stop func()) {
	var stops []func()
	if p := os.Getenv("DBINSPECT_CPUPROFILE"); p != "" {
		if f, err := os.Create(p); err == nil && pprof.StartCPUProfile(f) == nil {
			stops = append(stops, func() { pprof.StopCPUProfile(); f.Close() })
		}
	}
	if p := os.Getenv("DBINSPECT_MEMPROFILE"); p != "" {
		stops = append(stops, func() {
			if f, err := os.Create(p); err == nil {
				pprof.Lookup("allocs").WriteTo(f, 0)
				f.Close()
			}
		})
	}
	return func() {
		for _, s := range stops {
			s()
		}
	}
}

// exitError carries a specific exit code out of a command.
type codedError struct {
	code int
	err  error
}

func (e codedError) Error() string { return e.err.Error() }
func (e codedError) Unwrap() error { return e.err }

// run is the whole program minus process exit, so tests call it in-process.
func run(args []string, stdout, stderr io.Writer) int {
	err := dispatch(args, stdout, stderr)
	if err == nil {
		return exitOK
	}
	if errors.Is(err, errHelpShown) {
		return exitOK
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "dbinspect: %s\n", termsafe.Text(err.Error()))
		return exitUsage
	}
	var ce codedError
	if errors.As(err, &ce) {
		if ce.err != nil && ce.err.Error() != "" {
			fmt.Fprintf(stderr, "dbinspect: %s\n", termsafe.Text(ce.err.Error()))
		}
		return ce.code
	}
	// Errors quote paths, archive entry names and keys: escape them.
	fmt.Fprintf(stderr, "dbinspect: %s\n", termsafe.Text(err.Error()))
	return exitError
}
