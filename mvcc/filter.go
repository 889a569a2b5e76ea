package mvcc

import (
	"fmt"
	"strings"
)

// KeyFilter limits the key tables (top keys, prefixes, namespaces,
// Kubernetes objects) to the keys under Prefix and, for Kubernetes keys,
// in Namespace. The totals (revision, live keys, bytes) stay the whole
// db's: Filter says how much of it matched.
type KeyFilter struct {
	Prefix    string
	Namespace string
}

func (f KeyFilter) on() bool { return f.Prefix != "" || f.Namespace != "" }

// match is true for a key the tables keep.
func (f KeyFilter) match(key string) bool {
	if !strings.HasPrefix(key, f.Prefix) {
		return false
	}
	if f.Namespace == "" {
		return true
	}
	p, ok := parseK8sKey(key)
	return ok && p.namespaceEnd > p.resourceEnd && key[p.resourceEnd:p.namespaceEnd-1] == f.Namespace
}

// FilterStat is what a KeyFilter matched (Summary.Filter).
type FilterStat struct {
	Prefix       string `json:"prefix,omitempty"`
	Namespace    string `json:"namespace,omitempty"`
	Keys         uint64 `json:"keys"`
	LiveKeys     uint64 `json:"live_keys"`
	Revisions    uint64 `json:"revisions"`
	LiveBytes    uint64 `json:"live_bytes"`
	HistoryBytes uint64 `json:"history_bytes"`
}

func (f *FilterStat) add(s *keyState, live uint64) {
	f.Keys++
	if s.live {
		f.LiveKeys++
	}
	f.Revisions += uint64(s.revs)
	f.LiveBytes += live
	f.HistoryBytes += s.totalBytes - live
}

// finish names the filter (hashed under redaction) and says in a note how
// to read the tables.
func (f *FilterStat) finish(sum *Summary, red *redactor) {
	if red != nil {
		f.Prefix = red.key(f.Prefix)
		if !red.keepNamespace {
			f.Namespace = red.segment(f.Namespace)
		}
	}
	var what []string
	if f.Prefix != "" {
		what = append(what, fmt.Sprintf("under %q", f.Prefix))
	}
	if f.Namespace != "" {
		what = append(what, fmt.Sprintf("in namespace %q", f.Namespace))
	}
	sum.Notes = append(sum.Notes, fmt.Sprintf("filtered: the key tables below hold only the keys %s: %d keys (%d live), %d revisions, %d live bytes, %d history bytes; the figures above are the whole db's",
		strings.Join(what, " and "), f.Keys, f.LiveKeys, f.Revisions, f.LiveBytes, f.HistoryBytes))
	sum.Filter = f
}
