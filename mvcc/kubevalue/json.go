package kubevalue

// classifyJSON reads the top-level members of the object starting at w[i]
// ('{') up to the end of the window, keeping the "apiVersion" and "kind"
// strings. A syntax error, or the value ending before the object does,
// makes it Unknown; the window ending first leaves what was seen.
func classifyJSON(w []byte, i int, whole bool) Class {
	c := Class{Encoding: JSON}
	cut := func() Class {
		if whole {
			return Class{}
		}
		return c
	}
	i++
	for first := true; ; first = false {
		i = skipSpace(w, i)
		if i >= len(w) {
			return cut()
		}
		if w[i] == '}' && first {
			return c
		}
		if w[i] != '"' {
			return Class{}
		}
		ks, ke, next, st := scanString(w, i)
		switch st {
		case cutOff:
			return cut()
		case invalid:
			return Class{}
		}
		key := w[ks:ke]
		if i = skipSpace(w, next); i >= len(w) {
			return cut()
		}
		if w[i] != ':' {
			return Class{}
		}
		if i = skipSpace(w, i+1); i >= len(w) {
			return cut()
		}
		field := (*[]byte)(nil)
		valid := isKind
		switch string(key) {
		case "kind":
			field = &c.Kind
		case "apiVersion":
			field, valid = &c.APIVersion, isAPIVersion
		}
		if field != nil && w[i] == '"' {
			vs, ve, n, st := scanString(w, i)
			switch st {
			case cutOff:
				return cut()
			case invalid:
				return Class{}
			}
			if s := w[vs:ve]; st == plain && valid(s) {
				*field = s
			} else {
				*field = nil
			}
			i = n
		} else {
			n, st := skipValue(w, i)
			switch st {
			case cutOff:
				return cut()
			case invalid:
				return Class{}
			}
			i = n
		}
		if i = skipSpace(w, i); i >= len(w) {
			return cut()
		}
		switch w[i] {
		case ',':
			i++
		case '}':
			return c
		default:
			return Class{}
		}
	}
}

type scanStatus uint8

const (
	plain   scanStatus = iota // a complete token
	escaped                   // a complete string holding a backslash escape
	cutOff                    // the window ended inside the token
	invalid                   // not JSON
)

func skipSpace(w []byte, i int) int {
	for i < len(w) && (w[i] == ' ' || w[i] == '\t' || w[i] == '\n' || w[i] == '\r') {
		i++
	}
	return i
}

// scanString reads the string starting at w[i] ('"'): its contents are
// w[start:end], next is just past the closing quote.
func scanString(w []byte, i int) (start, end, next int, st scanStatus) {
	start = i + 1
	st = plain
	for j := start; j < len(w); j++ {
		switch c := w[j]; {
		case c == '"':
			return start, j, j + 1, st
		case c == '\\':
			st = escaped
			j++
		case c < 0x20:
			return 0, 0, 0, invalid
		}
	}
	return 0, 0, 0, cutOff
}

// skipValue skips one value (string, number, literal, object, array)
// starting at w[i], checking brackets nest but not every token inside.
func skipValue(w []byte, i int) (int, scanStatus) {
	start := i
	var stack [64]byte
	depth := 0
	for i < len(w) {
		c := w[i]
		switch {
		case c == '"':
			_, _, n, st := scanString(w, i)
			if st == cutOff || st == invalid {
				return 0, st
			}
			i = n
		case c == '{' || c == '[':
			if depth == len(stack) {
				return 0, invalid // deeper than any object the apiserver stores near the front
			}
			stack[depth] = c
			depth++
			i++
		case c == '}' || c == ']':
			if depth == 0 {
				if i == start {
					return 0, invalid // no value
				}
				return i, plain // the end of the enclosing object, after a scalar
			}
			open := stack[depth-1]
			if open == '{' && c != '}' || open == '[' && c != ']' {
				return 0, invalid
			}
			depth--
			i++
		case depth == 0 && (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			if i == start {
				return 0, invalid // no value
			}
			return i, plain
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r':
			return 0, invalid
		default:
			i++
		}
		if depth == 0 && (c == '}' || c == ']' || c == '"') {
			return i, plain
		}
	}
	return 0, cutOff
}
