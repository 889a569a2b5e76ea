package html

import (
	"math"
	"strconv"

	"github.com/dustin/go-humanize"
)

// unit says how a chart prints its values.
type unit int

const (
	unitCount unit = iota
	unitBytes
	unitSeconds
)

// format prints v in the unit: 1,234 / 1.2 GiB / 850 ms.
func (u unit) format(v float64) string {
	v = finite(v)
	switch u {
	case unitBytes:
		if v >= math.MaxUint64 {
			return "∞"
		}
		return humanize.IBytes(uint64(v))
	case unitSeconds:
		switch {
		case v == 0:
			return "0 s"
		case v < 0.001:
			return "<1 ms"
		case v < 1:
			return strconv.FormatFloat(v*1000, 'f', 0, 64) + " ms"
		case v < 100:
			return strconv.FormatFloat(v, 'f', 1, 64) + " s"
		}
		return strconv.FormatFloat(v, 'f', 0, 64) + " s"
	}
	if v == math.Trunc(v) && v < 1e18 {
		return humanize.Comma(int64(v))
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// text is the caller's own text when given, else v in the unit.
func (u unit) text(own string, v float64) string {
	if own != "" {
		return own
	}
	return u.format(v)
}
