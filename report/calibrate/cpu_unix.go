//go:build unix

package calibrate

import (
	"syscall"
	"time"
)

// cpuSeconds is the CPU time this process has used (user + system). The
// CPU-bound calibration steps are timed with it rather than the wall clock,
// so other programs sharing the machine do not inflate them.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return float64(time.Now().UnixNano()) / 1e9
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
