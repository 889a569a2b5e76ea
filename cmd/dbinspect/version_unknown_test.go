package main

import (
	"encoding/json"
	"html"
	"strings"
	"testing"
)

// Ensure that on a truncated copy whose meta bucket cannot be read the
// summary says the etcd version is unknown and which version its startup
// figure assumes, in text, HTML and JSON alike, instead of naming the
// first modelled version as if the file were its; and that a version the
// file records, or --etcd-version, is still named plainly.
func TestStartupVersionUnknownOnTruncatedCopy(t *testing.T) {
	im := loadDB(t, "k8s-v3.6")
	hw := int(im.HighWater()) * im.PageSize
	cut := writeBytes(t, im.B[:hw/4])
	whole := writeBytes(t, im.B)
	const unknown = "the file's etcd version is unknown (its meta bucket could not be read): the figures assume etcd 3.5"
	for _, tc := range []struct {
		name     string
		args     []string
		label    string // the summary's startup label
		assumed  bool
		headline string
	}{
		{"truncated", []string{cut}, "etcd startup", true, "3.5"},
		{"truncated, --etcd-version", []string{"--etcd-version", "3.6", cut}, "etcd 3.6 startup", false, "3.6"},
		{"whole", []string{whole}, "etcd 3.6 startup", false, "3.6"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, text, errs := runCLI(t, append([]string{"report", "-q"}, tc.args...)...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errs)
			}
			words := strings.Join(strings.Fields(text), " ")
			if !strings.Contains(text, "\n  "+tc.label+" ") {
				t.Errorf("no summary line %q:\n%s", tc.label, text)
			}
			if strings.Contains(words, unknown) != tc.assumed {
				t.Errorf("the text says %q: %v, want %v:\n%s", unknown, !tc.assumed, tc.assumed, text)
			}
			if tc.assumed && strings.Contains(text, "etcd 3.5 startup") {
				t.Errorf("the text names 3.5 as the file's version:\n%s", text)
			}
			_, page, _ := runCLI(t, append([]string{"report", "-q", "-o", "html"}, tc.args...)...)
			if strings.Contains(strings.Join(strings.Fields(html.UnescapeString(page)), " "), unknown) != tc.assumed {
				t.Errorf("the HTML does not word it as the text does (assumed %v)", tc.assumed)
			}
			_, out, _ := runCLI(t, append([]string{"report", "-q", "-o", "json"}, tc.args...)...)
			var doc map[string]any
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatal(err)
			}
			if got := jsonPath(doc, "predict", "version"); got != tc.headline {
				t.Errorf("predict.version %v, want %s", got, tc.headline)
			}
			for _, path := range [][]string{{"predict", "version_assumed"}, {"summary", "startup", "version_assumed"}} {
				got, _ := jsonPath(doc, path...).(bool)
				if got != tc.assumed {
					t.Errorf("%s = %v, want %v", strings.Join(path, "."), got, tc.assumed)
				}
			}
		})
	}
}
