package english

import "github.com/dustin/go-humanize"

// Plural is n, with thousands separators, and the noun, with an s unless
// n is 1: "1 problem", "1,200 problems". Nouns with another plural form
// take Count.
func Plural(n int, noun string) string {
	return Count(int64(n), noun, noun+"s")
}

// Count is n, with thousands separators, and one or many by n: Count(3,
// "entry", "entries") is "3 entries"; Count(2, "critical", "critical") is
// "2 critical".
func Count(n int64, one, many string) string {
	return humanize.Comma(n) + " " + Noun(n, one, many)
}

// Noun is one when n is 1, else many.
func Noun(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
