// Package english writes counts of things in English for the text and
// error messages: "1 problem", "1,200 problems", "3 entries".
//
// It only formats words. It never decides what is counted, and JSON,
// which keeps numbers as numbers, never goes through it.
package english
