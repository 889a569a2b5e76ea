package mvcc

import (
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
	"github.com/dbinspect/dbinspect/mvcc/kubevalue"
)

// kubeCounts reshapes a KubeGroup like the generator's manifest counts.
func kubeCounts(g KubeGroup) fixtures.KubeCounts {
	c := fixtures.KubeCounts{Objects: int(g.Objects), ValueBytes: int(g.ValueBytes),
		Encodings: map[string]fixtures.KubeEncoded{}, Kinds: map[string]int{}, Encrypted: map[string]int{}}
	for _, e := range g.Encodings {
		c.Encodings[e.Encoding] = fixtures.KubeEncoded{Objects: int(e.Objects), ValueBytes: int(e.ValueBytes)}
	}
	for _, k := range g.Kinds {
		if k.Hidden == "" {
			c.Kinds[k.APIVersion+" "+k.Kind] += int(k.Objects)
		}
	}
	for _, k := range g.Encryption {
		c.Encrypted[k.Provider+":"+k.Version+":"+k.KeyName] += int(k.Objects)
	}
	return c
}

func sameCounts(t *testing.T, where string, got fixtures.KubeCounts, want *fixtures.KubeCounts) {
	t.Helper()
	if want == nil {
		t.Errorf("%s: not in the generator's manifest", where)
		return
	}
	if got.Objects != want.Objects || got.ValueBytes != want.ValueBytes {
		t.Errorf("%s: %d objects, %d bytes; the generator wrote %d, %d", where, got.Objects, got.ValueBytes, want.Objects, want.ValueBytes)
	}
	if !maps.Equal(got.Encodings, want.Encodings) {
		t.Errorf("%s: encodings %v, the generator wrote %v", where, got.Encodings, want.Encodings)
	}
	if !maps.Equal(got.Kinds, nonNilMap(want.Kinds)) {
		t.Errorf("%s: kinds %v, the generator wrote %v", where, got.Kinds, want.Kinds)
	}
	if !maps.Equal(got.Encrypted, nonNilMap(want.Encrypted)) {
		t.Errorf("%s: encryption keys %v, the generator wrote %v", where, got.Encrypted, want.Encrypted)
	}
}

func nonNilMap[V any](m map[string]V) map[string]V {
	if m == nil {
		return map[string]V{}
	}
	return m
}

// TestKubeMatchesGenerator: on the db the real Kubernetes libraries wrote,
// the live objects by resource and namespace, kind, encoding, provider and
// key name are what the generator recorded, through bbolt's reading and
// through dbinspect's page reader.
func TestKubeMatchesGenerator(t *testing.T) {
	m := fixtures.LoadKubeValues(t)
	f := fixtures.KubeValuesFixture(t)
	pagesSum, _ := scanWithPagesState(t, fixtures.Path(t, f), DefaultOptions())
	boltSum, _ := scanFixture(t, f, DefaultOptions())
	for name, sum := range map[string]*Summary{"pages": pagesSum, "bbolt": boltSum} {
		t.Run(name, func(t *testing.T) {
			if sum.Revision != m.Revision || int64(sum.LiveKeys) != m.LiveKeys {
				t.Fatalf("revision %d, live keys %d; etcd said %d, %d", sum.Revision, sum.LiveKeys, m.Revision, m.LiveKeys)
			}
			k := sum.Kube
			if k == nil {
				t.Fatal("no Kubernetes summary")
			}
			all := kubeCounts(KubeGroup{Objects: k.Objects, ValueBytes: k.ValueBytes, Encodings: k.Encodings, Kinds: k.Kinds, Encryption: k.Encryption})
			sameCounts(t, "registry", all, &m.Registry)
			if len(k.Resources) != len(m.Resources) {
				t.Errorf("%d resources, the generator wrote %d", len(k.Resources), len(m.Resources))
			}
			for _, g := range k.Resources {
				sameCounts(t, g.Resource, kubeCounts(g), m.Resources[g.Resource])
			}
			nsRows := 0
			for _, r := range m.Resources {
				nsRows += len(r.Namespaces)
			}
			if len(k.Namespaces) != nsRows {
				t.Errorf("%d namespace rows, the generator wrote %d", len(k.Namespaces), nsRows)
			}
			for _, g := range k.Namespaces {
				var want *fixtures.KubeCounts
				if r := m.Resources[g.Resource]; r != nil {
					want = r.Namespaces[g.Namespace]
				}
				sameCounts(t, g.Resource+" in "+g.Namespace, kubeCounts(g), want)
			}
			// The rotation: key2, written last, has the newest mod revision.
			for _, g := range k.Resources {
				if g.Resource != "secrets" {
					continue
				}
				last := map[string]int64{}
				for _, e := range g.Encryption {
					last[e.KeyName] = e.LastModRevision
				}
				if last["key2"] <= last["key1"] || last["key1"] == 0 {
					t.Errorf("secrets: last mod revisions %v, want key2 newer than key1", last)
				}
			}
			// Largest sizes: per kind, sorted, at most TopN, the first is the largest.
			for _, kk := range k.Kinds {
				if len(kk.Largest) == 0 || len(kk.Largest) > DefaultOptions().TopN || uint64(len(kk.Largest)) > kk.Objects {
					t.Errorf("%+v: %d largest sizes", kk, len(kk.Largest))
				}
				for i := 1; i < len(kk.Largest); i++ {
					if kk.Largest[i] > kk.Largest[i-1] {
						t.Errorf("%s: largest not sorted: %v", kk.Kind, kk.Largest)
					}
				}
			}
		})
	}
}

// TestKubeRedactsKeyNames: under --redact-keys encryption key names and
// namespaces are hashed like key segments; resources and kinds stay.
func TestKubeRedactsKeyNames(t *testing.T) {
	opts := DefaultOptions()
	opts.RedactKeys = true
	sum, _ := scanWithPagesState(t, fixtures.Path(t, fixtures.KubeValuesFixture(t)), opts)
	red := newRedactor("/", true)
	// The key names the generator wrote: "provider:version:key name".
	var names []string
	for pk := range fixtures.LoadKubeValues(t).Registry.Encrypted {
		names = append(names, strings.SplitN(pk, ":", 3)[2])
	}
	seen := 0
	for _, e := range sum.Kube.Encryption {
		for _, plain := range names {
			if e.KeyName == plain {
				t.Errorf("key name %q printed under redaction", plain)
			}
			if e.KeyName == red.segment(plain) {
				seen++
			}
		}
	}
	if seen != len(sum.Kube.Encryption) || seen == 0 {
		t.Errorf("%d of %d key names are the redactor's hashes: %+v", seen, len(sum.Kube.Encryption), sum.Kube.Encryption)
	}
	for _, g := range sum.Kube.Namespaces {
		if g.Namespace == "team-a" || g.Namespace == "default" {
			t.Errorf("namespace %q printed under redaction", g.Namespace)
		}
	}
	if sum.Kube.Resources[0].Resource != "stable.example.com/crontabs" {
		t.Errorf("largest resource %q, want the CronTabs by name", sum.Kube.Resources[0].Resource)
	}
}

// TestKubeClassesAreLiveOnly: only the latest put of a live key counts; a
// key that was encrypted and then deleted, or rewritten plain, counts as
// it ends.
func TestKubeClassesAreLiveOnly(t *testing.T) {
	m := newModel()
	enc := []byte("k8s:enc:aescbc:v1:old:ciphertext")
	pod := []byte(`{"apiVersion":"v1","kind":"Pod"}`)
	m.txn(t, op{key: "/registry/secrets/ns/a", value: enc})
	m.txn(t, op{key: "/registry/secrets/ns/b", value: enc})
	m.txn(t, op{key: "/registry/secrets/ns/a", value: []byte("k8s:enc:aescbc:v1:new:ciphertext")})
	m.txn(t, op{key: "/registry/secrets/ns/b", del: true})
	m.txn(t, op{key: "/registry/pods/ns/p", value: pod})
	m.txn(t, op{key: "/other/x", value: pod})
	sum, err := Scan(m.kv, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	k := sum.Kube
	if k == nil || k.Objects != 2 {
		t.Fatalf("kube summary %+v, want 2 objects", k)
	}
	if len(k.Encryption) != 1 || k.Encryption[0].KeyName != "new" || k.Encryption[0].Objects != 1 {
		t.Errorf("encryption %+v, want one object on key new", k.Encryption)
	}
	opts := DefaultOptions()
	opts.K8s = false
	if sum, _ := Scan(m.kv, opts); sum.Kube != nil {
		t.Errorf("K8s off: kube summary %+v", sum.Kube)
	}
}

// TestKubeNamespacesFold: past MaxPrefixes rows the rest is one "(other)"
// row holding their objects.
func TestKubeNamespacesFold(t *testing.T) {
	m := newModel()
	for i := range 7 {
		m.txn(t, op{key: fmt.Sprintf("/registry/pods/ns-%d/p", i), value: []byte(`{"kind":"Pod"}` + strings.Repeat(" ", i))})
	}
	opts := DefaultOptions()
	opts.MaxPrefixes = 3
	sum, err := Scan(m.kv, opts)
	if err != nil {
		t.Fatal(err)
	}
	ns := sum.Kube.Namespaces
	if len(ns) != 4 || ns[3].Resource != "(other)" || ns[3].Objects != 4 || ns[0].Namespace != "ns-6" {
		t.Errorf("namespaces %+v", ns)
	}
}

// TestKubeClassTableFull: past 65535 distinct classes objects are counted
// by encoding alone, and the summary says so.
func TestKubeClassTableFull(t *testing.T) {
	c := newKubeClasses()
	for i := 0; len(c.list) < maxClasses; i++ {
		c.id([]byte(fmt.Sprintf(`{"kind":"K%d"}`, i)))
	}
	id := c.id([]byte(`{"kind":"OneMore"}`))
	if id != classBareBase+uint16(kubevalue.JSON) || !c.full {
		t.Errorf("id %d, full %v", id, c.full)
	}
}

func TestPushTop(t *testing.T) {
	var h []uint64
	for _, x := range []uint64{5, 1, 9, 3, 7, 9, 2} {
		h = pushTop(h, x, 3)
	}
	got := map[uint64]int{}
	for _, x := range h {
		got[x]++
	}
	if len(h) != 3 || got[9] != 2 || got[7] != 1 {
		t.Errorf("top 3 of 5 1 9 3 7 9 2: %v", h)
	}
}
