package main

import (
	"bytes"
	"os"
	"testing"
)

// Ensure colour is only used for text on a terminal, and never with
// --no-color or NO_COLOR.
func TestColor(t *testing.T) {
	tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0)
	if err != nil {
		tty = nil // no controlling terminal (CI): only the negative cases run
	}
	tests := []struct {
		name    string
		out     any
		opts    outputFlags
		noColor string
		want    bool
	}{
		{"buffer", &bytes.Buffer{}, outputFlags{output: "text"}, "", false},
		{"regular file", os.Stderr, outputFlags{output: "json"}, "", false},
		{"--no-color", tty, outputFlags{output: "text", noColor: true}, "", false},
		{"NO_COLOR", tty, outputFlags{output: "text"}, "1", false},
		{"terminal", tty, outputFlags{output: "text"}, "", true},
	}
	for _, tc := range tests {
		if tc.out == (*os.File)(nil) {
			continue
		}
		t.Setenv("NO_COLOR", tc.noColor)
		if got := tc.opts.color(tc.out); got != tc.want {
			t.Errorf("%s: color = %v, want %v", tc.name, got, tc.want)
		}
	}
	if tty != nil {
		tty.Close()
	}
}

func TestByteSizeFlag(t *testing.T) {
	for in, want := range map[string]int64{"2GiB": 2 << 30, "512MiB": 512 << 20, "8G": 8e9, "4096": 4096} {
		var b byteSize
		if err := b.Set(in); err != nil || int64(b) != want {
			t.Errorf("Set(%q) = %d, %v; want %d", in, b, err, want)
		}
	}
	var b byteSize
	if err := b.Set("lots"); err == nil {
		t.Error("Set(\"lots\") succeeded")
	}
}
