package kubefind

import (
	"fmt"
	"sort"
	"strings"

	humanize "github.com/dustin/go-humanize"

	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/report/findings"
)

// Finding is a finding of the report (findings.Finding): the rules give
// them in its one type, not a copy of it.
type Finding = findings.Finding

// Thresholds, named so the docs and tests can cite them.
const (
	// CustomJSONShare: custom resources stored as JSON whose value bytes
	// exceed this share of the db's live bytes (every live key's key and
	// value bytes) are reported.
	CustomJSONShare = 0.5
	// CustomJSONMinBytes keeps the rule quiet on tiny dbs.
	CustomJSONMinBytes = 128 << 10
	// MinUnknownValues: this many live /registry/ values that are no
	// kube-apiserver envelope fire the rule (one is enough: kube-apiserver
	// never writes one).
	MinUnknownValues = 1
)

const (
	severityInfo    = findings.SeverityInfo
	severityWarning = findings.SeverityWarning
)

// Findings runs the rules on a scan's Kubernetes summary; liveBytes is
// mvcc.Summary.LiveBytes. Nil when k is nil or nothing fires.
func Findings(k *mvcc.KubeSummary, liveBytes uint64) []Finding {
	if k == nil {
		return nil
	}
	var out []Finding
	for _, r := range []func(*mvcc.KubeSummary, uint64) []Finding{
		unencryptedSecrets, mixedKeys, partlyEncrypted, customJSON, unknownValues,
	} {
		out = append(out, r(k, liveBytes)...)
	}
	return out
}

func resource(k *mvcc.KubeSummary, name string) (mvcc.KubeGroup, bool) {
	for _, g := range k.Resources {
		if g.Resource == name {
			return g, true
		}
	}
	return mvcc.KubeGroup{}, false
}

// encryptedResources names the resources with at least one encrypted object.
func encryptedResources(k *mvcc.KubeSummary) []string {
	var rs []string
	for _, g := range k.Resources {
		if g.Encrypted > 0 {
			rs = append(rs, g.Resource)
		}
	}
	sort.Strings(rs)
	return rs
}

// unencryptedSecrets: plain Secrets are readable by anyone holding the db
// or a backup of it. ConfigMaps are reported (info) when the cluster does
// encrypt something, since then encryption is configured and ConfigMaps
// were left out of it.
func unencryptedSecrets(k *mvcc.KubeSummary, _ uint64) []Finding {
	var out []Finding
	enc := encryptedResources(k)
	if g, ok := resource(k, "secrets"); ok && g.Plain > 0 {
		msg := fmt.Sprintf("%d of %d Secrets are stored unencrypted (readable by anyone with this db or a backup)", g.Plain, g.Objects)
		advice := "configure encryption at rest for secrets (EncryptionConfiguration), then rewrite every Secret so it is stored encrypted: kubectl get secrets -A -o json | kubectl replace -f -"
		if g.Encrypted > 0 {
			msg = fmt.Sprintf("%d of %d Secrets are stored unencrypted although %d are encrypted: they were not rewritten since encryption at rest was turned on", g.Plain, g.Objects, g.Encrypted)
			advice = "rewrite every Secret so it is stored encrypted: kubectl get secrets -A -o json | kubectl replace -f -"
		}
		out = append(out, Finding{Severity: severityWarning, Code: "k8s_secrets_unencrypted", Message: msg, Evidence: map[string]any{"unencrypted": g.Plain, "encrypted": g.Encrypted, "secrets": g.Objects, "encrypted_resources": nonNil(enc)}, Advice: advice})
	}
	if g, ok := resource(k, "configmaps"); ok && g.Plain > 0 && g.Encrypted == 0 && len(enc) > 0 {
		out = append(out, Finding{Severity: severityInfo, Code: "k8s_configmaps_unencrypted", Message: fmt.Sprintf("%d ConfigMaps are stored unencrypted while %s are encrypted", g.Plain, strings.Join(enc, ", ")), Evidence: map[string]any{"unencrypted": g.Plain, "encrypted_resources": enc}, Advice: "if ConfigMaps hold credentials, add configmaps to the EncryptionConfiguration's resources and rewrite them"})
	}
	return out
}

// mixedKeys: one resource under several keys or providers is a rotation
// (or a provider change) whose storage migration did not finish. The key
// with the newest write is the one kube-apiserver writes with now; the
// others must stay in the EncryptionConfiguration until nothing uses them.
func mixedKeys(k *mvcc.KubeSummary, _ uint64) []Finding {
	var out []Finding
	for _, g := range k.Resources {
		if len(g.Encryption) < 2 {
			continue
		}
		keys := append([]mvcc.KubeKey(nil), g.Encryption...)
		sort.SliceStable(keys, func(i, j int) bool { return keys[i].LastModRevision > keys[j].LastModRevision })
		cur := keys[0]
		var old []string
		var left uint64
		for _, o := range keys[1:] {
			old = append(old, fmt.Sprintf("%d on %s", o.Objects, keyLabel(o)))
			left += o.Objects
		}
		out = append(out, Finding{Severity: severityWarning, Code: "k8s_encryption_keys_mixed", Message: fmt.Sprintf("%s: encrypted under %d keys; the newest writes use %s (%d objects), %d objects are left on older keys: %s",
			g.Resource, len(keys), keyLabel(cur), cur.Objects, left, strings.Join(old, ", ")), Evidence: map[string]any{"resource": g.Resource, "keys": len(keys), "current_key": keyLabel(cur), "current_key_objects": cur.Objects,
			"left_on_old_keys": left, "old_keys": old}, Advice: "finish the rotation: rewrite every object of " + g.Resource + " (kubectl get " + g.Resource + " -A -o json | kubectl replace -f -), then remove the old keys from the EncryptionConfiguration; removing them earlier makes those objects unreadable"})
	}
	return out
}

// partlyEncrypted: a resource other than Secrets with both plain and
// encrypted objects (Secrets have their own rule).
func partlyEncrypted(k *mvcc.KubeSummary, _ uint64) []Finding {
	var out []Finding
	for _, g := range k.Resources {
		if g.Resource == "secrets" || g.Plain == 0 || g.Encrypted == 0 {
			continue
		}
		out = append(out, Finding{Severity: severityWarning, Code: "k8s_encryption_incomplete", Message: fmt.Sprintf("%s: %d objects are stored unencrypted while %d are encrypted", g.Resource, g.Plain, g.Encrypted), Evidence: map[string]any{"resource": g.Resource, "unencrypted": g.Plain, "encrypted": g.Encrypted}, Advice: "rewrite every object of " + g.Resource + " so all are stored encrypted (kubectl get " + g.Resource + " -A -o json | kubectl replace -f -)"})
	}
	return out
}

// customJSON: custom resources can only be stored as JSON, which is
// larger than protobuf and costly to decode; when they hold most of the
// live bytes, they are what etcd's memory, snapshots and defrags carry.
func customJSON(k *mvcc.KubeSummary, liveBytes uint64) []Finding {
	if liveBytes == 0 {
		return nil
	}
	var total uint64
	type res struct {
		name  string
		bytes uint64
	}
	var rs []res
	for _, g := range k.Resources {
		if !strings.Contains(strings.SplitN(g.Resource, "/", 2)[0], ".") {
			continue // a built-in resource; CRDs are named <group>/<plural>
		}
		for _, e := range g.Encodings {
			if e.Encoding == "json" {
				total += e.ValueBytes
				rs = append(rs, res{g.Resource, e.ValueBytes})
			}
		}
	}
	share := float64(total) / float64(liveBytes)
	if share <= CustomJSONShare || total < CustomJSONMinBytes {
		return nil
	}
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].bytes > rs[j].bytes })
	var top []string
	for _, r := range rs[:min(len(rs), 5)] {
		top = append(top, fmt.Sprintf("%s %s", r.name, humanize.IBytes(r.bytes)))
	}
	return []Finding{{Severity: severityInfo, Code: "k8s_custom_resources_dominate", Message: fmt.Sprintf("custom resources stored as JSON hold %s, %.0f%% of the db's live bytes: %s", humanize.IBytes(total), 100*share, strings.Join(top, ", ")), Evidence: map[string]any{"json_custom_resource_bytes": total, "live_bytes": liveBytes, "share": share, "largest_resources": top}, Advice: "look for oversized or too many objects of these custom resources (the largest per kind are in the Kubernetes section) and for controllers that keep data in them that belongs elsewhere"}}
}

// unknownValues: kube-apiserver writes only its envelopes under /registry/;
// anything else was put by another client, or is damaged.
func unknownValues(k *mvcc.KubeSummary, _ uint64) []Finding {
	var n uint64
	var where []string
	for _, g := range k.Resources {
		if g.Unknown > 0 {
			n += g.Unknown
			where = append(where, fmt.Sprintf("%s %d", g.Resource, g.Unknown))
		}
	}
	if n < MinUnknownValues {
		return nil
	}
	return []Finding{{Severity: severityWarning, Code: "k8s_values_not_apiserver", Message: fmt.Sprintf("%d live values under /registry/ are neither protobuf, JSON nor an encryption envelope: kube-apiserver did not write them (%s)", n, strings.Join(where, ", ")), Evidence: map[string]any{"values": n, "by_resource": where}, Advice: "find which client wrote them (etcdctl, a backup or migration tool) or whether they are damaged: kube-apiserver fails to decode them when it lists these resources"}}
}

func keyLabel(k mvcc.KubeKey) string {
	return k.Provider + ":" + k.Version + ":" + k.KeyName
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
