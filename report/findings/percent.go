package findings

import "fmt"

// percent words part/whole with one decimal, and never rounds a part that
// is not the whole to 100% nor one that is not nothing to 0%: "130 MiB of
// the 131 MiB db (100%)" read as a db with nothing in use.
func percent(part, whole int64) string {
	if whole <= 0 {
		return "-"
	}
	f := 100 * float64(part) / float64(whole)
	s := fmt.Sprintf("%.1f%%", f)
	switch {
	case part < whole && s == "100.0%":
		return ">99.9%"
	case part > 0 && s == "0.0%":
		return "<0.1%"
	}
	return s
}

// defragAdvice says what a defrag gives back, and why that differs from the
// free pages: a defrag also repacks partly filled pages (to bbolt's fill
// percent of 90%), which can give back more than the free pages or, when
// the pages are fuller than that, a little less.
func defragAdvice(freeBytes, savesBytes int64) string {
	if savesBytes <= 0 { // not predicted
		return fmt.Sprintf("defragment (one member at a time) to give back up to the %s of free pages", ibytesOf(freeBytes))
	}
	s := fmt.Sprintf("defragment (one member at a time) to give back about %s", ibytesOf(savesBytes))
	// Within 2% (or 64 KiB) "about" says enough.
	d := savesBytes - freeBytes
	if abs := max(d, -d); abs < 64<<10 || abs*50 < freeBytes {
		return s
	}
	switch {
	case d > 0:
		s += fmt.Sprintf(": the %s of free pages and %s more from repacking partly filled pages", ibytesOf(freeBytes), ibytesOf(d))
	default:
		s += fmt.Sprintf(": the %s of free pages less %s, as the defragmented pages are filled to 90%%, not to the brim", ibytesOf(freeBytes), ibytesOf(-d))
	}
	return s
}
