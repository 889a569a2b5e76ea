// Package html lays out one self-contained HTML page from Data: the
// summary, the findings, inline SVG charts, the page map as an embedded
// PNG, the tables, and the JSON report, under a Content-Security-Policy
// that forbids loading anything.
//
// It never computes a figure: report fills Data from its model, the same
// one the text and JSON reports draw (Summary's lines are Data.Summary).
// Every string is user data to it, escaped by html/template.
package html
