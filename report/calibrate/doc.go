// Package calibrate keeps the coefficients of dbinspect's startup, memory
// and defrag models: Calibration, the built-in Default, Load (a capped read
// of a saved file, missing or nonsensical coefficients replaced by
// Default's) and Save.
//
// It never measures and never imports bbolt: report/predict reads its
// coefficients through it, and report/calibrate/measure ('dbinspect
// calibrate') fills them in.
package calibrate
