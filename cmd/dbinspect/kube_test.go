package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
	"github.com/dbinspect/dbinspect/mvcc/kubevalue"
)

// kubeClassNames are the names the Kubernetes section prints by design
// from a value's classified prefix: apiVersion, kind, provider, version
// and encryption key name. Nothing else of a value may reach an output.
func kubeClassNames(v []byte) []string {
	c := kubevalue.Classify(v)
	var out []string
	for _, b := range [][]byte{c.APIVersion, c.Kind, c.Provider, c.ProviderVersion, c.KeyName} {
		if len(b) > 0 {
			out = append(out, string(b))
		}
	}
	return out
}

// kubeRuns are the outputs checked on the k8s-values fixture: every
// format of report, keys, and diff against another Kubernetes db (in both
// directions, so the fixture is OLD once and NEW once).
var kubeRuns = [][]string{
	{"report"}, {"report", "-o", "json"}, {"report", "-o", "html"},
	{"report", "--redact-keys"}, {"report", "--redact-keys", "-o", "json"}, {"report", "--redact-keys", "-o", "html"},
	{"keys"}, {"keys", "-o", "json"}, {"diff"}, {"diff", "-o", "json"}, {"diff", "--redact-keys"},
}

// Ensure no value byte beyond the classified prefix reaches any output:
// the fixture's plain values carry a canary past their first 300 bytes,
// and every value of the db (ciphertext included) is probed as the privacy
// test probes the other fixtures, with only the class names allowed.
func TestKubeValuesNeverPrinted(t *testing.T) {
	m := fixtures.LoadKubeValues(t)
	path := fixtures.Path(t, fixtures.KubeValuesFixture(t))
	other := fixtures.Path(t, fixtures.Get(t, "k8s-v3.6"))
	stored := readStored(t, path)
	canaries := 0
	for _, v := range stored.values {
		canaries += strings.Count(string(v.v), m.Canary)
	}
	if canaries < 50 {
		t.Fatalf("only %d canaries in the fixture's values; it is not what this test expects", canaries)
	}
	var ps probeSet
	for _, v := range stored.values {
		valueProbes(v.v, stored.shown, func(p string) { ps.add(p, v.where) })
	}
	if ps.size() < 500 {
		t.Fatalf("only %d probes", ps.size())
	}
	words := programText(t)
	for _, run := range kubeRuns {
		for _, pair := range [][]string{{path}, {other, path}, {path, other}} {
			if run[0] != "diff" && len(pair) == 2 || run[0] == "diff" && len(pair) == 1 {
				continue
			}
			args := append(append(append([]string{}, run...), "-q"), pair...)
			code, out, errOut := runCLI(t, args...)
			if code != 0 {
				t.Fatalf("dbinspect %q: exit %d: %s", args, code, errOut)
			}
			out += errOut
			if strings.Contains(out, m.Canary) {
				t.Errorf("dbinspect %q printed the canary planted inside values", args)
			}
			for p, where := range ps.find(strings.ReplaceAll(strings.ReplaceAll(out, path, "PATH"), other, "PATH")) {
				if !strings.Contains(words, p) && !strings.Contains(stored.shown, p) {
					t.Errorf("dbinspect %q printed %q of a stored value (%s)", args, p, where)
				}
			}
		}
	}
}

// Ensure the report's Kubernetes figures, as the CLI writes them in JSON,
// are the generator's, and its findings name the fixture's problems.
func TestKubeReportJSON(t *testing.T) {
	m := fixtures.LoadKubeValues(t)
	code, out, errOut := runCLI(t, "report", "-o", "json", "-q", fixtures.Path(t, fixtures.KubeValuesFixture(t)))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		MVCC struct {
			Kubernetes struct {
				Objects    int `json:"objects"`
				ValueBytes int `json:"value_bytes"`
			} `json:"kubernetes"`
		} `json:"mvcc"`
		Findings []struct {
			Code     string         `json:"code"`
			Message  string         `json:"message"`
			Evidence map[string]any `json:"evidence"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if k := doc.MVCC.Kubernetes; k.Objects != m.Registry.Objects || k.ValueBytes != m.Registry.ValueBytes {
		t.Errorf("kubernetes: %d objects, %d bytes; the generator wrote %d, %d", k.Objects, k.ValueBytes, m.Registry.Objects, m.Registry.ValueBytes)
	}
	secrets := m.Resources["secrets"]
	want := map[string]float64{
		// The generator's Secrets: some written before encryption, key1 and key2.
		"k8s_secrets_unencrypted":       float64(secrets.Encodings["protobuf"].Objects),
		"k8s_encryption_keys_mixed":     float64(secrets.Encrypted["aescbc:v1:key1"]),
		"k8s_configmaps_unencrypted":    float64(m.Resources["configmaps"].Encodings["protobuf"].Objects + m.Resources["configmaps"].Encodings["json"].Objects),
		"k8s_custom_resources_dominate": float64(m.Resources["stable.example.com/crontabs"].Encodings["json"].ValueBytes),
		"k8s_values_not_apiserver":      float64(m.Registry.Encodings["unknown"].Objects),
	}
	field := map[string]string{
		"k8s_secrets_unencrypted": "unencrypted", "k8s_encryption_keys_mixed": "left_on_old_keys",
		"k8s_configmaps_unencrypted": "unencrypted", "k8s_custom_resources_dominate": "json_custom_resource_bytes",
		"k8s_values_not_apiserver": "values",
	}
	for _, f := range doc.Findings {
		w, ok := want[f.Code]
		if !ok {
			continue
		}
		delete(want, f.Code)
		if got := f.Evidence[field[f.Code]]; got != w {
			t.Errorf("%s: %s = %v, the generator wrote %v (%s)", f.Code, field[f.Code], got, w, f.Message)
		}
	}
	for code := range want {
		t.Errorf("%s did not fire", code)
	}
}
