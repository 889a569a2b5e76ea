package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand"
	"sort"

	clientv3 "go.etcd.io/etcd/client/v3"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/types"
)

// Canary is planted deep (past byte 300) inside plain values, so a test
// can grep every output for it: no value byte past the classified prefix
// may be printed.
const Canary = "DBINSPECT-CANARY-7f3a9c"

// written is what the generator knows about one live key.
type written struct {
	resource, namespace string
	encoding            string // protobuf, json, encrypted, unknown
	apiVersion, kind    string // of the object, also when encrypted
	provider, keyName   string // provider is "aescbc:v1", "kms:v2", ...
	valueBytes          int
}

type writer struct {
	ctx        context.Context
	cli        *clientv3.Client
	rng        *rand.Rand
	protoEnc   runtime.Encoder
	jsonEnc    runtime.Encoder
	live       map[string]written
	uidCounter int
}

func newWriter(ctx context.Context, cli *clientv3.Client, seed int64) (*writer, error) {
	scheme := scheme()
	cf := serializer.NewCodecFactory(scheme)
	var protoSer, jsonSer runtime.Serializer
	for _, info := range cf.SupportedMediaTypes() {
		switch info.MediaType {
		case runtime.ContentTypeProtobuf:
			protoSer = info.Serializer
		case runtime.ContentTypeJSON:
			jsonSer = info.Serializer
		}
	}
	if protoSer == nil || jsonSer == nil {
		return nil, fmt.Errorf("codec factory lacks the protobuf or JSON serializer")
	}
	return &writer{
		ctx: ctx, cli: cli, rng: rand.New(rand.NewSource(seed)),
		// The storage codec: objects converted to their group's version
		// (core v1, apps/v1) and encoded with their TypeMeta.
		protoEnc: cf.EncoderForVersion(protoSer, storageVersions),
		jsonEnc:  cf.EncoderForVersion(jsonSer, storageVersions),
		live:     map[string]written{},
	}, nil
}

func (w *writer) meta(ns, name string) metav1.ObjectMeta {
	w.uidCounter++
	return metav1.ObjectMeta{
		Name: name, Namespace: ns,
		UID:               types.UID(fmt.Sprintf("00000000-0000-4000-8000-%012d", w.uidCounter)),
		ResourceVersion:   "", // kube-apiserver clears it before storing
		CreationTimestamp: metav1.Unix(1767225600+int64(w.uidCounter), 0),
		Labels:            map[string]string{"app": name, "tier": []string{"web", "db", "batch"}[w.rng.Intn(3)]},
	}
}

// filler is n bytes of text, then the canary: it lands past the prefix.
func (w *writer) filler(n int) string {
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789 "
	b := make([]byte, n)
	for i := range b {
		b[i] = letters[w.rng.Intn(len(letters))]
	}
	return string(b) + Canary
}

func (w *writer) encode(enc runtime.Encoder, obj runtime.Object) ([]byte, error) {
	var buf bytes.Buffer
	if err := enc.Encode(obj, &buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// put stores a value under key and records it as live.
func (w *writer) put(key string, val []byte, rec written) error {
	if _, err := w.cli.Put(w.ctx, key, string(val)); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	rec.valueBytes = len(val)
	w.live[key] = rec
	return nil
}

func (w *writer) del(key string) error {
	if _, err := w.cli.Delete(w.ctx, key); err != nil {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	delete(w.live, key)
	return nil
}

// store encodes obj (protobuf or JSON), encrypts it with t if given, and
// puts it under /registry/<resource>/[<ns>/]<name>.
func (w *writer) store(resource, ns, name string, obj runtime.Object, asJSON bool, t *transformer) error {
	key := "/registry/" + resource + "/"
	if ns != "" {
		key += ns + "/"
	}
	key += name
	var b []byte
	var err error
	rec := written{resource: resource, namespace: ns, encoding: "protobuf"}
	switch u, isU := obj.(*unstructured.Unstructured); {
	case isU:
		b, err = runtime.Encode(unstructured.UnstructuredJSONScheme, u)
		rec.encoding, rec.apiVersion, rec.kind = "json", u.GetAPIVersion(), u.GetKind()
	case asJSON:
		b, err = w.encode(w.jsonEnc, obj)
		rec.encoding = "json"
	default:
		b, err = w.encode(w.protoEnc, obj)
	}
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	if rec.kind == "" {
		gvk := obj.GetObjectKind().GroupVersionKind()
		if gvk.Empty() {
			gvks, _, err := scheme().ObjectKinds(obj)
			if err != nil {
				return err
			}
			gvk = gvks[0]
		}
		rec.apiVersion, rec.kind = gvk.GroupVersion().String(), gvk.Kind
	}
	if t != nil {
		if b, err = t.seal(w.ctx, key, b); err != nil {
			return fmt.Errorf("encrypt %s: %w", key, err)
		}
		rec.encoding, rec.provider, rec.keyName = "encrypted", t.provider+":"+t.version, t.keyName
	}
	return w.put(key, b, rec)
}

// storageVersions are the versions objects are stored in, per group.
var storageVersions = schema.GroupVersions{corev1.SchemeGroupVersion, appsv1.SchemeGroupVersion}

var coreScheme *runtime.Scheme

func scheme() *runtime.Scheme {
	if coreScheme == nil {
		coreScheme = runtime.NewScheme()
		_ = corev1.AddToScheme(coreScheme)
		_ = appsv1.AddToScheme(coreScheme)
	}
	return coreScheme
}

var namespaces = []string{"default", "kube-system", "team-a", "team-b"}

func (w *writer) pod(ns, name string, gen int) *corev1.Pod {
	env := make([]corev1.EnvVar, 3+w.rng.Intn(12))
	for i := range env {
		env[i] = corev1.EnvVar{Name: fmt.Sprintf("VAR_%d", i), Value: w.filler(20 + w.rng.Intn(60))}
	}
	p := &corev1.Pod{
		ObjectMeta: w.meta(ns, name),
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "main", Image: "registry.example/app:1." + fmt.Sprint(gen), Env: env,
		}}},
	}
	if gen > 0 {
		p.Status = corev1.PodStatus{Phase: corev1.PodRunning, PodIP: fmt.Sprintf("10.0.%d.%d", gen, w.rng.Intn(250))}
	}
	return p
}

func (w *writer) secret(ns, name string) *corev1.Secret {
	data := map[string][]byte{"token": []byte(w.filler(300 + w.rng.Intn(700)))}
	return &corev1.Secret{ObjectMeta: w.meta(ns, name), Type: corev1.SecretTypeOpaque, Data: data}
}

func (w *writer) configMap(ns, name string, size int) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: w.meta(ns, name), Data: map[string]string{"config.yaml": w.filler(size)}}
}

func (w *writer) cronTab(ns, name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{
		"spec": map[string]any{
			"cronSpec": "*/5 * * * *",
			"image":    "registry.example/cron:" + fmt.Sprint(w.rng.Intn(9)),
			"script":   w.filler(6000 + w.rng.Intn(6000)),
		},
	}}
	u.SetGroupVersionKind(schema.GroupVersionKind{Group: "stable.example.com", Version: "v1", Kind: "CronTab"})
	u.SetName(name)
	u.SetNamespace(ns)
	w.uidCounter++
	u.SetUID(types.UID(fmt.Sprintf("00000000-0000-4000-8000-%012d", w.uidCounter)))
	return u
}

func (w *writer) widget(ns, name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{"spec": map[string]any{"size": w.rng.Intn(100), "notes": w.filler(400)}}}
	u.SetGroupVersionKind(schema.GroupVersionKind{Group: "example.dbinspect.io", Version: "v1", Kind: "Widget"})
	u.SetName(name)
	u.SetNamespace(ns)
	return u
}

// workload writes, in order: namespaces, pods (some updated, some
// deleted), ConfigMaps (protobuf, a few JSON), Secrets before encryption,
// then with aescbc key1 (a storage migration that missed some), then a
// rotation to aescbc key2 that rewrote only part of them, apps/v1
// Deployments, Events under aesgcm, ServiceAccounts under secretbox, custom resources as JSON (CronTabs, large) and under
// KMS v2 (Widgets), PodTemplates under KMS v1, and a few values no apiserver wrote.
func (w *writer) workload() error {
	key1, err := aescbc("key1")
	if err != nil {
		return err
	}
	key2, err := aescbc("key2")
	if err != nil {
		return err
	}
	sb := secretboxKey("sb1")
	gcm, err := aesgcm("gcm1")
	if err != nil {
		return err
	}
	kms, err := kmsV2(w.ctx, "fake-kms")
	if err != nil {
		return err
	}
	kms1 := kmsV1("legacy-kms")
	for _, ns := range namespaces {
		obj := &corev1.Namespace{ObjectMeta: w.meta("", ns), Status: corev1.NamespaceStatus{Phase: corev1.NamespaceActive}}
		if err := w.store("namespaces", "", ns, obj, false, nil); err != nil {
			return err
		}
	}
	for i := 0; i < 40; i++ {
		ns := namespaces[i%len(namespaces)]
		if err := w.store("pods", ns, fmt.Sprintf("web-%02d", i), w.pod(ns, fmt.Sprintf("web-%02d", i), 0), false, nil); err != nil {
			return err
		}
	}
	for i := 0; i < 40; i += 4 { // status updates: history below the live revision
		ns := namespaces[i%len(namespaces)]
		if err := w.store("pods", ns, fmt.Sprintf("web-%02d", i), w.pod(ns, fmt.Sprintf("web-%02d", i), 1), false, nil); err != nil {
			return err
		}
	}
	for _, i := range []int{1, 6, 11, 17} {
		if err := w.del(fmt.Sprintf("/registry/pods/%s/web-%02d", namespaces[i%len(namespaces)], i)); err != nil {
			return err
		}
	}
	for i := 0; i < 24; i++ {
		ns := namespaces[i%len(namespaces)]
		name := fmt.Sprintf("cm-%02d", i)
		// The first four were written as JSON, as older apiservers did.
		if err := w.store("configmaps", ns, name, w.configMap(ns, name, 300+w.rng.Intn(3000)), i < 4, nil); err != nil {
			return err
		}
	}
	// Secrets before encryption at rest was turned on.
	for i := 0; i < 20; i++ {
		ns := namespaces[i%len(namespaces)]
		name := fmt.Sprintf("secret-%02d", i)
		if err := w.store("secrets", ns, name, w.secret(ns, name), false, nil); err != nil {
			return err
		}
	}
	// aescbc key1 on; a storage migration rewrote all but the last three.
	for i := 0; i < 17; i++ {
		ns := namespaces[i%len(namespaces)]
		name := fmt.Sprintf("secret-%02d", i)
		if err := w.store("secrets", ns, name, w.secret(ns, name), false, key1); err != nil {
			return err
		}
	}
	for i := 20; i < 26; i++ {
		ns := namespaces[i%len(namespaces)]
		name := fmt.Sprintf("secret-%02d", i)
		if err := w.store("secrets", ns, name, w.secret(ns, name), false, key1); err != nil {
			return err
		}
	}
	// Rotation to key2: new secrets and eight rewrites; the rest stay on key1.
	for i := 26; i < 36; i++ {
		ns := namespaces[i%len(namespaces)]
		name := fmt.Sprintf("secret-%02d", i)
		if err := w.store("secrets", ns, name, w.secret(ns, name), false, key2); err != nil {
			return err
		}
	}
	for i := 0; i < 8; i++ {
		ns := namespaces[i%len(namespaces)]
		name := fmt.Sprintf("secret-%02d", i)
		if err := w.store("secrets", ns, name, w.secret(ns, name), false, key2); err != nil {
			return err
		}
	}
	for _, i := range []int{21, 22} {
		if err := w.del(fmt.Sprintf("/registry/secrets/%s/secret-%02d", namespaces[i%len(namespaces)], i)); err != nil {
			return err
		}
	}
	for i := 0; i < 6; i++ {
		ns := namespaces[i%len(namespaces)]
		name := fmt.Sprintf("deploy-%02d", i)
		replicas := int32(1 + i%3)
		d := &appsv1.Deployment{ObjectMeta: w.meta(ns, name), Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec: w.pod(ns, name, 0).Spec},
		}}
		if err := w.store("deployments", ns, name, d, false, nil); err != nil {
			return err
		}
	}
	for i := 0; i < 8; i++ {
		ns := namespaces[i%len(namespaces)]
		name := fmt.Sprintf("web-%02d.%x", i, 0x17f0000+i)
		ev := &corev1.Event{ObjectMeta: w.meta(ns, name), Reason: "Scheduled", Message: w.filler(300),
			InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: ns, Name: fmt.Sprintf("web-%02d", i)}}
		if err := w.store("events", ns, name, ev, false, gcm); err != nil {
			return err
		}
	}
	for i := 0; i < 12; i++ {
		ns := namespaces[i%len(namespaces)]
		name := fmt.Sprintf("sa-%02d", i)
		sa := &corev1.ServiceAccount{ObjectMeta: w.meta(ns, name)}
		if err := w.store("serviceaccounts", ns, name, sa, false, sb); err != nil {
			return err
		}
	}
	for i := 0; i < 30; i++ {
		ns := namespaces[2+i%2]
		name := fmt.Sprintf("cron-%02d", i)
		if err := w.store("stable.example.com/crontabs", ns, name, w.cronTab(ns, name), true, nil); err != nil {
			return err
		}
	}
	for i := 0; i < 6; i++ {
		ns := namespaces[2+i%2]
		name := fmt.Sprintf("widget-%02d", i)
		if err := w.store("example.dbinspect.io/widgets", ns, name, w.widget(ns, name), true, kms); err != nil {
			return err
		}
	}
	// PodTemplates under KMS v1 (deprecated, still read and written by
	// clusters that never moved to v2).
	for i := 0; i < 4; i++ {
		ns := namespaces[i%len(namespaces)]
		name := fmt.Sprintf("tmpl-%02d", i)
		pt := &corev1.PodTemplate{ObjectMeta: w.meta(ns, name), Template: corev1.PodTemplateSpec{Spec: w.pod(ns, name, 0).Spec}}
		if err := w.store("podtemplates", ns, name, pt, false, kms1); err != nil {
			return err
		}
	}
	// Values no apiserver wrote: text, protobuf without the magic, and an
	// encryption prefix with no ciphertext.
	for _, v := range []struct{ key, resource, ns, val string }{
		{"/registry/configmaps/default/hand-written", "configmaps", "default", "hello from a script " + Canary},
		{"/registry/masterleases/192.0.2.1", "masterleases", "", "\x0a\x0210\x12\x04\x08\x01\x10\x02"},
		{"/registry/secrets/team-a/cut-envelope", "secrets", "team-a", "k8s:enc:aescbc:v1:key1:"},
	} {
		if err := w.put(v.key, []byte(v.val), written{resource: v.resource, namespace: v.ns, encoding: "unknown"}); err != nil {
			return err
		}
	}
	return nil
}

// Manifest is k8s-values.json: what the generator left live.
type Manifest struct {
	Name        string `json:"name"`
	File        string `json:"file"`
	EtcdVersion string `json:"etcd_version"`
	K8sLibs     string `json:"k8s_libs"`
	Seed        int64  `json:"seed"`
	Revision    int64  `json:"revision"`
	LiveKeys    int64  `json:"live_keys"`
	Canary      string `json:"canary"`
	// Registry counts every live /registry/ key; Resources one resource
	// each, with its namespaces.
	Registry  Counts             `json:"registry"`
	Resources map[string]*Counts `json:"resources"`
}

// Counts are live objects. Kinds counts the objects whose kind a reader
// can see (not encrypted, not unknown) by "apiVersion kind"; Encrypted
// counts encrypted ones by "provider:version:key name".
type Counts struct {
	Objects    int                  `json:"objects"`
	ValueBytes int                  `json:"value_bytes"`
	Encodings  map[string]*EncCount `json:"encodings"`
	Kinds      map[string]int       `json:"kinds,omitempty"`
	Encrypted  map[string]int       `json:"encrypted,omitempty"`
	Namespaces map[string]*Counts   `json:"namespaces,omitempty"`
	Written    map[string]int       `json:"written_kinds,omitempty"`
}

type EncCount struct {
	Objects    int `json:"objects"`
	ValueBytes int `json:"value_bytes"`
}

func (c *Counts) add(r written) {
	c.Objects++
	c.ValueBytes += r.valueBytes
	if c.Encodings == nil {
		c.Encodings = map[string]*EncCount{}
	}
	e := c.Encodings[r.encoding]
	if e == nil {
		e = &EncCount{}
		c.Encodings[r.encoding] = e
	}
	e.Objects++
	e.ValueBytes += r.valueBytes
	if r.kind != "" {
		if c.Written == nil {
			c.Written = map[string]int{}
		}
		c.Written[r.apiVersion+" "+r.kind]++
	}
	switch r.encoding {
	case "protobuf", "json":
		if c.Kinds == nil {
			c.Kinds = map[string]int{}
		}
		c.Kinds[r.apiVersion+" "+r.kind]++
	case "encrypted":
		if c.Encrypted == nil {
			c.Encrypted = map[string]int{}
		}
		c.Encrypted[r.provider+":"+r.keyName]++
	}
}

func (w *writer) manifest() Manifest {
	m := Manifest{K8sLibs: "k8s.io/api, apimachinery, apiserver v0.36.6", Canary: Canary, Resources: map[string]*Counts{}}
	keys := make([]string, 0, len(w.live))
	for k := range w.live {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		r := w.live[k]
		m.Registry.add(r)
		c := m.Resources[r.resource]
		if c == nil {
			c = &Counts{}
			m.Resources[r.resource] = c
		}
		c.add(r)
		if r.namespace != "" {
			if c.Namespaces == nil {
				c.Namespaces = map[string]*Counts{}
			}
			n := c.Namespaces[r.namespace]
			if n == nil {
				n = &Counts{}
				c.Namespaces[r.namespace] = n
			}
			n.add(r)
		}
	}
	return m
}
