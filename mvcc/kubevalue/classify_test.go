package kubevalue

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
)

// field appends a length-delimited protobuf field.
func field(b []byte, num int, data []byte) []byte {
	b = binary.AppendUvarint(b, uint64(num<<3|2))
	b = binary.AppendUvarint(b, uint64(len(data)))
	return append(b, data...)
}

// unknown builds "k8s\x00" + runtime.Unknown as apimachinery's protobuf
// serializer lays it out: TypeMeta, Raw, ContentEncoding, ContentType.
func unknown(apiVersion, kind string, raw []byte) []byte {
	var tm []byte
	tm = field(tm, 1, []byte(apiVersion))
	tm = field(tm, 2, []byte(kind))
	b := field([]byte("k8s\x00"), 1, tm)
	b = field(b, 2, raw)
	b = field(b, 3, nil)
	return field(b, 4, nil)
}

type want struct {
	enc                                   Encoding
	apiVersion, kind, provider, ver, name string
}

func check(t *testing.T, name string, v []byte, w want) {
	t.Helper()
	c := Classify(v)
	got := want{c.Encoding, string(c.APIVersion), string(c.Kind), string(c.Provider), string(c.ProviderVersion), string(c.KeyName)}
	if got != w {
		t.Errorf("%s: got %+v, want %+v", name, got, w)
	}
}

func TestClassify(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 10000)
	pod := unknown("v1", "Pod", big)
	longTM := unknown(strings.Repeat("a", 125)+"/v1", strings.Repeat("K", 128), []byte("r"))
	lyingRaw := field(field([]byte("k8s\x00"), 1, field(field(nil, 1, []byte("v1")), 2, []byte("Pod"))), 2, []byte("short"))
	lyingRaw = lyingRaw[:len(lyingRaw)-2] // raw's length now runs past the value
	lyingTM := []byte("k8s\x00\x0a\xff\xff\x03v1")
	for _, tc := range []struct {
		name string
		v    []byte
		want want
	}{
		{"protobuf pod", pod, want{enc: Protobuf, apiVersion: "v1", kind: "Pod"}},
		{"protobuf group", unknown("apps/v1", "Deployment", []byte("r")), want{enc: Protobuf, apiVersion: "apps/v1", kind: "Deployment"}},
		{"protobuf empty typemeta", unknown("", "", []byte("r")), want{enc: Protobuf}},
		{"protobuf typemeta past the window", longTM, want{}},
		{"protobuf raw length past the value", lyingRaw, want{}},
		{"protobuf typemeta length past the value", lyingTM, want{}},
		{"protobuf magic only", []byte("k8s\x00"), want{}},
		{"protobuf wrong first field", field([]byte("k8s\x00"), 2, []byte("raw")), want{}},
		{"protobuf kind not a name", unknown("v1", "Po d", []byte("r")), want{}},
		{"protobuf cut inside typemeta", pod[:10], want{}},
		{"protobuf huge varint", []byte("k8s\x00\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"), want{}},
		{"json pod", []byte(`{"kind":"Pod","apiVersion":"v1","metadata":{"name":"a"}}`), want{enc: JSON, apiVersion: "v1", kind: "Pod"}},
		{"json unstructured order", []byte(`{"apiVersion":"stable.example.com/v1","kind":"CronTab","metadata":{"name":"a","labels":{"x":"[}"}},"spec":[1,2,{"a":null}]}`), want{enc: JSON, apiVersion: "stable.example.com/v1", kind: "CronTab"}},
		{"json space", []byte("  \n{ \"kind\" : \"Pod\" }"), want{enc: JSON, kind: "Pod"}},
		{"json kind past the window", append(append([]byte(`{"apiVersion":"v1","data":"`), big...), `","kind":"ConfigMap"}`...), want{enc: JSON, apiVersion: "v1"}},
		{"json kind escaped", []byte(`{"kind":"P\u006fd"}`), want{enc: JSON}},
		{"json kind not a name", []byte(`{"kind":"<b>"}`), want{enc: JSON}},
		{"json kind not a string", []byte(`{"kind":{"a":"Pod"}}`), want{enc: JSON}},
		{"json empty", []byte(`{}`), want{enc: JSON}},
		{"json truncated", []byte(`{"kind":"Pod","spec":{"a":`), want{}},
		{"json garbage", []byte(`{kind:Pod}`), want{}},
		{"json missing value", []byte(`{"kind":,"a":1}`), want{}},
		{"json bad nesting", []byte(`{"a":[1}`), want{}},
		{"json control char", []byte("{\"kind\":\"P\x01\"}"), want{}},
		{"aescbc", append([]byte("k8s:enc:aescbc:v1:key1:"), big[:32]...), want{enc: Encrypted, provider: "aescbc", ver: "v1", name: "key1"}},
		{"aesgcm", []byte("k8s:enc:aesgcm:v1:k-2026:\x00\x01"), want{enc: Encrypted, provider: "aesgcm", ver: "v1", name: "k-2026"}},
		{"secretbox", []byte("k8s:enc:secretbox:v1:sb:ct"), want{enc: Encrypted, provider: "secretbox", ver: "v1", name: "sb"}},
		{"kms v1", []byte("k8s:enc:kms:v1:vault:ct"), want{enc: Encrypted, provider: "kms", ver: "v1", name: "vault"}},
		{"kms v2", []byte("k8s:enc:kms:v2:cloudkms:\x0a\x01"), want{enc: Encrypted, provider: "kms", ver: "v2", name: "cloudkms"}},
		{"encrypted no ciphertext", []byte("k8s:enc:aescbc:v1:key1:"), want{}},
		{"encrypted unknown provider", []byte("k8s:enc:rot13:v1:key1:ct"), want{}},
		{"encrypted wrong version", []byte("k8s:enc:aescbc:v2:key1:ct"), want{}},
		{"encrypted empty key name", []byte("k8s:enc:aescbc:v1::ct"), want{}},
		{"encrypted key name not printable", []byte("k8s:enc:aescbc:v1:k\x00y:ct"), want{}},
		{"encrypted key name past the window", append([]byte("k8s:enc:aescbc:v1:"), big...), want{}},
		{"encrypted cut", []byte("k8s:enc:aes"), want{}},
		{"identity is plain", []byte("k8s:enc:identity:v1:x:ct"), want{}},
		{"empty", nil, want{}},
		{"text", []byte("hello"), want{}},
		{"mvcc-like", []byte{0x0a, 0x03, 'k', 'e', 'y'}, want{}},
	} {
		check(t, tc.name, tc.v, tc.want)
	}
}

// TestClassifyReadsOnlyThePrefix: changing any byte past MaxPrefix never
// changes the class, apart from a value's length.
func TestClassifyReadsOnlyThePrefix(t *testing.T) {
	for _, v := range [][]byte{
		unknown("v1", "Secret", bytes.Repeat([]byte{0xaa}, 1000)),
		append([]byte(`{"apiVersion":"v1","kind":"ConfigMap","data":"`), bytes.Repeat([]byte("y"), 1000)...),
		append([]byte("k8s:enc:secretbox:v1:key:"), bytes.Repeat([]byte{1}, 1000)...),
	} {
		before := Classify(v)
		w := bytes.Clone(v)
		for i := MaxPrefix; i < len(w); i++ {
			w[i] ^= 0xff
		}
		after := Classify(w)
		if before.Encoding != after.Encoding || string(before.Kind) != string(after.Kind) || string(before.KeyName) != string(after.KeyName) {
			t.Errorf("%.20q: class changed with bytes past the prefix: %+v, %+v", v, before, after)
		}
	}
}

func TestEncodingString(t *testing.T) {
	for e, s := range map[Encoding]string{Unknown: "unknown", Protobuf: "protobuf", JSON: "json", Encrypted: "encrypted", 9: "unknown"} {
		if e.String() != s {
			t.Errorf("%d: %q, want %q", e, e.String(), s)
		}
	}
}

// BenchmarkClassify measures the per-value cost the key scan pays for
// every put under /registry/ (go test -bench Classify ./mvcc/kubevalue).
func BenchmarkClassify(b *testing.B) {
	vals := [][]byte{
		unknown("v1", "Pod", bytes.Repeat([]byte("x"), 2000)),
		[]byte(`{"apiVersion":"stable.example.com/v1","kind":"CronTab","metadata":{"name":"a","namespace":"b"},"spec":{}}`),
		append([]byte("k8s:enc:aescbc:v1:key1:"), bytes.Repeat([]byte{7}, 500)...),
		append([]byte("k8s\x00"), bytes.Repeat([]byte{0x9c}, 150)...), // the 1.5M-key bench db's values
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Classify(vals[i%len(vals)])
	}
}
