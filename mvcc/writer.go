package mvcc

import "fmt"

// writtenBy names the etcd minor release that wrote the file, from the
// markers each release adds: storageVersion in meta since 3.6 (once the
// cluster runs 3.6), term and confState since 3.5. A file with neither was
// written by 3.4 or earlier; the cluster bucket's version (3.4 stores it
// there: etcdserver/api/membership/store.go:69 of 3.4.25) tells 3.4 apart. "" when the
// file does not say.
func writtenBy(m Meta, c ClusterInfo) string {
	switch {
	case !m.Present:
		return ""
	case m.StorageVersion != "":
		if major, minor, ok := parseMajorMinor(m.StorageVersion); ok {
			return fmt.Sprintf("%d.%d", major, minor)
		}
		return ""
	case m.HasTerm || m.ConfState != nil:
		return "3.5"
	}
	if major, minor, ok := parseMajorMinor(c.Version); ok && major == 3 && minor == 4 {
		return "3.4"
	}
	return ""
}
