package report

import (
	"encoding/json"
	"fmt"
	"io"
)

// RenderOptions choose the format and the sections to draw.
type RenderOptions struct {
	Format   string // text, json or html
	Sections Sections
	Color    bool // ANSI colour in text (only on a terminal)
}

// Render writes r in the chosen format.
func Render(w io.Writer, r *Report, o RenderOptions) error {
	switch o.Format {
	case "", "text":
		return WriteText(w, r, o)
	case "json":
		return WriteJSON(w, r)
	case "html":
		return WriteHTML(w, r.HTMLData())
	}
	return fmt.Errorf("unknown output format %q: want text, json or html", o.Format)
}

// WriteJSON writes the report as one indented JSON document whose fields
// are described in docs/json-schema.md.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}
