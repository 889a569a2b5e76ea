package kubefind

import (
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/mvcc"
)

func group(name string, plain, encrypted, unknown uint64, keys ...mvcc.KubeKey) mvcc.KubeGroup {
	g := mvcc.KubeGroup{Resource: name, Plain: plain, Encrypted: encrypted, Unknown: unknown, Objects: plain + encrypted + unknown, Encryption: keys}
	if plain > 0 {
		g.Encodings = append(g.Encodings, mvcc.KubeEncoding{Encoding: "protobuf", Objects: plain, ValueBytes: plain * 1000})
	}
	return g
}

func key(name string, objects uint64, lastRev int64) mvcc.KubeKey {
	return mvcc.KubeKey{Provider: "aescbc", Version: "v1", KeyName: name, Objects: objects, LastModRevision: lastRev}
}

func TestRules(t *testing.T) {
	encSecrets := group("secrets", 0, 10, 0, key("k", 10, 5))
	crd := func(bytes uint64) mvcc.KubeGroup {
		return mvcc.KubeGroup{Resource: "stable.example.com/crontabs", Objects: 3, Plain: 3, ValueBytes: bytes,
			Encodings: []mvcc.KubeEncoding{{Encoding: "json", Objects: 3, ValueBytes: bytes}}}
	}
	cases := []struct {
		name      string
		resources []mvcc.KubeGroup
		liveBytes uint64
		want      map[string]string // code -> a word the message must hold
	}{
		{"healthy", []mvcc.KubeGroup{encSecrets, group("pods", 5, 0, 0)}, 1 << 30, nil},
		{"secrets plain, nothing encrypted", []mvcc.KubeGroup{group("secrets", 4, 0, 0), group("configmaps", 3, 0, 0)}, 1 << 30,
			map[string]string{"k8s_secrets_unencrypted": "4 of 4 Secrets"}},
		{"secrets partly migrated, configmaps plain", []mvcc.KubeGroup{group("secrets", 2, 8, 0, key("k", 8, 5)), group("configmaps", 3, 0, 0)}, 1 << 30,
			map[string]string{"k8s_secrets_unencrypted": "although 8 are encrypted", "k8s_configmaps_unencrypted": "3 ConfigMaps"}},
		{"configmaps encrypted too", []mvcc.KubeGroup{encSecrets, group("configmaps", 0, 3, 0, key("k", 3, 9))}, 1 << 30, nil},
		{"rotation", []mvcc.KubeGroup{group("secrets", 0, 30, 0, key("new", 10, 90), key("old", 20, 40))}, 1 << 30,
			map[string]string{"k8s_encryption_keys_mixed": "newest writes use aescbc:v1:new (10 objects), 20 objects are left on older keys: 20 on aescbc:v1:old"}},
		{"provider change", []mvcc.KubeGroup{group("secrets", 0, 3, 0, key("a", 1, 7), mvcc.KubeKey{Provider: "kms", Version: "v2", KeyName: "b", Objects: 2, LastModRevision: 3})}, 1 << 30,
			map[string]string{"k8s_encryption_keys_mixed": "newest writes use aescbc:v1:a"}},
		{"partly encrypted other resource", []mvcc.KubeGroup{encSecrets, group("serviceaccounts", 2, 3, 0, key("k", 3, 1))}, 1 << 30,
			map[string]string{"k8s_encryption_incomplete": "serviceaccounts: 2 objects"}},
		{"custom resources dominate", []mvcc.KubeGroup{encSecrets, crd(600 << 10)}, 1 << 20,
			map[string]string{"k8s_custom_resources_dominate": "stable.example.com/crontabs"}},
		{"custom resources at the threshold", []mvcc.KubeGroup{encSecrets, crd(512 << 10)}, 1 << 20, nil},
		{"custom resources dominate a tiny db", []mvcc.KubeGroup{encSecrets, crd(100 << 10)}, 120 << 10, nil},
		{"a built-in resource as JSON is not a custom resource", []mvcc.KubeGroup{encSecrets, func() mvcc.KubeGroup {
			g := crd(900 << 10)
			g.Resource = "events"
			return g
		}()}, 1 << 20, nil},
		{"values not from the apiserver", []mvcc.KubeGroup{encSecrets, group("pods", 1, 0, 2)}, 1 << 30,
			map[string]string{"k8s_values_not_apiserver": "pods 2"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Findings(&mvcc.KubeSummary{Resources: tc.resources}, tc.liveBytes)
			codes := map[string]bool{}
			for _, f := range got {
				codes[f.Code] = true
				word, ok := tc.want[f.Code]
				if !ok {
					t.Errorf("unexpected %s: %s", f.Code, f.Message)
					continue
				}
				if !strings.Contains(f.Message, word) {
					t.Errorf("%s: %q lacks %q", f.Code, f.Message, word)
				}
				if f.Advice == "" || len(f.Evidence) == 0 || (f.Severity != "info" && f.Severity != "warning") {
					t.Errorf("%s: incomplete %+v", f.Code, f)
				}
			}
			for code := range tc.want {
				if !codes[code] {
					t.Errorf("%s did not fire", code)
				}
			}
		})
	}
	if Findings(nil, 1) != nil {
		t.Error("findings without a Kubernetes summary")
	}
}
