//go:build !unix

package calibrate

import "time"

// cpuSeconds falls back to the wall clock where getrusage is missing.
func cpuSeconds() float64 { return float64(time.Now().UnixNano()) / 1e9 }
