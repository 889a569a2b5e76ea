package report

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/dbinspect/dbinspect/internal/termsafe"
	"github.com/dustin/go-humanize"
)

// table is an aligned text table: text columns left, number columns right.
type table struct {
	header []string
	right  []bool // per column: right-align (numbers)
	rows   [][]string
}

func newTable(header ...string) *table {
	t := &table{header: header, right: make([]bool, len(header))}
	for i, h := range header {
		// A leading '>' in a header asks for right alignment.
		if strings.HasPrefix(h, ">") {
			t.header[i], t.right[i] = h[1:], true
		}
	}
	return t
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(w io.Writer, indent string) error {
	t = t.termSafe()
	width := make([]int, len(t.header))
	measure := func(row []string) {
		for i := 0; i < len(row) && i < len(width); i++ {
			if n := utf8.RuneCountInString(row[i]); n > width[i] {
				width[i] = n
			}
		}
	}
	measure(t.header)
	for _, r := range t.rows {
		measure(r)
	}
	line := func(row []string) error {
		var b strings.Builder
		b.WriteString(indent)
		for i := range width {
			cell := ""
			if i < len(row) {
				cell = row[i]
			}
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(cell))
			if i > 0 {
				b.WriteString("  ")
			}
			if t.right[i] {
				b.WriteString(pad + cell)
			} else if i == len(width)-1 {
				b.WriteString(cell)
			} else {
				b.WriteString(cell + pad)
			}
		}
		_, err := fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
		return err
	}
	if err := line(t.header); err != nil {
		return err
	}
	for _, r := range t.rows {
		if err := line(r); err != nil {
			return err
		}
	}
	return nil
}

// termSafe is the table with every cell escaped and shortened for a
// terminal (termsafe.Name): cells hold key, bucket and member names.
func (t *table) termSafe() *table {
	c := &table{header: t.header, right: t.right, rows: make([][]string, len(t.rows))}
	for i, r := range t.rows {
		c.rows[i] = make([]string, len(r))
		for j, cell := range r {
			c.rows[i][j] = termsafe.Name(cell)
		}
	}
	return c
}

// Formatting helpers shared by the text renderer.

func ibytes(n int64) string {
	if n < 0 {
		return "-" + humanize.IBytes(uint64(-n))
	}
	return humanize.IBytes(uint64(n))
}

func count(n int64) string { return humanize.Comma(n) }

func pct(part, whole int64) string {
	if whole <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(part)/float64(whole))
}

func seconds(s float64) string {
	switch {
	case s < 0.001:
		return fmt.Sprintf("%.0f µs", s*1e6)
	case s < 1:
		return fmt.Sprintf("%.0f ms", s*1e3)
	case s < 100:
		return fmt.Sprintf("%.1f s", s)
	}
	return fmt.Sprintf("%.0f s", s)
}
