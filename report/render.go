package report

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/dbinspect/dbinspect/report/findings"
	"github.com/dbinspect/dbinspect/report/html"
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

	// The sections, in report-owned types (document.go).
	File          docFileReport      `json:"file"`
	Meta          docMetaReport      `json:"meta"`
	Pages         docPageCensus      `json:"pages"`
	Buckets       []docBucketStats   `json:"buckets"`
	Freelist      docFreelistReport  `json:"freelist"`
	Truncation    *docTruncation     `json:"truncation,omitempty"` // the file ends before the high-water mark
	Problems      []docProblem       `json:"problems"`
	ProblemCounts docProblemCounts   `json:"problem_counts"`
	Fragmentation *docFragmentation  `json:"fragmentation,omitempty"`
	MVCC          *docMVCCSummary    `json:"mvcc,omitempty"`
	Predict       *docPrediction     `json:"predict,omitempty"`
	ExactDefrag   *docExactResult    `json:"exact_defrag,omitempty"`
	Costs         *docCosts          `json:"costs,omitempty"`  // what reads cost (costs.go)
	Member        *docMemberReport   `json:"member,omitempty"` // data dirs only (member.go)
	Findings      []findings.Finding `json:"findings"`
	Certainty     Certainty          `json:"certainty"`
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
		File:          toFileReport(a.File),
		Meta:          toMetaReport(a.Meta),
		Pages:         toPageCensus(a.Pages),
		Buckets:       docSlice(a.Buckets, toBucketStats),
		Freelist:      toFreelistReport(a.Freelist),
		Truncation:    docPtr(a.Truncation, toTruncation),
		Problems:      docSlice(a.Problems, toProblem),
		ProblemCounts: toProblemCounts(a.ProblemCounts),
		Fragmentation: docPtr(r.Fragmentation, toFragmentation),
		MVCC:          docPtr(r.MVCC, toMVCCSummary),
		Predict:       docPtr(r.Predict, toPrediction),
		ExactDefrag:   docPtr(r.ExactDefrag, toExactResult),
		Costs:         costsDoc(r.Predict),
		Member:        docPtr(r.Member, toMemberReport),
		Findings:      r.Findings,
		Certainty:     r.Certainty,
	}
}
