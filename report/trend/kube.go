package trend

import (
	"fmt"
	"sort"
	"strings"
)

// KubeSummary is what trend keeps of one member's Kubernetes objects (from
// mvcc's value classes, live keys only): objects and value bytes by kind,
// and by resource with the encryption state. It is bounded by mvcc's own
// bounds on kinds and resources; never a key or a value.
type KubeSummary struct {
	Kinds     []KubeKindCount
	Resources []KubeResourceCount
}

// KubeKindCount is one apiVersion and kind (or, when not visible, why:
// Hidden "encrypted", "unknown", "not_in_prefix") in one member.
type KubeKindCount struct {
	APIVersion, Kind, Hidden string
	Objects, ValueBytes      int64
}

// KubeResourceCount is one resource in one member.
type KubeResourceCount struct {
	Resource                  string
	Objects, ValueBytes       int64
	Plain, Encrypted, Unknown int64
	Keys                      []KubeKeyCount
}

// KubeKeyCount counts one resource's objects under one provider and key.
type KubeKeyCount struct {
	Provider, Version, KeyName string
	Objects                    int64
}

// KubeTrend is the series' Kubernetes objects, member by member: every
// list holds one figure per member, in Members order (0 where a member had
// none).
type KubeTrend struct {
	Kinds     []KubeKindTrend     `json:"kinds"`
	Resources []KubeResourceTrend `json:"resources"`
}

// KubeKindTrend is one kind over the series.
type KubeKindTrend struct {
	APIVersion      string  `json:"api_version,omitempty"`
	Kind            string  `json:"kind,omitempty"`
	Hidden          string  `json:"hidden,omitempty"`
	Objects         []int64 `json:"objects"`
	ValueBytes      []int64 `json:"value_bytes"`
	ObjectsDelta    int64   `json:"objects_delta"`
	ValueBytesDelta int64   `json:"value_bytes_delta"`
}

// KubeResourceTrend is one resource over the series, with its encryption
// state in each member.
type KubeResourceTrend struct {
	Resource   string         `json:"resource"`
	Objects    []int64        `json:"objects"`
	ValueBytes []int64        `json:"value_bytes"`
	Plain      []int64        `json:"plain"`
	Encrypted  []int64        `json:"encrypted"`
	Unknown    []int64        `json:"unknown"`
	Keys       []KubeKeyTrend `json:"keys"`
}

// KubeKeyTrend is one encryption key of a resource over the series.
type KubeKeyTrend struct {
	Provider string  `json:"provider"`
	Version  string  `json:"version"`
	KeyName  string  `json:"key_name"`
	Objects  []int64 `json:"objects"`
	// FirstSeen is the index in Members of the first member with objects
	// under this key.
	FirstSeen int `json:"first_seen"`
}

// Label is the key as kube-apiserver's prefix names it: provider:version:name.
func (k KubeKeyTrend) Label() string { return k.Provider + ":" + k.Version + ":" + k.KeyName }

func (k KubeKindTrend) sortKey() string { return k.APIVersion + "\x00" + k.Kind + "\x00" + k.Hidden }

// kube gathers the members' Kubernetes objects; nil when none has any.
func (t *Trend) kube() {
	n := len(t.Members)
	has := false
	for _, m := range t.Members {
		has = has || m.Kube != nil && (len(m.Kube.Kinds) > 0 || len(m.Kube.Resources) > 0)
	}
	if !has {
		return
	}
	type kid struct{ v, k, h string }
	kinds := map[kid]*KubeKindTrend{}
	res := map[string]*KubeResourceTrend{}
	type keyID struct{ r, p, v, k string }
	keys := map[keyID]*KubeKeyTrend{}
	zeros := func() []int64 { return make([]int64, n) }
	for i, m := range t.Members {
		if m.Kube == nil {
			continue
		}
		for _, k := range m.Kube.Kinds {
			id := kid{k.APIVersion, k.Kind, k.Hidden}
			x := kinds[id]
			if x == nil {
				x = &KubeKindTrend{APIVersion: k.APIVersion, Kind: k.Kind, Hidden: k.Hidden, Objects: zeros(), ValueBytes: zeros()}
				kinds[id] = x
			}
			x.Objects[i] += k.Objects
			x.ValueBytes[i] += k.ValueBytes
		}
		for _, r := range m.Kube.Resources {
			x := res[r.Resource]
			if x == nil {
				x = &KubeResourceTrend{Resource: r.Resource, Objects: zeros(), ValueBytes: zeros(), Plain: zeros(), Encrypted: zeros(), Unknown: zeros()}
				res[r.Resource] = x
			}
			x.Objects[i] += r.Objects
			x.ValueBytes[i] += r.ValueBytes
			x.Plain[i] += r.Plain
			x.Encrypted[i] += r.Encrypted
			x.Unknown[i] += r.Unknown
			for _, k := range r.Keys {
				id := keyID{r.Resource, k.Provider, k.Version, k.KeyName}
				y := keys[id]
				if y == nil {
					y = &KubeKeyTrend{Provider: k.Provider, Version: k.Version, KeyName: k.KeyName, Objects: zeros(), FirstSeen: i}
					keys[id] = y
				}
				y.Objects[i] += k.Objects
			}
		}
	}
	for id, y := range keys {
		r := res[id.r]
		r.Keys = append(r.Keys, *y)
	}
	kt := &KubeTrend{Kinds: []KubeKindTrend{}, Resources: []KubeResourceTrend{}}
	for _, x := range kinds {
		x.ObjectsDelta = x.Objects[n-1] - x.Objects[0]
		x.ValueBytesDelta = x.ValueBytes[n-1] - x.ValueBytes[0]
		kt.Kinds = append(kt.Kinds, *x)
	}
	// Largest in the last member first, as the report's kinds table.
	sort.Slice(kt.Kinds, func(i, j int) bool {
		a, b := kt.Kinds[i], kt.Kinds[j]
		if a.ValueBytes[n-1] != b.ValueBytes[n-1] {
			return a.ValueBytes[n-1] > b.ValueBytes[n-1]
		}
		return a.sortKey() < b.sortKey()
	})
	for _, x := range res {
		sort.Slice(x.Keys, func(i, j int) bool {
			a, b := x.Keys[i], x.Keys[j]
			if a.FirstSeen != b.FirstSeen {
				return a.FirstSeen < b.FirstSeen
			}
			return a.Label() < b.Label()
		})
		if x.Keys == nil {
			x.Keys = []KubeKeyTrend{}
		}
		kt.Resources = append(kt.Resources, *x)
	}
	sort.Slice(kt.Resources, func(i, j int) bool {
		a, b := kt.Resources[i], kt.Resources[j]
		if a.ValueBytes[n-1] != b.ValueBytes[n-1] {
			return a.ValueBytes[n-1] > b.ValueBytes[n-1]
		}
		return a.Resource < b.Resource
	})
	t.Kube = kt
}

// kubeFindings: a resource whose objects were all encrypted now has plain
// ones (k8s_became_unencrypted); objects left on an older key of a
// resource across steps, once a newer key took the writes
// (k8s_rotation_left_objects).
func (t *Trend) kubeFindings() {
	if t.Kube == nil {
		return
	}
	for _, r := range t.Kube.Resources {
		for i := 1; i < len(t.Members); i++ {
			if r.Encrypted[i-1] > 0 && r.Plain[i-1] == 0 && r.Plain[i] > 0 {
				from, to := t.Members[i-1], t.Members[i]
				t.add("warning", "k8s_became_unencrypted",
					fmt.Sprintf("%s: every object was encrypted in %s (%d), but %s holds %d stored unencrypted: encryption at rest was turned off or its provider order changed (identity first)",
						r.Resource, name(from.Given), r.Encrypted[i-1], name(to.Given), r.Plain[i]),
					"check the EncryptionConfiguration of every kube-apiserver (the first provider of "+r.Resource+" encrypts new writes), then rewrite the plain objects (kubectl get "+r.Resource+" -A -o json | kubectl replace -f -)",
					map[string]any{"resource": r.Resource, "from": from.Given, "to": to.Given, "encrypted_before": r.Encrypted[i-1], "plain_now": r.Plain[i], "encrypted_now": r.Encrypted[i]})
			}
		}
		t.rotationFinding(r)
	}
}

// rotationFinding: the resource's newest key (first seen last) is in at
// least two members, and older keys still hold objects in the last one.
func (t *Trend) rotationFinding(r KubeResourceTrend) {
	if len(r.Keys) < 2 {
		return
	}
	n := len(t.Members)
	newest := r.Keys[len(r.Keys)-1]
	if newest.FirstSeen == 0 || n-newest.FirstSeen < 2 {
		// Every key was there from the start (no rotation seen in the
		// series), or the new key is only in the last member: the
		// rotation has had no step to finish.
		return
	}
	for _, old := range r.Keys[:len(r.Keys)-1] {
		left := old.Objects[n-1]
		if left == 0 || old.FirstSeen >= newest.FirstSeen {
			continue
		}
		var counts []string
		for _, c := range old.Objects[newest.FirstSeen-1:] {
			counts = append(counts, fmt.Sprint(c))
		}
		steps := n - newest.FirstSeen
		t.add("warning", "k8s_rotation_left_objects",
			fmt.Sprintf("%s: %d objects are still on %s in the last file, %d files since %s first appeared (in %s); objects on %s per file: %s",
				r.Resource, left, old.Label(), steps, newest.Label(), name(t.Members[newest.FirstSeen].Given), old.Label(), strings.Join(counts, " -> ")),
			"the rotation did not rewrite every object: rewrite them (kubectl get "+r.Resource+" -A -o json | kubectl replace -f -), then remove the old key from the EncryptionConfiguration",
			map[string]any{"resource": r.Resource, "old_key": old.Label(), "new_key": newest.Label(), "left_on_old_key": left, "steps_since_new_key": steps})
	}
}

// name is a member's file name, without its directory.
func name(given string) string {
	if i := strings.LastIndexAny(given, `/\`); i >= 0 && i < len(given)-1 {
		return given[i+1:]
	}
	return given
}
