package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Ensure that the example output in README.md is real and current: every
// line of each section of an example (but the header naming the input, and
// "..." where rows were left out) appears, in order, in one of the text
// golden files, which TestGolden in turn pins to what dbinspect prints.
func TestReadmeExamplesMatchGoldens(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	goldens, err := filepath.Glob(filepath.Join("testdata", "golden", "*.txt"))
	if err != nil || len(goldens) == 0 {
		t.Fatalf("no text goldens: %v", err)
	}
	var texts []string
	for _, g := range goldens {
		b, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, string(b))
	}
	blocks := exampleBlocks(string(readme))
	if len(blocks) == 0 {
		t.Fatal("README.md has no example output under '## Example'")
	}
	for i, block := range blocks {
		best, bestLine := -1, ""
		for _, text := range texts {
			n, missing := matchInOrder(block, strings.Split(text, "\n"))
			if missing == "" {
				best = len(block)
				break
			}
			if n > best {
				best, bestLine = n, missing
			}
		}
		if best < len(block) {
			t.Errorf("README example section %d is stale: no golden has, in order, the line\n%q\nregenerate it from `go run ./cmd/dbinspect` on the fixture (the goldens are in cmd/dbinspect/testdata/golden)", i+1, bestLine)
		}
	}
}

// exampleBlocks returns the lines of each section (a run of lines between
// blank lines) of the fenced blocks of the README's "## Example" section,
// without input headers and elisions.
func exampleBlocks(readme string) [][]string {
	_, section, ok := strings.Cut(readme, "\n## Example\n")
	if !ok {
		return nil
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var blocks [][]string
	var cur []string
	in := false
	for _, line := range strings.Split(section, "\n") {
		switch {
		case strings.HasPrefix(line, "```"):
			if in {
				blocks = append(blocks, cur)
				cur = nil
			}
			in = !in
		case in && line == "" && len(cur) > 0:
			// A section may be shown out of the report's order.
			blocks = append(blocks, cur)
			cur = nil
		case in && line != "" && strings.TrimSpace(line) != "..." && !strings.HasPrefix(line, "dbinspect "):
			cur = append(cur, line)
		}
	}
	return blocks
}

// matchInOrder reports how many of want appear in lines as a subsequence,
// and the first that does not ("" when all do).
func matchInOrder(want, lines []string) (int, string) {
	j := 0
	for i, w := range want {
		for j < len(lines) && lines[j] != w {
			j++
		}
		if j == len(lines) {
			return i, w
		}
		j++
	}
	return len(want), ""
}
