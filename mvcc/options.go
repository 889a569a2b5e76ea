package mvcc

// Options tunes Scan. Start from DefaultOptions: zero fields take their
// defaults, but a zero K8s means off.
type Options struct {
	// TopN is the length of each top-keys list (default 10).
	TopN int
	// PrefixSeparator splits keys into segments (default "/").
	PrefixSeparator string
	// PrefixDepth is how many segments a prefix keeps for keys outside
	// /registry (default 2).
	PrefixDepth int
	// K8s groups /registry/... keys by Kubernetes resource and namespace
	// (on in DefaultOptions).
	K8s bool
	// RedactKeys replaces key names by stable hashes; see redactKey.
	RedactKeys bool
	// RedactSalt keys the hashes (HMAC) so they cannot be confirmed by
	// hashing a guessed name; RedactKeepNamespace keeps Kubernetes
	// namespaces readable.
	RedactSalt          string
	RedactKeepNamespace bool
	// CompactAt is the revision of the compaction what-if; 0 means the
	// current revision.
	CompactAt int64
	// DataSize is bbolt's tx.Size() for the file (meta.pgid × page size),
	// which etcdutl prints as totalSize. A KVReader does not know pages, so
	// the caller passes it; 0 leaves TotalSize and ShareOfFile empty.
	DataSize int64
	// MaxPrefixes bounds each prefix list; the rest is summed in one
	// "(other)" row (default 500).
	MaxPrefixes int
	// LiveKeySet asks for Summary.LiveKeySet, the fingerprint of the live
	// keys that a comparison of two scans needs (12 bytes per live key).
	LiveKeySet bool
	// Filter limits the key tables to some keys ('keys --prefix').
	Filter KeyFilter
	// RestoreOrder asks for Summary.RestoreOrder, the keys of the restored
	// revisions in restore order: 4 bytes a revision and 4 a key. The
	// sorted pass builds it from its own runs and a second read of the
	// names (sortorder.go: ~5 bytes a revision while the records are
	// replayed, ~40 bytes a key after); the key table records it while
	// the bucket streams (restoreorder.go: a name and ~20 bytes a key).
	RestoreOrder bool
}

// DefaultOptions are the CLI's defaults: top 10, "/" depth 2, Kubernetes
// aware, compaction what-if at the current revision.
func DefaultOptions() Options {
	return Options{TopN: 10, PrefixSeparator: "/", PrefixDepth: 2, K8s: true, MaxPrefixes: 500}
}

// withDefaults gives every zero field DefaultOptions' value (K8s aside).
func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.TopN <= 0 {
		o.TopN = d.TopN
	}
	if o.PrefixSeparator == "" {
		o.PrefixSeparator = d.PrefixSeparator
	}
	if o.PrefixDepth <= 0 {
		o.PrefixDepth = d.PrefixDepth
	}
	if o.MaxPrefixes <= 0 {
		o.MaxPrefixes = d.MaxPrefixes
	}
	return o
}
