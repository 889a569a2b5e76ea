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
	"syscall"
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
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		removeTempDirs()
		fmt.Fprintln(os.Stderr, "\ndbinspect: interrupted; temp files removed")
		os.Exit(exitSignal)
	}()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
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
		fmt.Fprintf(stderr, "dbinspect: %v\n", err)
		return exitUsage
	}
	var ce codedError
	if errors.As(err, &ce) {
		if ce.err != nil && ce.err.Error() != "" {
			fmt.Fprintf(stderr, "dbinspect: %v\n", ce.err)
		}
		return ce.code
	}
	fmt.Fprintf(stderr, "dbinspect: %v\n", err)
	return exitError
}
