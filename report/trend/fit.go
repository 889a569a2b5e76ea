package trend

import (
	"math"
	"time"
)

// Fit is the least-squares line through (x, y). With fewer than two
// distinct x it returns ok false. SlopeSE is sqrt(SSE/(n-2) / Sxx), zero
// with two points (no residual to estimate the spread from).
func Fit(x, y []float64) (f LineFit, ok bool) {
	n := len(x)
	if n < 2 || len(y) != n {
		return f, false
	}
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx /= float64(n)
	my /= float64(n)
	var sxx, sxy, syy float64
	for i := range x {
		dx, dy := x[i]-mx, y[i]-my
		sxx += dx * dx
		sxy += dx * dy
		syy += dy * dy
	}
	if sxx == 0 {
		return f, false
	}
	f.Points = n
	f.Slope = sxy / sxx
	f.Intercept = my - f.Slope*mx
	sse := 0.0
	for i := range x {
		r := y[i] - (f.Intercept + f.Slope*x[i])
		sse += r * r
	}
	if n > 2 {
		f.SlopeSE = math.Sqrt(sse / float64(n-2) / sxx)
	}
	if syy > 0 {
		f.R2 = 1 - sse/syy
	} else {
		f.R2 = 1 // a flat series is fitted exactly
	}
	return f, true
}

// days is the time from a to b in days.
func days(a, b time.Time) float64 { return b.Sub(a).Hours() / 24 }

// project says when the fitted line, continued from its value at the last
// point (lastX days after the fit's From), reaches target: at the fitted
// slope, and at the slope plus and minus two standard errors (about a 95%
// range when the residuals are roughly normal and independent).
func project(f LineFit, lastX float64, target int64, metric, name string) Projection {
	p := Projection{Metric: metric, Target: name, TargetBytes: target, Fit: f}
	now := f.Intercept + f.Slope*lastX
	last := f.From.Add(time.Duration(lastX * 24 * float64(time.Hour)))
	if now >= float64(target) {
		p.Reached = true
		p.Note = "the fitted size is already at or past it"
		return p
	}
	at := func(slope float64) *time.Time {
		if !(slope > 0) {
			return nil
		}
		d := (float64(target) - now) / slope
		if d > 365*100 {
			return nil // a century away is never, for planning
		}
		t := last.Add(time.Duration(d * 24 * float64(time.Hour))).UTC().Truncate(time.Second)
		return &t
	}
	p.At = at(f.Slope)
	switch {
	case f.Points < 3:
		p.Note = "two points: a line through them, with no spread to estimate an uncertainty from"
		p.Earliest, p.Latest = p.At, p.At
	default:
		p.Earliest = at(f.Slope + 2*f.SlopeSE)
		p.Latest = at(f.Slope - 2*f.SlopeSE)
		p.Note = "range: the fitted slope plus and minus two standard errors"
	}
	switch {
	case p.At == nil && f.Slope > 0:
		p.Note = "more than a century away at the fitted slope: " + p.Note
	case p.At == nil:
		p.Note = "not growing at the fitted slope: " + p.Note
	}
	return p
}
