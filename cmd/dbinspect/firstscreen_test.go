package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dbinspect/dbinspect/internal/fixtures"
)

// Issue 21, point 2: the default text report is a first screen (at most 80
// lines of at most 100 columns on a Kubernetes db) that answers how big,
// why, what etcd will do and what to do, without the lab notebook; -v has
// every section and the JSON is complete either way.
func TestFirstScreenOnKubernetesDBs(t *testing.T) {
	kinds := []fixtures.Fixture{
		fixtures.Get(t, "k8s-v3.6"), fixtures.Get(t, "k8s-v3.5"),
		fixtures.Get(t, "k8s-v3.6-snapshot"), fixtures.KubeValuesFixture(t),
	}
	// The lab notebook: freelist simulation counters, formula algebra,
	// span tables, the models; all behind -v.
	notebook := []string{"ids scanned", "map writes", "sum over run sizes", "How these are predicted",
		"span length", "fragmentation index", "Meta pages", "Top keys by", "startup: t = fixed"}
	for _, f := range kinds {
		t.Run(f.Name, func(t *testing.T) {
			path := fixtures.Path(t, f)
			code, out, errOut := runCLI(t, "report", path)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if len(lines) > 80 {
				t.Errorf("%d lines, want at most 80:\n%s", len(lines), out)
			}
			for i, l := range lines {
				if n := utf8.RuneCountInString(l); n > 100 {
					t.Errorf("line %d is %d columns, want at most 100: %q", i+1, n, l)
				}
			}
			for _, want := range []string{"\nSummary\n", "\nTop prefixes", "\nFindings\n", "\nPredictions", "  quota  ", "  restore needs  ", "dbinspect report -v"} {
				if !strings.Contains(out, want) {
					t.Errorf("no %q in the first screen:\n%s", want, out)
				}
			}
			for _, bad := range notebook {
				if strings.Contains(out, bad) {
					t.Errorf("the first screen has %q, which belongs behind -v", bad)
				}
			}
			_, full, _ := runCLI(t, "report", "-v", path)
			for _, want := range []string{"How these are predicted", "Meta pages", "Free space and fragmentation", "Top keys by revisions"} {
				if !strings.Contains(full, want) {
					t.Errorf("report -v has no %q", want)
				}
			}
			// JSON is complete whatever the text shows.
			_, j1, _ := runCLI(t, "report", "-o", "json", path)
			_, j2, _ := runCLI(t, "report", "-v", "-o", "json", path)
			if j1 != j2 || !strings.Contains(j1, `"top_keys"`) || !strings.Contains(j1, `"fragmentation"`) {
				t.Errorf("report -o json differs with -v, or lacks sections")
			}
		})
	}
}

// The README's first example is the whole first screen of k8s-v3.6, as its
// golden pins it (TestGolden pins the golden to what dbinspect prints).
func TestReadmeShowsTheFirstScreen(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	golden, err := os.ReadFile(filepath.Join("testdata", "golden", "k8s-v3.6.report.txt"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(readme), "\n## Example\n")
	_, block, ok := strings.Cut(section, "```\n")
	block, _, _ = strings.Cut(block, "```\n")
	want := strings.Replace(string(golden), "dbinspect 0.1.0: k8s-v3.6.db", "dbinspect 0.1.0: testdata/fixtures/k8s-v3.6.db.gz", 1)
	if !ok || block != want {
		t.Errorf("README's first example is not the k8s-v3.6 first screen (testdata/golden/k8s-v3.6.report.txt):\n%s", block)
	}
}

// Every fixture's first screen, data dirs with their member section and
// damaged WALs included, fits 100 columns and 80 lines.
func TestFirstScreenFitsOnEveryFixture(t *testing.T) {
	paths := map[string]string{}
	for _, f := range fixtures.All(t) {
		paths[f.Name] = fixtures.Path(t, f)
	}
	for _, d := range fixtures.DataDirs(t) {
		paths["datadir "+d.Name] = fixtures.DataDirArchive(d)
	}
	for name, path := range paths {
		code, out, errOut := runCLI(t, "report", "-q", path)
		if code != 0 {
			t.Errorf("%s: exit %d: %s", name, code, errOut)
			continue
		}
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) > 80 {
			t.Errorf("%s: %d lines, want at most 80", name, len(lines))
		}
		for i, l := range lines {
			if n := utf8.RuneCountInString(l); n > 100 {
				t.Errorf("%s: line %d is %d columns, want at most 100: %q", name, i+1, n, l)
			}
		}
	}
}
