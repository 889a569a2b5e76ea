package report

import (
	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/pages"
	"github.com/dbinspect/dbinspect/report/trend"
)

// SnapshotNotChecked is Input.SnapshotHash when Options.SkipSnapshotHash
// left the trailer unchecked.
const SnapshotNotChecked pages.SnapshotStatus = "not checked"

// TrendSections are what 'dbinspect trend' needs of each file: the page
// walk (sizes) and the key scan (revisions, prefixes); no fragmentation
// replay, predictions or findings.
var TrendSections = KeysSections

// TrendSummary keeps of a report what 'dbinspect trend' needs: a few figures
// and one row per prefix, never a key. The time is the caller's.
func TrendSummary(r *Report) trend.Summary {
	s := trend.Summary{Given: r.Input.Given, MemberIDs: []string{}}
	if a := r.Analysis; a != nil {
		s.DbSizeBytes, s.InUseBytes = a.Pages.HighWaterBytes, a.Pages.InUseBytes
	}
	if m := r.MVCC; m != nil {
		s.Revision, s.CompactRevision = m.Revision, m.CompactRevision
		s.LiveKeys, s.LiveBytes, s.HistoryBytes = int64(m.LiveKeys), int64(m.LiveBytes), int64(m.HistoryBytes)
		for _, mb := range m.Members {
			s.MemberIDs = append(s.MemberIDs, mb.ID)
		}
		s.ClusterID = trend.ClusterID(s.MemberIDs)
		for _, p := range m.Prefixes {
			s.Prefixes = append(s.Prefixes, trend.PrefixSummary{Prefix: p.Prefix, LiveKeys: int64(p.LiveKeys), Bytes: int64(p.LiveBytes + p.HistoryBytes)})
		}
		s.Kube = trendKube(m.Kube)
	}
	if !r.Certainty.Complete {
		s.Partial = diffCertaintyLine(&r.Certainty)
	}
	return s
}

// trendKube keeps of a file's Kubernetes objects their counts by kind and
// by resource with the encryption keys; nil for a db with none.
func trendKube(k *mvcc.KubeSummary) *trend.KubeSummary {
	if k == nil || k.Objects == 0 {
		return nil
	}
	out := &trend.KubeSummary{}
	for _, x := range k.Kinds {
		out.Kinds = append(out.Kinds, trend.KubeKindCount{APIVersion: x.APIVersion, Kind: x.Kind, Hidden: x.Hidden, Objects: int64(x.Objects), ValueBytes: int64(x.ValueBytes)})
	}
	for _, g := range k.Resources {
		r := trend.KubeResourceCount{Resource: g.Resource, Objects: int64(g.Objects), ValueBytes: int64(g.ValueBytes),
			Plain: int64(g.Plain), Encrypted: int64(g.Encrypted), Unknown: int64(g.Unknown)}
		for _, e := range g.Encryption {
			r.Keys = append(r.Keys, trend.KubeKeyCount{Provider: e.Provider, Version: e.Version, KeyName: e.KeyName, Objects: int64(e.Objects)})
		}
		out.Resources = append(out.Resources, r)
	}
	return out
}
