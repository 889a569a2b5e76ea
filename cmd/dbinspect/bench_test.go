//go:build unix

package main

import (
	"io"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/dbinspect/dbinspect/internal/fixtures"
)

// BenchmarkReportCommand is 'dbinspect report' end to end, in-process:
// flag parsing and validation, the input, report.Build and the renderer,
// on real fixtures (a Kubernetes db and the most fragmented one). Besides
// ns/op it reports cpu-ns/op, the process's CPU time (user + system) per
// run, which a machine shared with other work disturbs less than the wall
// time. Compare both and allocs/op before and after a change to the CLI
// or report:
// go test -run '^$' -bench ReportCommand -count 5 ./cmd/dbinspect
func BenchmarkReportCommand(b *testing.B) {
	for _, bc := range []struct {
		fixture, format string
	}{
		{"k8s-v3.6", "text"},
		{"k8s-v3.6", "json"},
		{"fragmented-v3.6", "json"},
	} {
		db := fixtures.Path(b, fixtures.Get(b, bc.fixture))
		args := []string{"report", "-q", "-o", bc.format, db}
		b.Run(bc.fixture+"/"+bc.format, func(b *testing.B) {
			b.ReportAllocs()
			cpu := cpuTime(b)
			for b.Loop() {
				if code := run(args, io.Discard, io.Discard); code != exitOK {
					b.Fatalf("%v: exit %d", args, code)
				}
			}
			b.ReportMetric(float64(cpuTime(b)-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkReportBigDB is 'dbinspect report -q -o json' in-process on the
// big db named by DBINSPECT_BIG_DB (scripts/bench.sh makes them), for CPU
// and heap profiles of the whole report (issue 16):
// DBINSPECT_BIG_DB=/work/big/etcd-3Mkeys.db go test -run '^$' -bench ReportBigDB \
// -benchtime 1x -cpuprofile cpu.out -memprofile mem.out ./cmd/dbinspect
func BenchmarkReportBigDB(b *testing.B) {
	db := os.Getenv("DBINSPECT_BIG_DB")
	if db == "" {
		b.Skip("set DBINSPECT_BIG_DB to a big etcd db to run this benchmark")
	}
	args := []string{"report", "-q", "-o", "json", db}
	b.ReportAllocs()
	cpu := cpuTime(b)
	for b.Loop() {
		if code := run(args, io.Discard, io.Discard); code != exitOK {
			b.Fatalf("%v: exit %d", args, code)
		}
	}
	b.ReportMetric(float64(cpuTime(b)-cpu)/float64(b.N), "cpu-ns/op")
}

// cpuTime is the process's user + system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCommandLine is what the CLI does before it reads anything:
// find the command, make its flags, parse and validate them, and fail on
// a missing file. It measures the cost of the options alone, which
// BenchmarkReportCommand buries in the report's.
func BenchmarkCommandLine(b *testing.B) {
	args := []string{"report", "-q", "-o", "json", "--top", "20", "--quota-backend-bytes", "8GiB", "--fail-on", "warning", "/no/such/db"}
	b.ReportAllocs()
	cpu := cpuTime(b)
	for b.Loop() {
		if code := run(args, io.Discard, io.Discard); code != exitError {
			b.Fatalf("%v: exit %d, want %d", args, code, exitError)
		}
	}
	b.ReportMetric(float64(cpuTime(b)-cpu)/float64(b.N), "cpu-ns/op")
}
