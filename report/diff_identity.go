package report

import (
	"fmt"
	"sort"
	"strings"

	"github.com/dbinspect/dbinspect/report/trend"
)

// DiffIdentity says whether the two dbs of a diff are one cluster at two
// times, which a diff's growth figures assume: the cluster (by member IDs,
// as etcd keys its members bucket), the etcd that wrote each, and whether
// the revision went back. Notes say in words what does not hold.
type DiffIdentity struct {
	// Cluster is "same" (a member in common), "different" (none: another
	// cluster, or one restored from a snapshot, which gets new member
	// IDs) or "unknown" (a side has no members bucket).
	Cluster          string   `json:"cluster"`
	MembersAdded     []string `json:"members_added"`
	MembersRemoved   []string `json:"members_removed"`
	VersionChanged   bool     `json:"version_changed"`
	RevisionWentBack bool     `json:"revision_went_back"`
	Notes            []string `json:"notes"`
}

// identity fills a side's cluster and version fields from its report.
func (s *DiffSide) identity(r *Report) {
	m := r.MVCC
	if m == nil {
		return
	}
	s.MemberIDs = []string{}
	for _, mb := range m.Members {
		s.MemberIDs = append(s.MemberIDs, mb.ID)
	}
	sort.Strings(s.MemberIDs)
	s.ClusterID = trend.ClusterID(s.MemberIDs)
	s.WrittenBy = writtenByMinor(m)
	s.StorageVersion, s.ClusterVersion = m.StorageVersion, m.Cluster.Version
}

// compareIdentity is the diff's identity check of old and new.
func compareIdentity(o, n DiffSide) DiffIdentity {
	id := DiffIdentity{Cluster: "unknown", MembersAdded: []string{}, MembersRemoved: []string{}, Notes: []string{}}
	note := func(format string, a ...any) { id.Notes = append(id.Notes, fmt.Sprintf(format, a...)) }
	in := func(ids []string, x string) bool {
		i := sort.SearchStrings(ids, x)
		return i < len(ids) && ids[i] == x
	}
	if len(o.MemberIDs) > 0 && len(n.MemberIDs) > 0 {
		common := 0
		for _, x := range n.MemberIDs {
			if in(o.MemberIDs, x) {
				common++
			} else {
				id.MembersAdded = append(id.MembersAdded, x)
			}
		}
		for _, x := range o.MemberIDs {
			if !in(n.MemberIDs, x) {
				id.MembersRemoved = append(id.MembersRemoved, x)
			}
		}
		if common > 0 {
			id.Cluster = "same"
			if len(id.MembersAdded)+len(id.MembersRemoved) > 0 {
				note("the membership changed: members added %s, removed %s", listOrNone(id.MembersAdded), listOrNone(id.MembersRemoved))
			}
		} else {
			id.Cluster = "different"
			note("OLD and NEW are NOT the same cluster: no member in common (OLD's members %s, cluster ID %s; NEW's %s, cluster ID %s); a restore from a snapshot also makes a new cluster. The changes below compare two different clusters' data", strings.Join(o.MemberIDs, ", "), o.ClusterID, strings.Join(n.MemberIDs, ", "), n.ClusterID)
		}
	} else {
		side := "NEW"
		if len(o.MemberIDs) == 0 {
			side = "OLD"
		}
		note("whether OLD and NEW are one cluster is not known: %s has no members bucket", side)
	}
	if o.Revision > n.Revision {
		id.RevisionWentBack = true
		note("the revision went BACK from %s to %s: NEW is not a later copy of OLD. Either NEW was restored from an older snapshot, NEW belongs to another cluster, or the files were given in the wrong order ('dbinspect diff OLD NEW'); sizes are still compared below", count(o.Revision), count(n.Revision))
	}
	ov, nv := versionOf(o), versionOf(n)
	if ov != nv && ov != "" && nv != "" {
		id.VersionChanged = true
		note("the etcd version changed: OLD was written by %s, NEW by %s", ov, nv)
	}
	return id
}

// versionOf names the etcd of one side as the text report does.
func versionOf(s DiffSide) string {
	v := "etcd " + s.WrittenBy
	if s.WrittenBy == "" {
		v = "etcd (version unknown)"
	}
	if s.StorageVersion != "" {
		v += " (storage version " + s.StorageVersion + ")"
	}
	if s.ClusterVersion != "" {
		v += ", cluster version " + s.ClusterVersion
	}
	return v
}

func listOrNone(ids []string) string {
	if len(ids) == 0 {
		return "none"
	}
	return strings.Join(ids, ", ")
}

// identityText writes the identity notes, first thing after the header:
// they say how to read every figure after them.
func (t *textWriter) identityText(d *Diff) {
	t.heading("Identity")
	tb := newTable("", "old", "new")
	tb.add("cluster ID", orDash(d.Old.ClusterID), orDash(d.New.ClusterID))
	tb.add("members", orDash(strings.Join(d.Old.MemberIDs, ", ")), orDash(strings.Join(d.New.MemberIDs, ", ")))
	tb.add("etcd", versionOf(d.Old), versionOf(d.New))
	t.table(tb)
	if len(d.Identity.Notes) == 0 {
		t.printf("  the same cluster, at a later revision\n")
	}
	for _, n := range d.Identity.Notes {
		t.printf("  %s %s\n", t.severity("warning"), n)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
