package mvcc

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Meta is the decoded "meta" bucket.
type Meta struct {
	Present         bool   `json:"present"`
	ConsistentIndex uint64 `json:"consistent_index"`
	Term            uint64 `json:"term"`
	HasTerm         bool   `json:"has_term"`
	// ScheduledCompactRevision and FinishedCompactRevision are the main
	// revisions of scheduledCompactRev and finishedCompactRev (0 if absent).
	ScheduledCompactRevision int64      `json:"scheduled_compact_revision"`
	FinishedCompactRevision  int64      `json:"finished_compact_revision"`
	UnfinishedCompaction     bool       `json:"unfinished_compaction"`
	ConfState                *ConfState `json:"conf_state,omitempty"`
	StorageVersion           string     `json:"storage_version,omitempty"`
	// EtcdVersions is the range of etcd versions that can have written
	// the file, inferred from which meta keys exist.
	EtcdVersions string   `json:"etcd_versions"`
	UnknownKeys  []string `json:"unknown_keys,omitempty"`
	Problems     []string `json:"problems,omitempty"`
}

// ConfState is raft's membership as etcd stores it in meta (JSON).
type ConfState struct {
	Voters         []uint64 `json:"voters,omitempty"`
	Learners       []uint64 `json:"learners,omitempty"`
	VotersOutgoing []uint64 `json:"voters_outgoing,omitempty"`
	LearnersNext   []uint64 `json:"learners_next,omitempty"`
	AutoLeave      bool     `json:"auto_leave"`
}

const maxMetaValue = 1 << 20 // no meta value etcd writes comes near this

func (m *Meta) add(k, v []byte) {
	m.Present = true
	switch string(k) {
	case "consistent_index":
		m.ConsistentIndex = m.u64(k, v)
	case "term":
		m.Term, m.HasTerm = m.u64(k, v), true
	case "scheduledCompactRev":
		m.ScheduledCompactRevision = m.rev(k, v)
	case "finishedCompactRev":
		m.FinishedCompactRevision = m.rev(k, v)
	case "confState":
		if len(v) > maxMetaValue {
			m.problem("confState is %d bytes, too large to be raft's ConfState", len(v))
			return
		}
		var cs ConfState
		if err := json.Unmarshal(v, &cs); err != nil {
			m.problem("confState is not JSON: %v", err)
			return
		}
		m.ConfState = &cs
	case "storageVersion":
		if len(v) > 64 {
			m.problem("storageVersion is %d bytes, not a version", len(v))
			return
		}
		m.StorageVersion = string(v)
	default:
		m.UnknownKeys = append(m.UnknownKeys, quoteName(k))
	}
}

func (m *Meta) u64(k, v []byte) uint64 {
	if len(v) != 8 {
		m.problem("meta %s is %d bytes, want 8", k, len(v))
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

func (m *Meta) rev(k, v []byte) int64 {
	bk, err := ParseBucketKey(v)
	if err != nil || bk.Tombstone {
		m.problem("meta %s is not a revision (%d bytes): etcd would panic at startup", k, len(v))
		return 0
	}
	return bk.Main
}

func (m *Meta) problem(format string, args ...any) {
	m.Problems = append(m.Problems, fmt.Sprintf(format, args...))
}

// finish derives the compaction state and the writer's version range.
func (m *Meta) finish() {
	m.UnfinishedCompaction = m.ScheduledCompactRevision > m.FinishedCompactRevision
	m.EtcdVersions = inferVersions(m)
}

// inferVersions reads the schema markers etcd adds per release: term and
// confState since 3.5, storageVersion since 3.6 (set to the cluster's
// major.minor once the whole cluster runs 3.6 or later).
func inferVersions(m *Meta) string {
	switch {
	case !m.Present:
		return "unknown (no meta bucket)"
	case m.StorageVersion != "":
		major, minor, ok := parseMajorMinor(m.StorageVersion)
		if !ok {
			return fmt.Sprintf("3.6 or later (unparsable storageVersion %q)", m.StorageVersion)
		}
		return fmt.Sprintf("%d.%d.x (storage version %d.%d; a later etcd migrates it on startup)", major, minor, major, minor)
	case m.HasTerm || m.ConfState != nil:
		return "3.5.x, or 3.6+ before its cluster version reached 3.6"
	default:
		return "3.4 or earlier (no term in meta)"
	}
}

func parseMajorMinor(s string) (int, int, bool) {
	parts := strings.SplitN(s, ".", 3)
	if len(parts) < 2 {
		return 0, 0, false
	}
	a, err1 := strconv.Atoi(parts[0])
	b, err2 := strconv.Atoi(parts[1])
	return a, b, err1 == nil && err2 == nil
}

// quoteName renders a bucket or meta key name safely (quoted, at most 64
// bytes): these names come from the file, not from etcd's schema.
func quoteName(b []byte) string {
	if len(b) > 64 {
		return strconv.Quote(string(b[:64])) + "..."
	}
	return strconv.Quote(string(b))
}
