// Package findings turns a report's figures into named findings: each rule
// reads plain Inputs (figures of the file, of etcd's buckets and of the
// predictions) and gives at most one Finding with its severity, its
// evidence and what to do.
//
// It never reads a file and never prints: the report gathers its Inputs
// and the renderers show its Findings.
package findings
