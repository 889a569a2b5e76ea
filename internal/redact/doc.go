// Package redact turns names that may be customer data (key segments,
// namespaces, member names, hosts, paths, IDs) into short stable hashes.
//
// It only hashes strings: which names are hashed, and where, is decided by
// its callers (mvcc for key names, report for members, URLs, the input
// path and IDs), following the policy written in README.md
// ("Redaction"). It never reads files or keeps what it hashed.
package redact
