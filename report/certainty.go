package report

import "fmt"

// Names of Certainty.Certain, documented in docs/json-schema.md; each is
// also the prefix of the Partial entries about that section.
const (
	certainFile          = "file"          // file size, page size, both meta pages
	certainSnapshot      = "snapshot"      // the SHA-256 trailer check
	certainPages         = "pages"         // census, buckets, freelist, structural check
	certainFragmentation = "fragmentation" // free spans and the freelist models
	certainKeys          = "keys"          // mvcc: revisions, keys, prefixes, index
	certainLeases        = "leases"        // mvcc.leases
	certainStartup       = "predict.startup"
	certainMemory        = "predict.memory"
	certainQuota         = "predict.quota"
	certainDefrag        = "predict.defrag"
	certainExactDefrag   = "exact_defrag"
)

// certain records sections computed from everything they depend on.
func (c *Certainty) certain(sections ...string) {
	c.Certain = append(c.Certain, sections...)
}

// partial records a section that covers only part of the file, and why.
func (c *Certainty) partial(format string, args ...any) {
	c.Complete = false
	c.Partial = append(c.Partial, fmt.Sprintf(format, args...))
}

// changed records that the file changed while it was read.
func (c *Certainty) changed(what string) {
	c.Complete = false
	c.Changed = what + "; this is an inconsistent copy of a live db: take one with 'etcdctl snapshot save' (or stop etcd before copying) and inspect that"
}

// finish keeps Certain only where it says something: on a complete read
// everything is certain, and on a file that changed while it was read
// nothing is.
func (c *Certainty) finish() {
	if c.Complete || c.Changed != "" {
		c.Certain = nil
	}
}
