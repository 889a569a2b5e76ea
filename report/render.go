package report

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/pages"
	"github.com/dbinspect/dbinspect/pages/defrag"
	"github.com/dbinspect/dbinspect/pages/freelist"
	"github.com/dbinspect/dbinspect/report/findings"
	"github.com/dbinspect/dbinspect/report/html"
	"github.com/dbinspect/dbinspect/report/predict"
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
		return writeText(w, r, o)
	case "json":
		return writeJSON(w, r)
	case "html":
		return html.Write(w, r.htmlPageData())
	}
	return fmt.Errorf("unknown output format %q: want text, json or html", o.Format)
}

// writeJSON writes the report as one indented JSON document whose fields
// are described in docs/json-schema.md.
func writeJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(document(r))
}

// Document is the JSON report (docs/json-schema.md): the report's sections
// under stable names, the summary's figures first.
type Document struct {
	SchemaVersion int       `json:"schema_version"`
	Tool          ToolInfo  `json:"tool"`
	Input         InputInfo `json:"input"`
	Summary       Summary   `json:"summary"`

	File          pages.FileReport        `json:"file"`
	Meta          pages.MetaReport        `json:"meta"`
	Pages         pages.PageCensus        `json:"pages"`
	Buckets       []pages.BucketStats     `json:"buckets"`
	Freelist      pages.FreelistReport    `json:"freelist"`
	Truncation    *pages.Truncation       `json:"truncation,omitempty"` // the file ends before the high-water mark
	Problems      []pages.Problem         `json:"problems"`
	ProblemCounts pages.ProblemCounts     `json:"problem_counts"`
	Fragmentation *freelist.Fragmentation `json:"fragmentation,omitempty"`
	MVCC          *mvcc.Summary           `json:"mvcc,omitempty"`
	Predict       *predict.Prediction     `json:"predict,omitempty"`
	ExactDefrag   *defrag.ExactResult     `json:"exact_defrag,omitempty"`
	Member        *MemberReport           `json:"member,omitempty"` // data dirs only (member.go)
	Findings      []findings.Finding      `json:"findings"`
	Certainty     Certainty               `json:"certainty"`
}

// ToolInfo names the program that wrote the report.
type ToolInfo struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// document is the JSON report of r.
func document(r *Report) Document {
	a := r.Analysis
	return Document{
		SchemaVersion: SchemaVersion,
		Tool:          ToolInfo{Name: "dbinspect", Version: Version},
		Input:         r.Input,
		Summary:       summarize(r, r.Sections),
		File:          a.File, Meta: a.Meta, Pages: a.Pages, Buckets: a.Buckets, Freelist: a.Freelist,
		Truncation: a.Truncation, Problems: a.Problems, ProblemCounts: a.ProblemCounts,
		Fragmentation: r.Fragmentation, MVCC: r.MVCC, Predict: r.Predict, ExactDefrag: r.ExactDefrag,
		Member: r.Member, Findings: r.Findings, Certainty: r.Certainty,
	}
}
