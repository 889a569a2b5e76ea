package report

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/report/html"
)

func kubeReport(t *testing.T, f fixtures.Fixture) *Report {
	t.Helper()
	mo := mvcc.DefaultOptions()
	mo.LiveKeySet = true
	r, err := Build(Input{Given: f.File, Path: fixtures.Path(t, f), Kind: "file"},
		Options{Sections: AllSections, MVCC: mo, Seeds: 2, PageMap: true})
	if err != nil {
		t.Fatalf("%s: Build: %v", f.Name, err)
	}
	return r
}

// TestKubeSections: on the db the Kubernetes libraries wrote, the text
// report has the Kubernetes table with the generator's figures, the HTML
// page the bytes-by-kind chart and tables, and a diff against another
// Kubernetes db lists the kinds that changed.
func TestKubeSections(t *testing.T) {
	m := fixtures.LoadKubeValues(t)
	r := kubeReport(t, fixtures.KubeValuesFixture(t))
	var text bytes.Buffer
	if err := writeText(&text, r, RenderOptions{Sections: AllSections}); err != nil {
		t.Fatal(err)
	}
	secrets := m.Resources["secrets"]
	for _, want := range []string{
		"Kubernetes objects (live, by resource",
		fmt.Sprintf("%s objects, %s of values", count(int64(m.Registry.Objects)), ibytes(int64(m.Registry.ValueBytes))),
		fmt.Sprintf("aescbc:key2 %d, aescbc:key1 %d", secrets.Encrypted["aescbc:v1:key2"], secrets.Encrypted["aescbc:v1:key1"]),
		"stable.example.com/v1/CronTab",
		"(encrypted)",
		"(not an apiserver value)",
		"k8s_encryption_keys_mixed",
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text report lacks %q", want)
		}
	}
	d := r.htmlPageData()
	if len(d.KubeKinds) == 0 || d.KubeKinds[0].Label != "stable.example.com/v1/CronTab" {
		t.Errorf("HTML kind bars %+v, want the CronTabs first", d.KubeKinds)
	}
	var page bytes.Buffer
	if err := html.Write(&page, d); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`id="chart-kube-kinds"`, `id="table-kube-resources"`, `id="table-kube-kinds"`} {
		if !strings.Contains(page.String(), want) {
			t.Errorf("HTML page lacks %s", want)
		}
	}

	other := kubeReport(t, fixtures.Get(t, "k8s-v3.6"))
	diff := Compare(other, r)
	var cron *KindDiff
	for i, k := range diff.Kinds {
		if k.Kind == "CronTab" {
			cron = &diff.Kinds[i]
		}
	}
	want := m.Resources["stable.example.com/crontabs"]
	if cron == nil || cron.ObjectsOld != 0 || cron.ObjectsNew != int64(want.Objects) || cron.ValueBytesDelta != int64(want.ValueBytes) {
		t.Errorf("diff kinds: CronTab %+v, want 0 -> %d objects, +%d bytes", cron, want.Objects, want.ValueBytes)
	}
	var dt bytes.Buffer
	if err := WriteDiffText(&dt, diff, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(dt.String(), "Kubernetes kinds that changed") || !strings.Contains(dt.String(), "stable.example.com/v1/CronTab") {
		t.Errorf("diff text has no kinds section:\n%s", dt.String())
	}
	if same := Compare(r, r); len(same.Kinds) != 0 {
		t.Errorf("a db compared with itself: kinds %+v", same.Kinds)
	}
}

// TestKubeNoSectionWithoutRegistry: a db with no /registry/ key has no
// Kubernetes section, chart or diff rows.
func TestKubeNoSectionWithoutRegistry(t *testing.T) {
	r := kubeReport(t, fixtures.Get(t, "config-store-v3.6"))
	if r.MVCC.Kube != nil {
		t.Fatalf("kube summary on a config store: %+v", r.MVCC.Kube)
	}
	var text bytes.Buffer
	if err := writeText(&text, r, RenderOptions{Sections: AllSections}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(text.String(), "Kubernetes objects") {
		t.Error("Kubernetes section on a config store")
	}
	if len(r.htmlPageData().KubeKinds) != 0 {
		t.Error("Kubernetes chart on a config store")
	}
	if Compare(r, r).Kinds != nil {
		t.Error("diff kinds on a config store")
	}
}

func TestSafeName(t *testing.T) {
	for in, want := range map[string]string{"pods": "pods", "team-a": "team-a", "a\x1b[31m": `"a\x1b[31m"`, "é": "é"} {
		if got := safeName(in); got != want {
			t.Errorf("safeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestKindLabel(t *testing.T) {
	for _, tc := range []struct {
		k    mvcc.KubeKind
		want string
	}{
		{mvcc.KubeKind{APIVersion: "v1", Kind: "Pod"}, "v1/Pod"},
		{mvcc.KubeKind{APIVersion: "apps/v1", Kind: "Deployment"}, "apps/v1/Deployment"},
		{mvcc.KubeKind{Kind: "Pod"}, "Pod"},
		{mvcc.KubeKind{Hidden: "encrypted"}, "(encrypted)"},
		{mvcc.KubeKind{Hidden: "unknown"}, "(not an apiserver value)"},
		{mvcc.KubeKind{APIVersion: "v1", Hidden: "not_in_prefix"}, "v1/(kind past the first bytes)"},
		{mvcc.KubeKind{Hidden: "not_in_prefix"}, "(kind past the first bytes)"},
	} {
		if got := kindLabel(tc.k); got != tc.want {
			t.Errorf("kindLabel(%+v) = %q, want %q", tc.k, got, tc.want)
		}
	}
}
