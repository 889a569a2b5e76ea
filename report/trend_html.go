package report

import (
	"io"

	"github.com/dbinspect/dbinspect/report/trend"
)

// WriteTrendHTML is a placeholder replaced below.
func WriteTrendHTML(w io.Writer, t *trend.Trend) error { return nil }
