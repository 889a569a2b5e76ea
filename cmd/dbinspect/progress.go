package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/dustin/go-humanize"
)

// progressFunc is told how far a stage has come, in bytes.
type progressFunc func(stage string, done, total int64)

// progressBar draws one line on a terminal: stage, bar, bytes, rate, ETA.
// It stays silent for the first moment so quick runs print nothing, and it
// redraws at most a few times a second.
type progressBar struct {
	mu        sync.Mutex
	w         io.Writer
	stage     string
	start     time.Time
	last      time.Time
	drawn     bool
	lastWidth int
	now       func() time.Time
}

const (
	progressDelay = 700 * time.Millisecond
	progressEvery = 150 * time.Millisecond
)

// newProgress returns a progressFunc for stderr, or nil when progress must
// not be shown: quiet, or stderr is not a terminal.
func newProgress(stderr io.Writer, quiet bool) (progressFunc, func()) {
	if quiet || !isTerminal(stderr) {
		return nil, func() {}
	}
	b := &progressBar{w: stderr, now: time.Now}
	return b.update, b.finish
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func (b *progressBar) update(stage string, done, total int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if stage != b.stage {
		b.stage, b.start = stage, now
	}
	if now.Sub(b.start) < progressDelay || now.Sub(b.last) < progressEvery {
		return
	}
	b.last = now
	line := progressLine(stage, done, total, now.Sub(b.start))
	pad := ""
	if n := b.lastWidth - len(line); n > 0 {
		pad = strings.Repeat(" ", n)
	}
	fmt.Fprintf(b.w, "\r%s%s", line, pad)
	b.drawn, b.lastWidth = true, len(line)
}

func (b *progressBar) finish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.drawn {
		fmt.Fprintf(b.w, "\r%s\r", strings.Repeat(" ", b.lastWidth))
		b.drawn = false
	}
}

// progressLine formats one progress line; split out so it can be tested.
func progressLine(stage string, done, total int64, elapsed time.Duration) string {
	const width = 24
	rate := float64(done) / elapsed.Seconds()
	var bar, eta string
	if total > 0 {
		frac := float64(done) / float64(total)
		if frac > 1 {
			frac = 1
		}
		n := int(frac * width)
		bar = "[" + strings.Repeat("=", n) + strings.Repeat(" ", width-n) + "] "
		if rate > 0 && done < total {
			eta = " ETA " + time.Duration(float64(total-done)/rate*float64(time.Second)).Round(time.Second).String()
		}
		return fmt.Sprintf("%-13s %s%s/%s %s/s%s", stage, bar,
			humanize.IBytes(uint64(done)), humanize.IBytes(uint64(total)), humanize.IBytes(uint64(rate)), eta)
	}
	return fmt.Sprintf("%-13s %s %s/s", stage, humanize.IBytes(uint64(done)), humanize.IBytes(uint64(rate)))
}
