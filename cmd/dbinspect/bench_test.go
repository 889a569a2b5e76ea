package main

import (
	"io"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
)

// BenchmarkReportCommand is 'dbinspect report' end to end, in-process:
// flag parsing and validation, the input, report.Build and the renderer,
// on real fixtures (a Kubernetes db and the most fragmented one). Compare
// CPU ns/op and allocs/op before and after a change to the CLI or report:
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
			for b.Loop() {
				if code := run(args, io.Discard, io.Discard); code != exitOK {
					b.Fatalf("%v: exit %d", args, code)
				}
			}
		})
	}
}
