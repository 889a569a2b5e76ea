package main

import (
	"os/exec"
	"syscall"
)

// maxRSS is a finished child's peak RSS (Linux reports KiB).
func maxRSS(cmd *exec.Cmd) int64 {
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss << 10
	}
	return 0
}
