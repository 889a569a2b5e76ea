package findings

import (
	"strings"
	"testing"
)

// Issue 21, point 7: "130 MiB of the 131 MiB db (100%) is free" read as a
// db with nothing in use.
func TestPercentNeverRoundsToAllOrNothing(t *testing.T) {
	const mib = 1 << 20
	tests := []struct {
		part, whole int64
		want        string
	}{
		{130*mib + 350*1024, 131 * mib, "99.5%"},
		{131*mib - 4096, 131 * mib, ">99.9%"},
		{131 * mib, 131 * mib, "100.0%"},
		{4096, 8 << 30, "<0.1%"},
		{0, 131 * mib, "0.0%"},
		{40 * mib, 41 * mib, "97.6%"},
		{1, 0, "-"},
	}
	for _, tc := range tests {
		if got := percent(tc.part, tc.whole); got != tc.want {
			t.Errorf("percent(%d, %d) = %q, want %q", tc.part, tc.whole, got, tc.want)
		}
	}
}

// "78 MiB free" beside "give back about 82 MiB": the advice says where the
// difference comes from when it is more than rounding.
func TestDefragAdviceExplainsTheDifference(t *testing.T) {
	const mib = 1 << 20
	tests := []struct {
		free, saves int64
		want        []string
	}{
		{78 * mib, 82 * mib, []string{"about 82 MiB", "the 78 MiB of free pages and 4.0 MiB more from repacking partly filled pages"}},
		{40 * mib, 40*mib - 8192, []string{"about 40 MiB"}},
		{40 * mib, 30 * mib, []string{"about 30 MiB", "the 40 MiB of free pages less 10 MiB"}},
		{40 * mib, 0, []string{"up to the 40 MiB of free pages"}},
	}
	for _, tc := range tests {
		got := defragAdvice(tc.free, tc.saves)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("defragAdvice(%d, %d) = %q, want %q in it", tc.free, tc.saves, got, w)
			}
		}
		if len(tc.want) == 1 && strings.Contains(got, ":") {
			t.Errorf("defragAdvice(%d, %d) = %q explains a difference within rounding", tc.free, tc.saves, got)
		}
	}
}
