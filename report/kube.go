package report

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/report/findings"
	"github.com/dbinspect/dbinspect/report/findings/kubefind"
	"github.com/dbinspect/dbinspect/report/html"
)

// The Kubernetes part of the report: what mvcc.KubeSummary counted by
// value class (encoding, kind, encryption key), as findings, a text
// section, an HTML chart and table, and a diff of kinds. Nothing here sees
// a value; names are kinds, apiVersions, resources, namespaces and
// encryption key names (the last two hashed under --redact).

const (
	maxTextKubeResources = 15
	maxTextKubeKinds     = 15
	// maxHTMLKubeKinds bounds the chart; the JSON report has every kind.
	maxHTMLKubeKinds = 20
	// maxHTMLKubeNamespaces bounds the namespaces table (mvcc bounds the
	// rows too, folding the rest into "(other)").
	maxHTMLKubeNamespaces = 500
)

// withKubeFindings adds the Kubernetes rules' findings, most severe first.
func (r *Report) withKubeFindings(fs []findings.Finding) []findings.Finding {
	if r.MVCC == nil {
		return fs
	}
	fs = append(fs, kubefind.Findings(r.MVCC.Kube, r.MVCC.LiveBytes)...)
	sort.SliceStable(fs, func(i, j int) bool {
		return findings.SeverityRank(fs[i].Severity) > findings.SeverityRank(fs[j].Severity)
	})
	return fs
}

// safeName shows a name from the file as it is when it is plain printable
// text, quoted otherwise: resources and namespaces come from keys.
func safeName(s string) string {
	for _, c := range s {
		if !unicode.IsPrint(c) {
			return strconv.Quote(s)
		}
	}
	return s
}

// kindLabel is "apiVersion/Kind" ("v1 Pod" reads as "v1/Pod"), or why the
// kind cannot be seen.
func kindLabel(k mvcc.KubeKind) string {
	switch k.Hidden {
	case "encrypted":
		return "(encrypted)"
	case "unknown":
		return "(not an apiserver value)"
	case "not_in_prefix":
		if k.APIVersion != "" {
			return k.APIVersion + "/(kind past the first bytes)"
		}
		return "(kind past the first bytes)"
	}
	if k.APIVersion == "" {
		return k.Kind
	}
	return k.APIVersion + "/" + k.Kind
}

func encodingsCell(es []mvcc.KubeEncoding) string {
	parts := make([]string, 0, len(es))
	for _, e := range es {
		parts = append(parts, fmt.Sprintf("%s %s", e.Encoding, count(int64(e.Objects))))
	}
	return strings.Join(parts, ", ")
}

func encryptionCell(g mvcc.KubeGroup) string {
	if len(g.Encryption) == 0 {
		if g.Plain > 0 {
			return "none"
		}
		return "-"
	}
	parts := make([]string, 0, len(g.Encryption))
	for _, k := range g.Encryption {
		provider := k.Provider
		if k.Version != "v1" {
			provider += k.Version // kmsv2
		}
		parts = append(parts, fmt.Sprintf("%s:%s %s", provider, safeName(k.KeyName), count(int64(k.Objects))))
	}
	return strings.Join(parts, ", ")
}

// kubeResourcesTable is shared by text and HTML.
func kubeResourcesTable(gs []mvcc.KubeGroup, max int) *table {
	tb := newTable("resource", ">objects", ">value bytes", "encodings", "encryption key: objects")
	for i, g := range gs {
		if i == max {
			tb.add(fmt.Sprintf("... %d more in the JSON report (mvcc.kubernetes.resources)", len(gs)-max))
			break
		}
		tb.add(safeName(g.Resource), count(int64(g.Objects)), ibytes(int64(g.ValueBytes)), encodingsCell(g.Encodings), encryptionCell(g))
	}
	return tb
}

func kubeKindsTable(ks []mvcc.KubeKind, max int) *table {
	tb := newTable("kind", ">objects", ">value bytes", ">largest", ">2nd", ">3rd")
	for i, k := range ks {
		if i == max {
			tb.add(fmt.Sprintf("... %d more in the JSON report (mvcc.kubernetes.kinds)", len(ks)-max))
			break
		}
		row := []string{kindLabel(k), count(int64(k.Objects)), ibytes(int64(k.ValueBytes))}
		for j := range 3 {
			cell := ""
			if j < len(k.Largest) {
				cell = ibytes(int64(k.Largest[j]))
			}
			row = append(row, cell)
		}
		tb.add(row...)
	}
	return tb
}

// kubeNamespacesTable is one row per resource and namespace: objects,
// value bytes, the kinds (or hidden classes) and the encryption keys.
func kubeNamespacesTable(gs []mvcc.KubeGroup, max int) *table {
	tb := newTable("resource", "namespace", ">objects", ">value bytes", "kinds: objects", "encryption key: objects")
	for i, g := range gs {
		if i == max {
			tb.add(fmt.Sprintf("... %d more in the JSON report (mvcc.kubernetes.namespaces)", len(gs)-max))
			break
		}
		kinds := make([]string, 0, len(g.Kinds))
		for _, k := range g.Kinds {
			kinds = append(kinds, kindLabel(k)+" "+count(int64(k.Objects)))
		}
		tb.add(safeName(g.Resource), safeName(g.Namespace), count(int64(g.Objects)), ibytes(int64(g.ValueBytes)), strings.Join(kinds, ", "), encryptionCell(g))
	}
	return tb
}

// kubeSection is the text report's short Kubernetes table, shown when the
// db holds /registry/ objects.
func (t *textWriter) kubeSection(m *mvcc.Summary) {
	k := m.Kube
	if k == nil {
		return
	}
	t.heading("Kubernetes objects (live, by resource; from each value's first bytes, values never printed)")
	t.printf("  %s objects, %s of values: %s\n", count(int64(k.Objects)), ibytes(int64(k.ValueBytes)), encodingsCell(k.Encodings))
	t.table(kubeResourcesTable(k.Resources, maxTextKubeResources))
	t.printf("\n")
	t.table(kubeKindsTable(k.Kinds, maxTextKubeKinds))
	t.printf("  largest: value sizes of the largest objects of each kind; namespaces in the HTML report and the JSON report (mvcc.kubernetes.namespaces)\n")
	if k.Note != "" {
		t.printf("  note: %s\n", k.Note)
	}
}

// addKube adds the Kubernetes chart data and tables to the HTML page.
func addKube(d *html.Data, m *mvcc.Summary) {
	k := m.Kube
	if k == nil {
		return
	}
	for i, kk := range k.Kinds {
		if i == maxHTMLKubeKinds {
			break
		}
		d.KubeKinds = append(d.KubeKinds, html.Bar{Label: kindLabel(kk), Value: float64(kk.ValueBytes),
			Value2: float64(kk.Objects), Text2: count(int64(kk.Objects))})
	}
	rt := htmlTableOf("Kubernetes objects by resource (live; from each value's first bytes)", kubeResourcesTable(k.Resources, len(k.Resources)))
	rt.ID = "table-kube-resources"
	kt := htmlTableOf("Kubernetes objects by kind, with the value sizes of the largest", kubeKindsTable(k.Kinds, len(k.Kinds)))
	kt.ID = "table-kube-kinds"
	nt := htmlTableOf("Kubernetes objects by namespace: kinds and encryption keys (live)", kubeNamespacesTable(k.Namespaces, maxHTMLKubeNamespaces))
	nt.ID = "table-kube-namespaces"
	d.Tables = append(d.Tables, rt, kt, nt)
}

// KindDiff is one kind's change between two reports (mvcc.KubeKind's
// apiVersion, kind and hidden identify it); a kind absent on one side
// counts as zero there.
type KindDiff struct {
	APIVersion      string `json:"api_version,omitempty"`
	Kind            string `json:"kind,omitempty"`
	Hidden          string `json:"hidden,omitempty"`
	ObjectsOld      int64  `json:"objects_old"`
	ObjectsNew      int64  `json:"objects_new"`
	ObjectsDelta    int64  `json:"objects_delta"`
	ValueBytesOld   int64  `json:"value_bytes_old"`
	ValueBytesNew   int64  `json:"value_bytes_new"`
	ValueBytesDelta int64  `json:"value_bytes_delta"`
}

func kubeKinds(r *Report) []mvcc.KubeKind {
	if r.MVCC == nil || r.MVCC.Kube == nil {
		return nil
	}
	return r.MVCC.Kube.Kinds
}

// compareKinds lists the kinds whose objects or bytes changed, largest
// change in bytes first; nil when neither side has Kubernetes objects.
func compareKinds(old, new *Report) []KindDiff {
	o, n := kubeKinds(old), kubeKinds(new)
	if o == nil && n == nil {
		return nil
	}
	type id struct{ v, k, h string }
	by := map[id]*KindDiff{}
	get := func(k mvcc.KubeKind) *KindDiff {
		i := id{k.APIVersion, k.Kind, k.Hidden}
		if by[i] == nil {
			by[i] = &KindDiff{APIVersion: k.APIVersion, Kind: k.Kind, Hidden: k.Hidden}
		}
		return by[i]
	}
	for _, k := range o {
		x := get(k)
		x.ObjectsOld, x.ValueBytesOld = int64(k.Objects), int64(k.ValueBytes)
	}
	for _, k := range n {
		x := get(k)
		x.ObjectsNew, x.ValueBytesNew = int64(k.Objects), int64(k.ValueBytes)
	}
	out := []KindDiff{}
	for _, x := range by {
		x.ObjectsDelta, x.ValueBytesDelta = x.ObjectsNew-x.ObjectsOld, x.ValueBytesNew-x.ValueBytesOld
		if x.ObjectsDelta != 0 || x.ValueBytesDelta != 0 {
			out = append(out, *x)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if abs64(a.ValueBytesDelta) != abs64(b.ValueBytesDelta) {
			return abs64(a.ValueBytesDelta) > abs64(b.ValueBytesDelta)
		}
		return a.APIVersion+"\x00"+a.Kind+"\x00"+a.Hidden < b.APIVersion+"\x00"+b.Kind+"\x00"+b.Hidden
	})
	return out
}

// kindDiffSection is the diff text's Kubernetes part.
func (t *textWriter) kindDiffSection(ks []KindDiff) {
	if ks == nil {
		return
	}
	t.heading("Kubernetes kinds that changed (live objects, largest change in bytes first)")
	if len(ks) == 0 {
		t.printf("  none\n")
		return
	}
	tb := newTable("kind", ">objects", ">change", ">value bytes", ">change")
	for i, k := range ks {
		if i == 30 {
			tb.add(fmt.Sprintf("... %d more in the JSON output", len(ks)-30))
			break
		}
		tb.add(kindLabel(mvcc.KubeKind{APIVersion: k.APIVersion, Kind: k.Kind, Hidden: k.Hidden}),
			count(k.ObjectsOld)+" -> "+count(k.ObjectsNew), signed(count(k.ObjectsDelta), k.ObjectsDelta),
			ibytes(k.ValueBytesOld)+" -> "+ibytes(k.ValueBytesNew), signed(ibytes(k.ValueBytesDelta), k.ValueBytesDelta))
	}
	t.table(tb)
}
