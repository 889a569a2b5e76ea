package report

import (
	"encoding"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/dbinspect/dbinspect/internal/fixtures"
	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/pages"
)

// schemaDoc is the document every JSON field must appear in.
const schemaDoc = "../docs/json-schema.md"

// Path notation shared with docs/json-schema.md: a dot between an object and
// its field, "[]" after an array whose elements are objects, "{}" after a map
// whose values are objects. An array or map of plain values is one path.

// schemaField is one JSON field found by walking the Go types.
type schemaField struct {
	path      string
	name      string // the JSON name alone, for the snake_case check
	omitempty bool
	goName    string // pkg.Type.Field, for failure messages
}

// schemaCustomMarshalers are the types of the report that write their own JSON.
// Reflection cannot see what they write, so their object fields are listed
// here; TestSchemaCustomMarshalers checks each list against a real encoding.
var schemaCustomMarshalers = map[reflect.Type]struct {
	sample any      // a value with every field set, so that none is omitted
	fields []string // the JSON object's keys, ",omitempty" after those its zero value leaves out
}{
	reflect.TypeFor[pages.SnapshotTrailer](): {
		sample: pages.SnapshotTrailer{Present: true, Offset: 1},
		fields: []string{"present", "offset,omitempty", "sha256,omitempty"},
	},
}

var (
	schemaJSONMarshaler = reflect.TypeFor[json.Marshaler]()
	schemaTextMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
)

// schemaWalker collects the JSON paths of a type as encoding/json writes it.
type schemaWalker struct {
	fields []schemaField
	errs   []string
	active map[reflect.Type]bool // guards against recursive types
	maps   map[string]bool       // paths whose value is a JSON object with arbitrary keys
}

func (w *schemaWalker) walk(prefix string, t reflect.Type) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if cm, ok := schemaCustomMarshalers[t]; ok {
		for _, field := range cm.fields {
			name, opt, _ := strings.Cut(field, ",")
			w.fields = append(w.fields, schemaField{path: schemaJoin(prefix, name), name: name, omitempty: opt == "omitempty", goName: t.String()})
		}
		return
	}
	if t == reflect.TypeFor[time.Time]() {
		return // an RFC 3339 string
	}
	if t.Implements(schemaJSONMarshaler) || reflect.PointerTo(t).Implements(schemaJSONMarshaler) {
		if t.Kind() == reflect.Struct || t.Kind() == reflect.Map || t.Kind() == reflect.Slice {
			w.errs = append(w.errs, fmt.Sprintf("%s has its own MarshalJSON: list its JSON fields in schemaCustomMarshalers in report/schema_test.go", t))
		}
		return // a plain value
	}
	if t.Implements(schemaTextMarshaler) || reflect.PointerTo(t).Implements(schemaTextMarshaler) {
		return // encoded as a string
	}
	switch t.Kind() {
	case reflect.Struct:
		if w.active[t] {
			w.errs = append(w.errs, fmt.Sprintf("%s contains itself: the schema walk cannot list its paths", t))
			return
		}
		w.active[t] = true
		for _, f := range schemaJSONFields(t) {
			p := schemaJoin(prefix, f.name)
			w.fields = append(w.fields, schemaField{path: p, name: f.name, omitempty: f.omitempty, goName: f.goName})
			w.walk(p, f.typ)
		}
		delete(w.active, t)
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 && t.Kind() == reflect.Slice {
			return // []byte is a base64 string
		}
		if schemaHasObjects(t.Elem()) {
			w.walk(prefix+"[]", t.Elem())
		}
	case reflect.Map:
		w.maps[prefix] = true
		if schemaHasObjects(t.Elem()) {
			w.walk(prefix+"{}", t.Elem())
		}
	}
}

// schemaHasObjects is true when values of t are written as (or contain) JSON
// objects with named fields, so that paths continue below it.
func schemaHasObjects(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if _, ok := schemaCustomMarshalers[t]; ok {
		return true
	}
	if t.Implements(schemaJSONMarshaler) || reflect.PointerTo(t).Implements(schemaJSONMarshaler) ||
		t.Implements(schemaTextMarshaler) || reflect.PointerTo(t).Implements(schemaTextMarshaler) {
		return t.Kind() == reflect.Struct // reported by walk unless registered
	}
	switch t.Kind() {
	case reflect.Struct:
		return true
	case reflect.Slice, reflect.Array:
		return !(t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8) && schemaHasObjects(t.Elem())
	case reflect.Map:
		return schemaHasObjects(t.Elem())
	}
	return false
}

func schemaJoin(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// schemaJSONField is a field as encoding/json sees it after inlining embedded
// structs and resolving name conflicts.
type schemaJSONField struct {
	name      string
	tagged    bool
	omitempty bool
	depth     int
	typ       reflect.Type
	goName    string
}

// schemaJSONFields lists the fields encoding/json writes for struct type t,
// following its rules (encoding/json typeFields): exported fields only,
// "-" skipped, untagged embedded structs (and pointers to them) inlined,
// and of several fields with one name the shallowest wins, a tagged one
// beating untagged ones at the same depth; an unresolved tie drops them all.
func schemaJSONFields(t reflect.Type) []schemaJSONField {
	var all []schemaJSONField
	var collect func(t reflect.Type, depth int, seen map[reflect.Type]bool)
	collect = func(t reflect.Type, depth int, seen map[reflect.Type]bool) {
		if seen[t] {
			return
		}
		seen[t] = true
		for i := 0; i < t.NumField(); i++ {
			sf := t.Field(i)
			tag := sf.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			ft := sf.Type
			if sf.Anonymous {
				et := ft
				if et.Kind() == reflect.Pointer {
					et = et.Elem()
				}
				if !sf.IsExported() && et.Kind() != reflect.Struct {
					continue
				}
				if name == "" && et.Kind() == reflect.Struct && !schemaCustomJSON(et) {
					collect(et, depth+1, seen)
					continue
				}
			} else if !sf.IsExported() {
				continue
			}
			f := schemaJSONField{name: name, tagged: name != "", depth: depth, typ: ft, goName: t.String() + "." + sf.Name}
			if f.name == "" {
				f.name = sf.Name
			}
			for _, o := range strings.Split(opts, ",") {
				if o == "omitempty" || o == "omitzero" {
					f.omitempty = true
				}
			}
			all = append(all, f)
		}
	}
	collect(t, 0, map[reflect.Type]bool{})

	byName := map[string][]schemaJSONField{}
	var order []string
	for _, f := range all {
		if byName[f.name] == nil {
			order = append(order, f.name)
		}
		byName[f.name] = append(byName[f.name], f)
	}
	var out []schemaJSONField
	for _, name := range order {
		if f, ok := schemaDominantField(byName[name]); ok {
			out = append(out, f)
		}
	}
	return out
}

func schemaCustomJSON(t reflect.Type) bool {
	if _, ok := schemaCustomMarshalers[t]; ok {
		return true
	}
	return t.Implements(schemaJSONMarshaler) || reflect.PointerTo(t).Implements(schemaJSONMarshaler) ||
		t.Implements(schemaTextMarshaler) || reflect.PointerTo(t).Implements(schemaTextMarshaler)
}

func schemaDominantField(fs []schemaJSONField) (schemaJSONField, bool) {
	min := fs[0].depth
	for _, f := range fs {
		if f.depth < min {
			min = f.depth
		}
	}
	var top []schemaJSONField
	for _, f := range fs {
		if f.depth == min {
			top = append(top, f)
		}
	}
	if len(top) == 1 {
		return top[0], true
	}
	var tagged []schemaJSONField
	for _, f := range top {
		if f.tagged {
			tagged = append(tagged, f)
		}
	}
	if len(tagged) == 1 {
		return tagged[0], true
	}
	return schemaJSONField{}, false
}

// schemaDocuments are the JSON documents dbinspect writes, each with the
// heading of its part of docs/json-schema.md.
var schemaDocuments = []struct {
	heading string // "## " line that starts the document's part
	typ     reflect.Type
}{
	{"## Report document", reflect.TypeFor[Document]()},
	{"## Diff document", reflect.TypeFor[Diff]()},
	{"## Trend document", reflect.TypeFor[TrendDocument]()},
	{"## WAL listing document", reflect.TypeFor[WALListDocument]()},
}

func walkSchema(t *testing.T, typ reflect.Type) []schemaField {
	t.Helper()
	return newSchemaWalk(t, typ).fields
}

func newSchemaWalk(t *testing.T, typ reflect.Type) *schemaWalker {
	t.Helper()
	w := &schemaWalker{active: map[reflect.Type]bool{}, maps: map[string]bool{}}
	w.walk("", typ)
	for _, e := range w.errs {
		t.Error(e)
	}
	return w
}

// schemaOptionalMark starts the meaning of a field that is left out when empty.
const schemaOptionalMark = "*optional.*"

// schemaDocRow is one documented path: the table row that names it.
type schemaDocRow struct {
	line int
	text string
}

// schemaDocFirstColumn is the first column of a table row; schemaDocPath a quoted path
// in it. One row may name several paths of the same meaning, separated by
// "<br>" (the same field under several parents).
var (
	schemaDocFirstColumn = regexp.MustCompile(`^\|([^|]*)\|`)
	schemaDocPath        = regexp.MustCompile("`([^`]+)`")
)

// schemaDocumentedPaths reads the table rows of each document's part of the
// schema doc. Only the first column counts: paths quoted elsewhere in the
// prose (`pages.free_bytes` in an explanation) are references, not entries.
func schemaDocumentedPaths(t *testing.T, doc string) map[string]map[string]schemaDocRow {
	t.Helper()
	parts := map[string]map[string]schemaDocRow{}
	var cur map[string]schemaDocRow
	for i, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(line, "## ") {
			cur = nil
			for _, d := range schemaDocuments {
				if strings.TrimSpace(line) == d.heading {
					cur = map[string]schemaDocRow{}
					parts[d.heading] = cur
				}
			}
			continue
		}
		col := schemaDocFirstColumn.FindStringSubmatch(line)
		if col == nil {
			continue
		}
		for _, m := range schemaDocPath.FindAllStringSubmatch(col[1], -1) {
			if cur == nil {
				t.Errorf("%s:%d: field row %q outside the parts %v", schemaDoc, i+1, m[1], schemaHeadings())
				continue
			}
			if prev, dup := cur[m[1]]; dup {
				t.Errorf("%s:%d: `%s` documented twice (first at line %d)", schemaDoc, i+1, m[1], prev.line)
			}
			cur[m[1]] = schemaDocRow{line: i + 1, text: line}
		}
	}
	return parts
}

func schemaHeadings() []string {
	var h []string
	for _, d := range schemaDocuments {
		h = append(h, d.heading)
	}
	return h
}

// TestSchemaDocumented fails when a JSON field of the report or the diff is
// not in docs/json-schema.md, or the doc lists one that no longer exists:
// a new field must come with its documentation.
func TestSchemaDocumented(t *testing.T) {
	raw, err := os.ReadFile(schemaDoc)
	if err != nil {
		t.Fatalf("the JSON schema must be documented in docs/json-schema.md: %v", err)
	}
	parts := schemaDocumentedPaths(t, string(raw))
	for _, d := range schemaDocuments {
		rows, ok := parts[d.heading]
		if !ok {
			t.Errorf("%s: no %q section", schemaDoc, d.heading)
			continue
		}
		fields := walkSchema(t, d.typ)
		inCode := map[string]schemaField{}
		var missing []string
		for _, f := range fields {
			inCode[f.path] = f
			if _, ok := rows[f.path]; !ok {
				missing = append(missing, fmt.Sprintf("| `%s` | ... |   (Go field %s)", f.path, f.goName))
			}
		}
		var stale []string
		for p, r := range rows {
			if _, ok := inCode[p]; !ok {
				stale = append(stale, fmt.Sprintf("line %d: `%s`", r.line, p))
			}
		}
		sort.Strings(missing)
		sort.Strings(stale)
		if len(missing) > 0 {
			t.Errorf("%s: add these %d field(s) of %s to the table under %q:\n%s",
				schemaDoc, len(missing), d.typ, d.heading, strings.Join(missing, "\n"))
		}
		if len(stale) > 0 {
			t.Errorf("%s: remove these %d row(s) under %q: no such JSON field in %s any more "+
				"(a field that disappears or changes meaning also needs a new SchemaVersion):\n%s",
				schemaDoc, len(stale), d.heading, d.typ, strings.Join(stale, "\n"))
		}
		// A field that may be absent must say so, so consumers do not
		// treat its absence as a broken document; one always present must
		// not, so they can rely on it.
		for _, f := range fields {
			r, ok := rows[f.path]
			if !ok {
				continue
			}
			marked := strings.Contains(r.text, schemaOptionalMark)
			switch {
			case f.omitempty && !marked:
				t.Errorf("%s:%d: `%s` is omitted when empty (omitempty on %s): start its meaning with %q",
					schemaDoc, r.line, f.path, f.goName, schemaOptionalMark)
			case !f.omitempty && marked:
				t.Errorf("%s:%d: `%s` is always written (no omitempty on %s): remove %q from its row, or give it a row of its own",
					schemaDoc, r.line, f.path, f.goName, schemaOptionalMark)
			}
		}
	}
}

var schemaSnakeCase = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// TestSchemaSnakeCase checks every JSON name of the report and the diff is
// snake_case: lower case words joined by single underscores.
func TestSchemaSnakeCase(t *testing.T) {
	for _, d := range schemaDocuments {
		for _, f := range walkSchema(t, d.typ) {
			if !schemaSnakeCase.MatchString(f.name) {
				t.Errorf("%s: JSON name %q of %s (at %s) is not snake_case: give it a json tag like %q",
					d.typ, f.name, f.goName, f.path, schemaToSnake(f.name))
			}
		}
	}
}

// schemaToSnake suggests a snake_case name for a failure message.
func schemaToSnake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// TestSchemaCustomMarshalers checks the fields listed for each type with its
// own MarshalJSON against what it really writes: all of them for the full
// sample, all but the ",omitempty" ones for the zero value.
func TestSchemaCustomMarshalers(t *testing.T) {
	for typ, cm := range schemaCustomMarshalers {
		if reflect.TypeOf(cm.sample) != typ {
			t.Errorf("%s: sample is a %T", typ, cm.sample)
			continue
		}
		var all, always []string
		for _, f := range cm.fields {
			name, opt, _ := strings.Cut(f, ",")
			all = append(all, name)
			if opt != "omitempty" {
				always = append(always, name)
			}
		}
		for _, c := range []struct {
			what  string
			value any
			want  []string
		}{
			{"sample", cm.sample, all},
			{"zero value", reflect.Zero(typ).Interface(), always},
		} {
			got, err := schemaJSONKeys(c.value)
			if err != nil {
				t.Errorf("%s %s: %v", typ, c.what, err)
				continue
			}
			want := append([]string(nil), c.want...)
			sort.Strings(want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: its %s writes fields %v; schemaCustomMarshalers lists %v", typ, c.what, got, want)
			}
		}
	}
}

// schemaJSONKeys are the sorted keys of the JSON object v encodes to.
func schemaJSONKeys(v any) ([]string, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, fmt.Errorf("not a JSON object: %s", raw)
	}
	keys := []string{}
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys, nil
}

// TestSchemaWalkerFollowsEncodingJSON pins the walker's reading of
// encoding/json's rules on small types, so a wrong walk cannot make the
// doc check pass or fail for the wrong reason.
func TestSchemaWalkerFollowsEncodingJSON(t *testing.T) {
	type leaf struct {
		A int `json:"a"`
	}
	type Embedded struct {
		E int `json:"e"`
		X int `json:"x"`
	}
	type embeddedLower struct {
		L int `json:"l"`
	}
	type tie1 struct {
		T int // untagged at the same depth as tie2.T: both dropped
	}
	type tie2 struct {
		T int
	}
	type outer struct {
		Embedded
		*embeddedLower
		tie1
		tie2
		X       string           `json:"x"` // shallower: beats Embedded.X
		Skip    int              `json:"-"`
		Dash    int              `json:"-,"` // named "-"
		Opt     int              `json:"opt,omitempty"`
		Plain   int              // no tag: the Go name
		Named   Embedded         `json:"named"`
		List    []leaf           `json:"list"`
		Nums    []int64          `json:"nums"`
		ByKey   map[string]*leaf `json:"by_key"`
		Counts  map[uint64]int64 `json:"counts"`
		Raw     []byte           `json:"raw"`
		Nested  [][]leaf         `json:"nested"`
		private int
		Snap    pages.SnapshotTrailer `json:"snap"`
	}
	var got []string
	var opt []string
	for _, f := range walkSchema(t, reflect.TypeFor[outer]()) {
		got = append(got, f.path)
		if f.omitempty {
			opt = append(opt, f.path)
		}
	}
	want := []string{
		"e", "x", "l", "-", "opt", "Plain",
		"named", "named.e", "named.x",
		"list", "list[].a", "nums",
		"by_key", "by_key{}.a", "counts", "raw",
		"nested", "nested[][].a",
		"snap", "snap.present", "snap.offset", "snap.sha256",
	}
	sort.Strings(got)
	sort.Strings(want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("walk:\n got %v\nwant %v", got, want)
	}
	if want := []string{"opt", "snap.offset", "snap.sha256"}; !reflect.DeepEqual(opt, want) {
		t.Errorf("omitempty fields: got %v, want %v", opt, want)
	}

	// encoding/json itself agrees on the top-level names.
	v := outer{embeddedLower: &embeddedLower{}, Opt: 1}
	top, err := schemaJSONKeys(v)
	if err != nil {
		t.Fatal(err)
	}
	var wantTop []string
	for _, p := range want {
		if !strings.ContainsAny(p, ".[{") {
			wantTop = append(wantTop, p)
		}
	}
	sort.Strings(wantTop)
	if !reflect.DeepEqual(top, wantTop) {
		t.Errorf("encoding/json writes %v; the walker found %v", top, wantTop)
	}
}

// schemaGoldenReports are real JSON reports written by the CLI from fixtures.
const schemaGoldenReports = "../cmd/dbinspect/testdata/golden/*.report.json"

// TestSchemaWalkMatchesRealReports checks that every field of real JSON
// documents is a path the walk found, so the walk (and with it the doc
// check) sees what encoding/json really writes, custom marshalers included:
// the CLI's golden reports, and reports and a diff built here from fixtures
// that fill optional parts (a snapshot trailer, findings, changed prefixes).
func TestSchemaWalkMatchesRealReports(t *testing.T) {
	files, err := filepath.Glob(schemaGoldenReports)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no golden JSON reports match %s", schemaGoldenReports)
	}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		schemaCheckAgainstWalk(t, filepath.Base(file), raw, reflect.TypeFor[Document]())
	}

	built := map[string]*Report{}
	mo := mvcc.DefaultOptions()
	mo.LiveKeySet = true // as diff scans
	for _, name := range []string{"k8s-v3.6-snapshot", "nospace-v3.6", "auth-v3.6"} {
		f := fixtures.Get(t, name)
		r, err := Build(Input{Given: f.File, Path: fixtures.Path(t, f), Kind: "file"},
			Options{Sections: AllSections, MVCC: mo, Seeds: 2})
		if err != nil {
			t.Fatalf("%s: Build: %v", name, err)
		}
		built[name] = r
		raw, err := json.Marshal(document(r))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		schemaCheckAgainstWalk(t, name, raw, reflect.TypeFor[Document]())
	}
	d := Compare(built["auth-v3.6"], built["nospace-v3.6"])
	if len(d.Prefixes) == 0 || len(d.NewFindings) == 0 {
		t.Errorf("diff auth-v3.6 → nospace-v3.6: %d changed prefixes, %d new findings; want both, to check their fields", len(d.Prefixes), len(d.NewFindings))
	}
	raw, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	schemaCheckAgainstWalk(t, "diff auth-v3.6 nospace-v3.6", raw, reflect.TypeFor[Diff]())
}

// schemaCheckAgainstWalk fails when the JSON document raw has a field the walk of
// typ does not find, or a map key that is neither snake_case nor an integer.
func schemaCheckAgainstWalk(t *testing.T, name string, raw []byte, typ reflect.Type) {
	t.Helper()
	w := newSchemaWalk(t, typ)
	known := map[string]bool{}
	for _, f := range w.fields {
		known[f.path] = true
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	seen := map[string]bool{}
	var badKeys []string
	schemaCollectPaths("", doc, w.maps, seen, &badKeys)
	var unknown []string
	for p := range seen {
		if !known[p] {
			unknown = append(unknown, p)
		}
	}
	sort.Strings(unknown)
	sort.Strings(badKeys)
	if len(unknown) > 0 {
		t.Errorf("%s has fields the walk of %s does not find: %v", name, typ, unknown)
	}
	if len(badKeys) > 0 {
		t.Errorf("%s: map keys that are neither snake_case nor integers: %v", name, badKeys)
	}
	if len(seen) < 20 {
		t.Errorf("%s: only %d field paths; is it a whole document?", name, len(seen))
	}
}

// schemaCollectPaths adds the path of every field under v to seen, in the
// notation of docs/json-schema.md; maps names the paths that are maps,
// whose keys (finding evidence, model inputs, run lengths) must be
// snake_case names or integers: badKeys collects those that are not.
func schemaCollectPaths(prefix string, v any, maps map[string]bool, seen map[string]bool, badKeys *[]string) {
	switch x := v.(type) {
	case map[string]any:
		if maps[prefix] {
			for k, e := range x {
				if !schemaSnakeCase.MatchString(k) && !schemaDecimalKey.MatchString(k) {
					*badKeys = append(*badKeys, prefix+"."+k)
				}
				if _, isObj := e.(map[string]any); isObj {
					schemaCollectPaths(prefix+"{}", e, maps, seen, badKeys)
				}
			}
			return
		}
		for k, e := range x {
			p := schemaJoin(prefix, k)
			seen[p] = true
			schemaCollectPaths(p, e, maps, seen, badKeys)
		}
	case []any:
		for _, e := range x {
			switch e.(type) {
			case map[string]any, []any:
				schemaCollectPaths(prefix+"[]", e, maps, seen, badKeys)
			}
		}
	}
}

var schemaDecimalKey = regexp.MustCompile(`^-?[0-9]+$`)
