// Package termsafe renders untrusted names (keys, bucket names, member
// names, versions, paths, archive entry names, and errors quoting them) for
// a terminal: control characters, bidi overrides and other invisible runes
// are escaped visibly, and very long names are shortened with an ellipsis
// and their length in bytes.
//
// It only formats text for display. It never touches JSON, which keeps a
// name's exact bytes, nor HTML, which html/template escapes.
package termsafe
