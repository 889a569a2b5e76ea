package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
)

// Issue 21, point 6: on a truncated copy the report leads with what check
// says (bytes missing, buckets affected), its page table's shares add up
// to its total, and the exit statuses are the ones the README documents.
func TestDamagedReportLeadsWithCheck(t *testing.T) {
	im := loadDB(t, "k8s-v3.6")
	hw := int(im.HighWater()) * im.PageSize
	tests := []struct {
		name string
		cut  int
	}{
		{"cut at three quarters", hw * 3 / 4},
		{"cut at a quarter", hw / 4},
		{"cut mid-page", hw/2 + 100},
	}
	missing := regexp.MustCompile(`([0-9,]+) bytes are missing`)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := writeBytes(t, im.B[:tc.cut])
			checkCode, checkOut, _ := runCLI(t, "check", p)
			m := missing.FindStringSubmatch(checkOut)
			if checkCode != exitError || m == nil {
				t.Fatalf("check: exit %d, no bytes missing:\n%s", checkCode, checkOut)
			}
			if want := strconv.Itoa(hw - tc.cut); strings.ReplaceAll(m[1], ",", "") != want {
				t.Errorf("check says %s bytes missing, want %s", m[1], want)
			}
			for _, args := range [][]string{{"report"}, {"report", "-v"}, {"pages"}, {"keys"}, {"predict"}} {
				code, out, errOut := runCLI(t, append(args, p)...)
				if code != exitOK {
					t.Errorf("%v: exit %d, want %d (README: a partial report exits 0): %s", args, code, exitOK, errOut)
				}
				// The first section is the check's, with its figures.
				_, rest, _ := strings.Cut(out, "\n\n")
				if !strings.HasPrefix(rest, "Structural check\n") || !strings.Contains(rest, "TRUNCATED: ") {
					t.Errorf("%v does not lead with the structural check:\n%s", args, out)
				}
				head, _, _ := strings.Cut(rest, "\n\n")
				if got := missing.FindStringSubmatch(strings.Join(strings.Fields(head), " ")); got == nil || got[1] != m[1] {
					t.Errorf("%v: its first section does not say the %s bytes missing check says:\n%s", args, m[1], head)
				}
				if !strings.Contains(head, "buckets affected: ") {
					t.Errorf("%v: its first section does not name the buckets affected:\n%s", args, head)
				}
			}
			if code, _, _ := runCLI(t, "report", "--fail-on", "critical", p); code != exitFailOn {
				t.Errorf("report --fail-on critical on a damaged file: exit %d, want %d", code, exitFailOn)
			}
			_, pages, _ := runCLI(t, "pages", p)
			checkPageShares(t, pages)
		})
	}
}

// checkPageShares checks the Pages table: its rows add up to its total,
// and their shares to 100% (each rounded to 0.1%).
func checkPageShares(t *testing.T, out string) {
	t.Helper()
	_, table, ok := strings.Cut(out, "\nPages\n")
	if !ok {
		t.Fatalf("no Pages table:\n%s", out)
	}
	var sum, total int64
	var shares float64
	rows := 0
	for _, l := range strings.Split(table, "\n")[1:] {
		f := strings.Fields(l)
		if len(f) < 2 {
			break
		}
		i := 1
		for ; i < len(f) && !regexp.MustCompile(`^[0-9,]+$`).MatchString(f[i]); i++ {
		}
		if i == len(f) {
			break
		}
		n, _ := strconv.ParseInt(strings.ReplaceAll(f[i], ",", ""), 10, 64)
		share, _ := strconv.ParseFloat(strings.TrimSuffix(f[len(f)-1], "%"), 64)
		if f[0] == "total" {
			total = n
			break
		}
		sum += n
		shares += share
		rows++
	}
	if total == 0 || sum != total {
		t.Errorf("the page table's rows add up to %d, its total says %d:\n%s", sum, total, table)
	}
	if d := shares - 100; d > 0.05*float64(rows) || d < -0.05*float64(rows) {
		t.Errorf("the page table's shares add up to %.1f%%:\n%s", shares, table)
	}
}

// A snapshot whose trailer does not match is not "ok": check says so and
// exits 1, with no "ok" or "no problems" line before it.
func TestCheckOnTrailerMismatchIsNotOK(t *testing.T) {
	b, err := os.ReadFile(fixtures.Path(t, fixtures.Get(t, "k8s-v3.6-snapshot")))
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-1] ^= 0xFF
	p := writeBytes(t, b)
	code, out, errOut := runCLI(t, "check", p)
	if code != exitError || !strings.Contains(errOut, "snapshot SHA-256 trailer") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	if strings.Contains(out, "ok:") || strings.Contains(out, "no problems") || !strings.Contains(out, "MISMATCH") {
		t.Errorf("check says ok, or not MISMATCH, and exits %d:\n%s", code, out)
	}
	_, report, _ := runCLI(t, "report", p)
	if _, rest, _ := strings.Cut(report, "\n\n"); !strings.HasPrefix(rest, "Structural check\n") || !strings.Contains(rest, "MISMATCH") {
		t.Errorf("the report does not lead with the trailer mismatch:\n%s", report)
	}
}

// The README documents what a damaged file exits with.
func TestReadmeDocumentsDamagedExitStatus(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(readme)), " ")
	for _, want := range []string{"A damaged file (truncated, or pages that cannot be read): `check` exits 1",
		"write what could be read with its certainty, and exit 0", "`--fail-on critical` makes them exit 3"} {
		if !strings.Contains(text, want) {
			t.Errorf("README's Exit status lacks %q", want)
		}
	}
}
