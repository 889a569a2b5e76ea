package mvcc

import (
	"bytes"
	"sort"

	"github.com/dbinspect/dbinspect/mvcc/kubevalue"
)

// Kubernetes value classes. While the key bucket streams, every put under
// /registry/ is classified from its value's first kubevalue.MaxPrefix bytes
// and the class's id is kept in the key's state (2 bytes that were padding);
// the per-key pass then counts the classes of live keys only. Nothing of a
// value is kept but its class: encoding, apiVersion and kind when visible,
// encryption provider and key name.

// kubeClass is one distinct class; its strings are copies, never aliases of
// a value.
type kubeClass struct {
	enc                                          kubevalue.Encoding
	apiVersion, kind, provider, version, keyName string
}

// Class ids: 0 is "not classified" (a key outside /registry/); 1-4 are the
// bare encodings, used when a db holds more distinct classes than an id can
// name (a hostile db; a real one has dozens).
const (
	classNone     = 0
	classBareBase = 1
	maxClasses    = 1<<16 - 1
)

type kubeClasses struct {
	ids     map[string]uint16
	list    []kubeClass
	scratch []byte
	lastKey []byte // the scratch key of the last class looked up, and its id:
	lastID  uint16 // consecutive values of one kind skip the map
	full    bool
}

func newKubeClasses() *kubeClasses {
	c := &kubeClasses{ids: map[string]uint16{}, list: make([]kubeClass, classBareBase, 16)}
	for e := kubevalue.Unknown; e <= kubevalue.Encrypted; e++ {
		c.list = append(c.list, kubeClass{enc: e})
	}
	return c
}

// id classifies v and returns its class id. It does not allocate unless
// the class is new.
func (c *kubeClasses) id(v []byte) uint16 {
	cl := kubevalue.Classify(v)
	s := append(c.scratch[:0], byte(cl.Encoding))
	for _, f := range [][]byte{cl.APIVersion, cl.Kind, cl.Provider, cl.ProviderVersion, cl.KeyName} {
		s = append(s, byte(len(f)))
		s = append(s, f...)
	}
	c.scratch = s
	if bytes.Equal(s, c.lastKey) {
		return c.lastID
	}
	id, ok := c.ids[string(s)]
	if !ok {
		if len(c.list) >= maxClasses {
			c.full = true
			id = uint16(classBareBase + int(cl.Encoding))
		} else {
			id = uint16(len(c.list))
			c.list = append(c.list, kubeClass{
				enc: cl.Encoding, apiVersion: string(cl.APIVersion), kind: string(cl.Kind),
				provider: string(cl.Provider), version: string(cl.ProviderVersion), keyName: string(cl.KeyName),
			})
			c.ids[string(s)] = id
		}
	}
	c.lastKey = append(c.lastKey[:0], s...)
	c.lastID = id
	return id
}

// KubeSummary describes the live objects under /registry/ by what their
// values' first bytes show. Sizes are value bytes (the stored object,
// without the key); no value byte past the classified prefix is kept.
type KubeSummary struct {
	// Objects and ValueBytes are the live /registry/ keys and their values.
	Objects    uint64         `json:"objects"`
	ValueBytes uint64         `json:"value_bytes"`
	Encodings  []KubeEncoding `json:"encodings"`
	Kinds      []KubeKind     `json:"kinds"`
	Encryption []KubeKey      `json:"encryption"`
	Resources  []KubeGroup    `json:"resources"`
	// Namespaces has one row per resource and namespace (namespaced keys
	// only), in the order and with the "(other)" row of
	// Summary.PrefixesByNamespace.
	Namespaces []KubeGroup `json:"namespaces"`
	// Note is set when the db held more distinct classes than can be told
	// apart (some are then counted by encoding alone).
	Note string `json:"note,omitempty"`
}

// KubeEncoding counts the objects of one encoding: "protobuf", "json",
// "encrypted" or "unknown".
type KubeEncoding struct {
	Encoding   string `json:"encoding"`
	Objects    uint64 `json:"objects"`
	ValueBytes uint64 `json:"value_bytes"`
}

// KubeKind counts the objects of one apiVersion and kind. When the kind
// cannot be seen, Kind is empty and Hidden says why: "encrypted",
// "unknown" (not an apiserver envelope) or "not_in_prefix" (JSON whose
// kind comes later than the classified prefix).
type KubeKind struct {
	APIVersion string `json:"api_version,omitempty"`
	Kind       string `json:"kind,omitempty"`
	Hidden     string `json:"hidden,omitempty"`
	Objects    uint64 `json:"objects"`
	ValueBytes uint64 `json:"value_bytes"`
	// Largest are the value sizes of the largest objects of this kind,
	// largest first, at most Options.TopN (Summary.Kube.Kinds only).
	Largest []uint64 `json:"largest,omitempty"`
}

// KubeKey counts the objects encrypted by one provider and key name.
type KubeKey struct {
	Provider   string `json:"provider"` // aescbc, aesgcm, secretbox, kms
	Version    string `json:"version"`  // v1, v2
	KeyName    string `json:"key_name"` // hashed under --redact
	Objects    uint64 `json:"objects"`
	ValueBytes uint64 `json:"value_bytes"`
	// LastModRevision is the newest mod revision among these objects: the
	// key kube-apiserver writes with now has the newest one.
	LastModRevision int64 `json:"last_mod_revision"`
}

// KubeGroup is one resource, or one namespace of a resource.
type KubeGroup struct {
	Resource   string `json:"resource"`
	Namespace  string `json:"namespace,omitempty"`
	Objects    uint64 `json:"objects"`
	ValueBytes uint64 `json:"value_bytes"`
	// Plain objects are protobuf or JSON (readable by anyone with the db);
	// Encrypted and Unknown the others.
	Plain      uint64         `json:"plain"`
	Encrypted  uint64         `json:"encrypted"`
	Unknown    uint64         `json:"unknown"`
	Encodings  []KubeEncoding `json:"encodings"`
	Kinds      []KubeKind     `json:"kinds"`
	Encryption []KubeKey      `json:"encryption"`
}

// kubeTally counts objects, bytes and the newest mod revision per class
// id. A resource or namespace holds a handful of classes, so a short slice
// searched in order is both smaller and faster than a map; the resource and
// namespace tallies live in their PrefixStat rows (prefix.go), which the
// prefix lists keep anyway, so counting classes per namespace costs one
// small slice per namespace and no map of its own.
type kubeTally []kubeCell

type kubeCell struct {
	id            uint16
	objects, size uint64
	modRev        int64
}

func (t *kubeTally) add(id uint16, size uint64, modRev int64) {
	for i := range *t {
		if c := &(*t)[i]; c.id == id {
			c.objects++
			c.size += size
			c.modRev = max(c.modRev, modRev)
			return
		}
	}
	*t = append(*t, kubeCell{id: id, objects: 1, size: size, modRev: modRev})
}

func (t *kubeTally) merge(o kubeTally) {
	for _, c := range o {
		found := false
		for i := range *t {
			if d := &(*t)[i]; d.id == c.id {
				d.objects += c.objects
				d.size += c.size
				d.modRev = max(d.modRev, c.modRev)
				found = true
				break
			}
		}
		if !found {
			*t = append(*t, c)
		}
	}
}

// kubeAgg accumulates the per-key pass over the whole registry; resources
// and namespaces are tallied in their PrefixStat rows.
type kubeAgg struct {
	classes *kubeClasses
	all     kubeTally
	largest map[kindKey][]uint64 // a min-heap of at most topN sizes
	topN    int
}

type kindKey struct{ apiVersion, kind, hidden string }

func (c kubeClass) kindKey() kindKey {
	switch {
	case c.enc == kubevalue.Encrypted:
		return kindKey{hidden: "encrypted"}
	case c.enc == kubevalue.Unknown:
		return kindKey{hidden: "unknown"}
	case c.kind == "":
		return kindKey{apiVersion: c.apiVersion, hidden: "not_in_prefix"}
	}
	return kindKey{apiVersion: c.apiVersion, kind: c.kind}
}

func newKubeAgg(classes *kubeClasses, topN int) *kubeAgg {
	return &kubeAgg{classes: classes, largest: map[kindKey][]uint64{}, topN: topN}
}

// add counts one live object in the registry and in its resource's and
// namespace's rows (ns nil when cluster scoped).
func (a *kubeAgg) add(resource, ns *PrefixStat, id uint16, size uint64, modRev int64) {
	a.all.add(id, size, modRev)
	resource.kube.add(id, size, modRev)
	if ns != nil {
		ns.kube.add(id, size, modRev)
	}
	kk := a.classes.list[id].kindKey()
	a.largest[kk] = pushTop(a.largest[kk], size, a.topN)
}

// pushTop keeps the n largest sizes in a min-heap.
func pushTop(h []uint64, x uint64, n int) []uint64 {
	if len(h) < n {
		h = append(h, x)
		for i := len(h) - 1; i > 0; {
			p := (i - 1) / 2
			if h[p] <= h[i] {
				break
			}
			h[p], h[i] = h[i], h[p]
			i = p
		}
		return h
	}
	if n == 0 || x <= h[0] {
		return h
	}
	h[0] = x
	for i := 0; ; {
		l, s := 2*i+1, i
		if l < len(h) && h[l] < h[s] {
			s = l
		}
		if l+1 < len(h) && h[l+1] < h[s] {
			s = l + 1
		}
		if s == i {
			return h
		}
		h[i], h[s] = h[s], h[i]
		i = s
	}
}

// group expands a tally into its encodings, kinds and keys.
func (a *kubeAgg) group(t kubeTally, red *redactor) KubeGroup {
	var g KubeGroup
	encs := map[string]*KubeEncoding{}
	kinds := map[kindKey]*KubeKind{}
	keys := map[[3]string]*KubeKey{}
	for _, c := range t {
		cl := a.classes.list[c.id]
		n, b := c.objects, c.size
		g.Objects += n
		g.ValueBytes += b
		switch cl.enc {
		case kubevalue.Protobuf, kubevalue.JSON:
			g.Plain += n
		case kubevalue.Encrypted:
			g.Encrypted += n
		default:
			g.Unknown += n
		}
		e := encs[cl.enc.String()]
		if e == nil {
			e = &KubeEncoding{Encoding: cl.enc.String()}
			encs[cl.enc.String()] = e
		}
		e.Objects += n
		e.ValueBytes += b
		kk := cl.kindKey()
		k := kinds[kk]
		if k == nil {
			k = &KubeKind{APIVersion: kk.apiVersion, Kind: kk.kind, Hidden: kk.hidden}
			kinds[kk] = k
		}
		k.Objects += n
		k.ValueBytes += b
		if cl.enc == kubevalue.Encrypted {
			name := cl.keyName
			if red != nil && name != "" {
				name = red.segment(name)
			}
			kk := [3]string{cl.provider, cl.version, name}
			e := keys[kk]
			if e == nil {
				e = &KubeKey{Provider: cl.provider, Version: cl.version, KeyName: name}
				keys[kk] = e
			}
			e.Objects += n
			e.ValueBytes += b
			e.LastModRevision = max(e.LastModRevision, c.modRev)
		}
	}
	g.Encodings = make([]KubeEncoding, 0, len(encs))
	for _, e := range encs {
		g.Encodings = append(g.Encodings, *e)
	}
	sort.Slice(g.Encodings, func(i, j int) bool {
		x, y := g.Encodings[i], g.Encodings[j]
		return x.ValueBytes > y.ValueBytes || x.ValueBytes == y.ValueBytes && x.Encoding < y.Encoding
	})
	g.Kinds = make([]KubeKind, 0, len(kinds))
	for _, k := range kinds {
		g.Kinds = append(g.Kinds, *k)
	}
	sort.Slice(g.Kinds, func(i, j int) bool {
		x, y := g.Kinds[i], g.Kinds[j]
		if x.ValueBytes != y.ValueBytes {
			return x.ValueBytes > y.ValueBytes
		}
		return x.APIVersion+"\x00"+x.Kind+"\x00"+x.Hidden < y.APIVersion+"\x00"+y.Kind+"\x00"+y.Hidden
	})
	g.Encryption = make([]KubeKey, 0, len(keys))
	for _, k := range keys {
		g.Encryption = append(g.Encryption, *k)
	}
	sort.Slice(g.Encryption, func(i, j int) bool {
		x, y := g.Encryption[i], g.Encryption[j]
		if x.Objects != y.Objects {
			return x.Objects > y.Objects
		}
		return x.Provider+x.Version+"\x00"+x.KeyName < y.Provider+y.Version+"\x00"+y.KeyName
	})
	return g
}

// summary builds Summary.Kube from the registry tally and the listed (and
// redacted) prefix rows; nil when no live /registry/ key was seen.
func (a *kubeAgg) summary(prefixes, namespaces []PrefixStat, red *redactor) *KubeSummary {
	if len(a.all) == 0 {
		return nil
	}
	all := a.group(a.all, red)
	s := &KubeSummary{Objects: all.Objects, ValueBytes: all.ValueBytes, Encodings: all.Encodings, Encryption: all.Encryption}
	s.Kinds = all.Kinds
	for i := range s.Kinds {
		k := &s.Kinds[i]
		top := append([]uint64(nil), a.largest[kindKey{k.APIVersion, k.Kind, k.Hidden}]...)
		sort.Slice(top, func(i, j int) bool { return top[i] > top[j] })
		k.Largest = top
	}
	s.Resources = []KubeGroup{}
	for _, p := range prefixes {
		if len(p.kube) == 0 {
			continue
		}
		g := a.group(p.kube, red)
		g.Resource = p.Resource
		if p.Prefix == "(other)" {
			g.Resource = "(other)"
		}
		s.Resources = append(s.Resources, g)
	}
	sortGroups(s.Resources)
	// Namespaces keep the order and the "(other)" row of
	// prefixes_by_namespace.
	s.Namespaces = []KubeGroup{}
	for _, p := range namespaces {
		if len(p.kube) == 0 {
			continue
		}
		g := a.group(p.kube, red)
		g.Resource, g.Namespace = p.Resource, p.Namespace
		if p.Prefix == "(other)" {
			g.Resource = "(other)"
		}
		s.Namespaces = append(s.Namespaces, g)
	}
	if a.classes.full {
		s.Note = "more distinct kinds and encryption keys than can be told apart: some objects are counted by encoding only"
	}
	return s
}

func sortGroups(gs []KubeGroup) {
	sort.Slice(gs, func(i, j int) bool {
		x, y := gs[i], gs[j]
		if x.ValueBytes != y.ValueBytes {
			return x.ValueBytes > y.ValueBytes
		}
		return x.Resource+"\x00"+x.Namespace < y.Resource+"\x00"+y.Namespace
	})
}
