package main

import (
	"bytes"
	"context"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dbinspect/dbinspect/internal/fixtures"
)

// Issue 21: a real headless Chromium renders the HTML report, and the page
// it builds holds the same summary, line for line and figure for figure,
// as the text report (quota and restore sizing included): both draw one
// view model, and this checks that nothing between it and the browser
// (template, escaping, the page's script) changes a figure.
func TestHTMLSummaryInChromiumMatchesText(t *testing.T) {
	bin := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		t.Skip("no chromium on PATH, so the HTML report is not checked in a browser; install one (Debian: apt-get install chromium; .ci/run does)")
	}
	for _, f := range []fixtures.Fixture{fixtures.Get(t, "nospace-v3.6"), fixtures.KubeValuesFixture(t)} {
		t.Run(f.Name, func(t *testing.T) {
			path := fixtures.Path(t, f)
			code, page, errOut := runCLI(t, "report", "-o", "html", path)
			if code != 0 {
				t.Fatalf("-o html: exit %d: %s", code, errOut)
			}
			file := filepath.Join(t.TempDir(), "report.html")
			if err := os.WriteFile(file, []byte(page), 0o600); err != nil {
				t.Fatal(err)
			}
			dom := dumpDOM(t, bin, file)
			browser := summaryRows(t, dom)
			_, text, _ := runCLI(t, "report", path)
			printed := textSummary(text, browser)
			if len(browser) == 0 || len(printed) != len(browser) {
				t.Fatalf("the page's summary has %d rows, the text's %d:\npage: %q\ntext:\n%s", len(browser), len(printed), browser, text)
			}
			for i, row := range browser {
				if printed[i] != row {
					t.Errorf("summary row %d: the page has %q, the text %q", i, row, printed[i])
				}
			}
			for _, label := range []string{"quota", "restore needs", "size", "defrag"} {
				found := false
				for _, row := range browser {
					found = found || row[0] == label
				}
				if !found {
					t.Errorf("the page's summary has no %q row", label)
				}
			}
			// The sizing a ticket reader doubts says where it comes from,
			// in the browser too.
			for _, row := range browser {
				if row[0] == "restore needs" && !strings.Contains(row[1], "etcd preallocates its first 64 MB segment whole") {
					t.Errorf("the page's restore sizing does not name the WAL preallocation: %q", row[1])
				}
				if row[0] == "quota" && (f.Scenario == "nospace") != strings.Contains(row[1], "NOSPACE alarm is set") {
					t.Errorf("the page's quota row and the NOSPACE alarm disagree: %q", row[1])
				}
			}
			t.Logf("%d summary rows the same in Chromium's DOM and the text", len(browser))
		})
	}
}

// dumpDOM is the DOM headless Chromium built from the page, its script run.
func dumpDOM(t *testing.T, bin, file string) string {
	t.Helper()
	// The timeout only stops a hung browser; nothing here measures time.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
		"--user-data-dir="+t.TempDir(), "--dump-dom", "file://"+file)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", bin, err, errb.String())
	}
	return out.String()
}

var (
	summaryTable = regexp.MustCompile(`(?s)<table class="summary"><tbody>(.*?)</tbody></table>`)
	summaryRow   = regexp.MustCompile(`(?s)<tr><td>(.*?)</td><td>(.*?)</td></tr>`)
)

// summaryRows are the label and text of each row of the page's summary
// table, whitespace folded as a browser shows it.
func summaryRows(t *testing.T, dom string) [][2]string {
	t.Helper()
	m := summaryTable.FindStringSubmatch(dom)
	if m == nil {
		t.Fatalf("no summary table in the DOM:\n%s", dom[:min(len(dom), 3000)])
	}
	var rows [][2]string
	for _, r := range summaryRow.FindAllStringSubmatch(m[1], -1) {
		rows = append(rows, [2]string{fold(html.UnescapeString(r[1])), fold(html.UnescapeString(r[2]))})
	}
	return rows
}

// textSummary reads the text report's Summary section: a line starting
// with a label the page has begins a row, other lines continue it.
func textSummary(text string, labels [][2]string) [][2]string {
	_, sec, _ := strings.Cut(text, "\nSummary\n")
	sec, _, _ = strings.Cut(sec, "\n\n")
	var rows [][2]string
	for _, l := range strings.Split(sec, "\n") {
		l = strings.TrimSpace(l)
		started := false
		for _, lb := range labels {
			if rest, ok := strings.CutPrefix(l, lb[0]+"  "); ok {
				rows = append(rows, [2]string{lb[0], strings.TrimSpace(rest)})
				started = true
				break
			}
		}
		if !started && len(rows) > 0 {
			rows[len(rows)-1][1] += " " + l
		}
	}
	for i := range rows {
		rows[i][1] = fold(rows[i][1])
	}
	return rows
}

func fold(s string) string { return strings.Join(strings.Fields(s), " ") }
