package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
	"github.com/dbinspect/dbinspect/report"
)

// The k8s-trend series (testdata/gen/k8svalues -trend) was written by real
// etcd with values from the real Kubernetes libraries; its manifest says
// what was live at each snapshot. trend's kinds and encryption per file
// must equal it.
func TestTrendKubeKinds(t *testing.T) {
	m := fixtures.LoadKubeTrend(t)
	d := runTrendJSON(t, fixtures.KubeTrendDir())
	if len(d.Members) != len(m.Members) || d.Kube == nil {
		t.Fatalf("%d members (want %d), kubernetes %v", len(d.Members), len(m.Members), d.Kube)
	}
	for i, want := range m.Members {
		if got := d.Members[i]; filepath.Base(got.Given) != want.File || got.Revision != want.Revision || !got.Time.Equal(want.Time) {
			t.Fatalf("member %d: %s rev %d at %v; manifest %s rev %d at %v", i, got.Given, got.Revision, got.Time, want.File, want.Revision, want.Time)
		}
		seen := map[string]bool{}
		for _, k := range d.Kube.Kinds {
			if k.Kind == "" {
				if k.Hidden != "encrypted" || k.Objects[i] != int64(want.Registry.Encodings["encrypted"].Objects) {
					t.Errorf("%s: hidden %q: %d objects; the generator encrypted %d", want.File, k.Hidden, k.Objects[i], want.Registry.Encodings["encrypted"].Objects)
				}
				continue
			}
			label := k.APIVersion + " " + k.Kind
			seen[label] = true
			if k.Objects[i] != int64(want.Registry.Kinds[label]) {
				t.Errorf("%s: %s: %d objects; the generator left %d", want.File, label, k.Objects[i], want.Registry.Kinds[label])
			}
		}
		for label := range want.Registry.Kinds {
			if !seen[label] {
				t.Errorf("%s: kind %s missing", want.File, label)
			}
		}
		for _, r := range d.Kube.Resources {
			w := want.Resources[r.Resource]
			if w == nil {
				if r.Objects[i] != 0 {
					t.Errorf("%s: %s: %d objects; the generator wrote none", want.File, r.Resource, r.Objects[i])
				}
				continue
			}
			plain := w.Encodings["protobuf"].Objects + w.Encodings["json"].Objects
			if r.Objects[i] != int64(w.Objects) || r.ValueBytes[i] != int64(w.ValueBytes) || r.Plain[i] != int64(plain) ||
				r.Encrypted[i] != int64(w.Encodings["encrypted"].Objects) {
				t.Errorf("%s: %s: objects %d bytes %d plain %d encrypted %d; generator %d, %d, %d, %d", want.File, r.Resource,
					r.Objects[i], r.ValueBytes[i], r.Plain[i], r.Encrypted[i], w.Objects, w.ValueBytes, plain, w.Encodings["encrypted"].Objects)
			}
			for _, k := range r.Keys {
				if k.Objects[i] != int64(w.Encrypted[k.Label()]) {
					t.Errorf("%s: %s on %s: %d objects; generator %d", want.File, r.Resource, k.Label(), k.Objects[i], w.Encrypted[k.Label()])
				}
			}
		}
	}
	// The last phase turned encryption off for new Secrets; the rotation
	// to key2 left objects on key1 since the second file.
	last := m.Members[len(m.Members)-1].Resources["secrets"]
	found := map[string]map[string]any{}
	for _, f := range d.Findings {
		found[f.Code] = f.Evidence
	}
	if ev := found["k8s_became_unencrypted"]; ev == nil || ev["resource"] != "secrets" || ev["plain_now"].(float64) != float64(last.Encodings["protobuf"].Objects) {
		t.Errorf("k8s_became_unencrypted %v; want secrets with %d plain", ev, last.Encodings["protobuf"].Objects)
	}
	if ev := found["k8s_rotation_left_objects"]; ev == nil || ev["old_key"] != "aescbc:v1:key1" || ev["new_key"] != "aescbc:v1:key2" ||
		ev["left_on_old_key"].(float64) != float64(last.Encrypted["aescbc:v1:key1"]) {
		t.Errorf("k8s_rotation_left_objects %v; want %d secrets left on key1", ev, last.Encrypted["aescbc:v1:key1"])
	}
	// The CronTabs are the kind the phases add fastest.
	if ev := found["k8s_kind_grows_faster"]; ev == nil || ev["kind"] != "stable.example.com/v1/CronTab" {
		t.Errorf("k8s_kind_grows_faster %v; want the CronTabs", ev)
	}
	// Text and HTML carry the same tables; no value byte reaches them.
	for _, o := range []string{"text", "html", "json"} {
		code, out, errs := runCLI(t, "trend", "-q", "-o", o, fixtures.KubeTrendDir())
		if code != 0 {
			t.Fatalf("-o %s: exit %d: %s", o, code, errs)
		}
		if strings.Contains(out, m.Canary) {
			t.Errorf("-o %s: a value's canary reached the output", o)
		}
		for _, s := range []string{"CronTab", "stable.example.com/v1", "key1", "k8s_rotation_left_objects", "k8s_became_unencrypted"} {
			if !strings.Contains(out, s) {
				t.Errorf("-o %s: no %q", o, s)
			}
		}
	}
	// Under --redact the key names are hashed, in the tables and findings.
	_, out, _ := runCLI(t, "trend", "-q", "-o", "json", "--redact", fixtures.KubeTrendDir())
	var red map[string]any
	if err := json.Unmarshal([]byte(out), &red); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "key1") || strings.Contains(out, "key2") {
		t.Errorf("--redact: an encryption key name is printed")
	}
}

// diff of the first and last files of the k8s-trend series: each kind's
// objects on both sides are what the generator left live; kinds that did
// not change are left out.
func TestDiffKubeKinds(t *testing.T) {
	m := fixtures.LoadKubeTrend(t)
	first, last := m.Members[0], m.Members[len(m.Members)-1]
	oldPath, newPath := filepath.Join(fixtures.KubeTrendDir(), first.File), filepath.Join(fixtures.KubeTrendDir(), last.File)
	code, out, errs := runCLI(t, "diff", "-q", "-o", "json", oldPath, newPath)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var d report.Diff
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	got := map[string]report.KindDiff{}
	for _, k := range d.Kinds {
		label := k.APIVersion + " " + k.Kind
		if k.Kind == "" {
			label = "(" + k.Hidden + ")"
		}
		got[label] = k
	}
	want := map[string][2]int{}
	for l, n := range first.Registry.Kinds {
		w := want[l]
		w[0] = n
		want[l] = w
	}
	for l, n := range last.Registry.Kinds {
		w := want[l]
		w[1] = n
		want[l] = w
	}
	want["(encrypted)"] = [2]int{first.Registry.Encodings["encrypted"].Objects, last.Registry.Encodings["encrypted"].Objects}
	changed := 0
	for l, w := range want {
		k, ok := got[l]
		if w[0] == w[1] {
			// The same count may still change in bytes (rewrites).
			if ok && k.ObjectsDelta != 0 {
				t.Errorf("%s: delta %d; the generator left %d on both sides", l, k.ObjectsDelta, w[0])
			}
			continue
		}
		changed++
		if !ok || k.ObjectsOld != int64(w[0]) || k.ObjectsNew != int64(w[1]) || k.ObjectsDelta != int64(w[1]-w[0]) {
			t.Errorf("%s: %+v; the generator left %d then %d", l, k, w[0], w[1])
		}
	}
	if changed == 0 || len(got) < changed {
		t.Errorf("%d kinds in the diff, %d changed in the manifest", len(got), changed)
	}
	// The largest change in bytes leads: the CronTabs the phases added.
	if len(d.Kinds) == 0 || d.Kinds[0].Kind != "CronTab" {
		t.Errorf("kinds %+v, want CronTab first", d.Kinds)
	}
	_, text, _ := runCLI(t, "diff", "-q", oldPath, newPath)
	if !strings.Contains(text, "Kubernetes kinds that changed") || !strings.Contains(text, "stable.example.com/v1/CronTab") {
		t.Errorf("diff text lacks the kinds table:\n%s", text)
	}
	// A db without Kubernetes objects has no kinds part.
	a, _ := trendManifest(t)
	code, out, _ = runCLI(t, "diff", "-q", "-o", "json", filepath.Join(trendDir, a[0].File), filepath.Join(trendDir, a[1].File))
	if code != 0 || strings.Contains(out, `"kinds"`) {
		t.Errorf("diff of a non-Kubernetes series: exit %d, kinds present", code)
	}
}
