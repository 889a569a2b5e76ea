package report

import (
	"fmt"
	"strconv"

	"github.com/dbinspect/dbinspect/internal/redact"
	"github.com/dbinspect/dbinspect/mvcc"
)

// Redaction is the --redact policy, written down in README.md
// ("Redaction"): with On, key names (Kubernetes resource kept, namespace
// and name hashed unless KeepNamespace), member names, peer and client
// URLs' hosts and the input path are hashed; with IDs also member, lease
// and cluster IDs. Salt keys the hashes so two runs with the same salt
// hash alike and a guessed name cannot be confirmed without it.
type Redaction struct {
	On            bool
	KeepNamespace bool
	IDs           bool
	Salt          string
}

// apply sets the key scan's share of the policy (key names are hashed as
// they are read, so no clear name is kept) and hashes the input's names.
func (p Redaction) apply(in *Input, mo *mvcc.Options) *redact.Hasher {
	if !p.On {
		return nil
	}
	mo.RedactKeys, mo.RedactSalt, mo.RedactKeepNamespace = true, p.Salt, p.KeepNamespace
	h := redact.New(p.Salt)
	in.Given, in.Resolved = h.Path(in.Given), h.Path(in.Resolved)
	return h
}

// RedactPath is the input path as a redacted report names it, for the
// callers that name an input outside a report (a file trend could not
// read).
func (p Redaction) RedactPath(given string) string {
	if !p.On {
		return given
	}
	return redact.New(p.Salt).Path(given)
}

// redactNames hashes what the key scan does not: members and their URLs,
// and with IDs the member, alarm and lease IDs. It runs before the
// findings, so their messages quote only hashed names.
func redactNames(s *mvcc.Summary, h *redact.Hasher, ids bool) {
	if s == nil || h == nil {
		return
	}
	for i := range s.Members {
		m := &s.Members[i]
		m.Name = h.Name(m.Name)
		for j, u := range m.PeerURLs {
			m.PeerURLs[j] = h.URL(u)
		}
		for j, u := range m.ClientURLs {
			m.ClientURLs[j] = h.URL(u)
		}
		if ids {
			m.ID = hashID(h, m.ID)
		}
	}
	if !ids {
		return
	}
	for i, id := range s.RemovedMembers {
		s.RemovedMembers[i] = hashID(h, id)
	}
	for i := range s.Alarms {
		s.Alarms[i].MemberID = hashID(h, s.Alarms[i].MemberID)
	}
	for i := range s.Leases.Top {
		s.Leases.Top[i].ID = hashID(h, s.Leases.Top[i].ID)
	}
	for _, list := range [][]mvcc.KeyStat{s.TopKeys.ByRevisions, s.TopKeys.ByHistoryBytes, s.TopKeys.ByValueBytes, s.TopKeys.ByValueTimesRevisions} {
		for i := range list {
			if l := list[i].Lease; l != 0 {
				n, _ := strconv.ParseInt(hashID(h, fmt.Sprintf("%x", l)), 16, 64)
				list[i].Lease = n
			}
		}
	}
}

// hashID hashes a hex ID into 12 hex digits without leading zeros, so a
// lease ID hashes alike as a string (leases) and as a number (a key's
// lease), which prints in hex.
func hashID(h *redact.Hasher, id string) string {
	n, _ := strconv.ParseUint(h.Name(id), 16, 64)
	return strconv.FormatUint(n, 16)
}

// resolvedSuffix names, after the input in a text header, the db read
// inside it: " (member/snap/db)".
func resolvedSuffix(in InputInfo) string {
	if in.Resolved == "" {
		return ""
	}
	return " (" + in.Resolved + ")"
}

// redactWALIDs hashes, with IDs, the member and cluster ID the WAL's
// metadata names, as the members bucket's IDs are hashed: the member
// section's check that the two match still holds.
func redactWALIDs(m *MemberReport, h *redact.Hasher, ids bool) {
	if m == nil || m.WAL == nil || m.WAL.Metadata == nil || h == nil || !ids {
		return
	}
	md := *m.WAL.Metadata
	hash := func(id uint64) uint64 {
		n, _ := strconv.ParseUint(hashID(h, strconv.FormatUint(id, 16)), 16, 64)
		return n
	}
	md.NodeID, md.ClusterID = hash(md.NodeID), hash(md.ClusterID)
	m.WAL.Metadata = &md
}
