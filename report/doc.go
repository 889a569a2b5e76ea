// Package report runs dbinspect's pipeline over one db and renders it.
//
// Build reads the file with pages (the page walk, the fragmentation models
// of pages/freelist, the snapshot hash), decodes etcd's buckets with mvcc,
// simulates etcd's defrag with pages/defrag, predicts with report/predict
// and evaluates report/findings, each stage returning its values; the
// Report it returns is data. Render draws it as text, JSON (Document, the
// schema of docs/json-schema.md) or one self-contained HTML page, all three
// from the same model: the summary of each is Summary, defined and worded
// once. Compare diffs two reports; WritePageList lists every page.
//
// It never writes to its input, never opens it with bbolt (only --exact's
// private copy is, through pages/defrag), and never prints stored values.
package report
