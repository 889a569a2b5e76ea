package trend

import (
	"path/filepath"
	"regexp"
	"strconv"
	"time"
)

// Timestamps in backup file names, tried in this order on the base name.
// A time without a zone is UTC.
var nameFormats = []struct {
	name string
	re   *regexp.Regexp
}{
	// 2026-12-04T15-30-00Z, 2026-12-04T15:30:00+01:00, 2026-12-04_1530, 2026-12-04 15.30
	{"date-time", regexp.MustCompile(`(?:^|\D)(\d{4})-(\d{2})-(\d{2})[T_ .-](\d{2})[-:.]?(\d{2})(?:[-:.]?(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?(?:\D|$)`)},
	// 20261204-153000, 20261204T153000Z, 20261204_1530, 20261204153000
	{"compact", regexp.MustCompile(`(?:^|\D)(\d{4})(\d{2})(\d{2})[T_-]?(\d{2})(\d{2})(\d{2})?(Z)?(?:\D|$)`)},
	// unix seconds (2001-09-09 to 2286) or milliseconds
	{"unix", regexp.MustCompile(`(?:^|\D)(1\d{9}|1\d{12})(?:\D|$)`)},
	// 2026-12-04 or 20261204: midnight
	{"date", regexp.MustCompile(`(?:^|\D)(\d{4})-?(\d{2})-?(\d{2})(?:\D|$)`)},
}

// TimeFromName reads a timestamp in a file's base name (see nameFormats)
// and names the format it matched. With re, only the text re matches is
// read (its first group when it has one).
func TimeFromName(path string, re *regexp.Regexp) (time.Time, string, bool) {
	name := filepath.Base(path)
	if re != nil {
		m := re.FindStringSubmatch(name)
		if m == nil {
			return time.Time{}, "", false
		}
		name = m[0]
		if len(m) > 1 {
			name = m[1]
		}
	}
	for _, f := range nameFormats {
		for _, m := range f.re.FindAllStringSubmatch(name, -1) {
			if t, ok := nameTime(f.name, m[1:]); ok {
				return t, f.name, true
			}
		}
	}
	return time.Time{}, "", false
}

// nameTime builds the time from one match, refusing impossible fields
// (month 13, 25 o'clock) rather than letting time.Date normalise them.
func nameTime(format string, g []string) (time.Time, bool) {
	if format == "unix" {
		n, err := strconv.ParseInt(g[0], 10, 64)
		if err != nil {
			return time.Time{}, false
		}
		if len(g[0]) == 13 {
			return time.UnixMilli(n).UTC(), true
		}
		return time.Unix(n, 0).UTC(), true
	}
	num := func(i int) int {
		if i >= len(g) || g[i] == "" {
			return 0
		}
		n, _ := strconv.Atoi(g[i])
		return n
	}
	y, mo, d, h, mi, s := num(0), num(1), num(2), num(3), num(4), num(5)
	if y < 1970 || y > 2200 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59 {
		return time.Time{}, false
	}
	loc := time.UTC
	if len(g) > 6 && g[6] != "" && g[6] != "Z" {
		z := g[6]
		sign := 1
		if z[0] == '-' {
			sign = -1
		}
		digits := z[1:3] + z[len(z)-2:]
		zh, _ := strconv.Atoi(digits[:2])
		zm, _ := strconv.Atoi(digits[2:])
		if zh > 14 || zm > 59 {
			return time.Time{}, false
		}
		loc = time.FixedZone(z, sign*(zh*3600+zm*60))
	}
	t := time.Date(y, time.Month(mo), d, h, mi, s, 0, loc)
	if t.Day() != d { // February 30th
		return time.Time{}, false
	}
	return t.UTC(), true
}
