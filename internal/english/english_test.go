package english

import "testing"

func TestCounts(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{Plural(0, "problem"), "0 problems"},
		{Plural(1, "problem"), "1 problem"},
		{Plural(2, "problem"), "2 problems"},
		{Plural(1200, "finding"), "1,200 findings"},
		{Plural(-1, "step"), "-1 steps"},
		{Count(1, "entry", "entries"), "1 entry"},
		{Count(1234567, "entry", "entries"), "1,234,567 entries"},
		{Count(2, "critical", "critical"), "2 critical"},
		{Noun(1, "is", "are"), "is"},
		{Noun(0, "is", "are"), "are"},
		{Noun(5, "", "s"), "s"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
