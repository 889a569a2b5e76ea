package termsafe

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	// MaxName is the most bytes of a name a text table shows; a longer one
	// is cut there and says its length. Kubernetes keys stay under it.
	MaxName = 320
	// MaxText bounds a whole line of program text quoting names (a
	// finding's message, an error): a safety net, not a layout limit.
	MaxText = 4096
)

// Name is s escaped for a terminal and shortened to about MaxName bytes.
func Name(s string) string { return render(s, MaxName) }

// Text is s escaped for a terminal and shortened to about MaxText bytes:
// for lines of program text that may quote names.
func Text(s string) string { return render(s, MaxText) }

// Limit is s escaped for a terminal and shortened to about max bytes, for
// names listed several to a line (archive entries in an error).
func Limit(s string, max int) string { return render(s, max) }

// Args returns args with every string and error rendered by Text, for a
// printf whose format is the program's own and whose arguments may carry
// names. Other types (numbers, the program's own Stringers, and named
// string types such as Raw) pass as they are.
func Args(args []any) []any {
	var out []any
	for i, a := range args {
		var s string
		switch v := a.(type) {
		case string:
			s = v
		case error:
			s = v.Error()
		default:
			continue
		}
		if t := Text(s); t != s || !isString(a) {
			if out == nil {
				out = append([]any(nil), args...)
			}
			out[i] = t
		}
	}
	if out == nil {
		return args
	}
	return out
}

func isString(a any) bool { _, ok := a.(string); return ok }

// Raw is program output that may hold terminal escapes on purpose (colour):
// Args leaves it alone.
type Raw string

// render escapes s and cuts it at max bytes of output.
func render(s string, max int) string {
	if plain(s) && len(s) <= max {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if b.Len() >= max {
			b.WriteString("… (")
			b.WriteString(comma(len(s)))
			b.WriteString(" bytes)")
			return b.String()
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case visible(r):
			b.WriteString(s[i : i+n])
		case r < 0x80:
			// \n, \r, \t, \x1b ...: Go's own short escapes.
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		i += n
	}
	return b.String()
}

// plain is true when s is printable ASCII only: the common case, kept as is.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// visible is true for runes a terminal shows as themselves. Controls (C0,
// DEL, C1), format runes (bidi overrides and isolates, zero-width joiners,
// the BOM) and other non-printing runes are not: they move the cursor,
// retitle the window or reorder what follows.
func visible(r rune) bool {
	if r == ' ' {
		return true
	}
	if unicode.Is(unicode.Cf, r) || unicode.IsControl(r) {
		return false
	}
	return unicode.IsPrint(r)
}

func comma(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
