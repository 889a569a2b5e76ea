package termsafe

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestName(t *testing.T) {
	long := "/registry/" + strings.Repeat("a", 1<<20)
	for _, c := range []struct{ name, in, want string }{
		{"plain", "/registry/pods/default/web-0", "/registry/pods/default/web-0"},
		{"utf8 kept", "/registry/configmaps/é/日本", "/registry/configmaps/é/日本"},
		{"ESC and BEL (retitle)", "/k/\x1b]0;pwned\x07", `/k/\x1b]0;pwned\a`},
		{"newline and CR (fake lines)", "a\nINJECTED LINE\rb", `a\nINJECTED LINE\rb`},
		{"tab", "a\tb", `a\tb`},
		{"DEL and C1 CSI", "a\x7f\u009bb", `a\x7f\u009bb`},
		{"bidi override and isolate", "abc\u202etxt.exe\u2066", `abc\u202etxt.exe\u2066`},
		{"zero width and BOM", "a\u200bb\ufeff", `a\u200bb\ufeff`},
		{"invalid utf8", "a\xff\xfeb", `a\xff\xfeb`},
		{"long", long, long[:MaxName] + "… (1,048,586 bytes)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Name(c.in); got != c.want {
				t.Errorf("Name(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestArgs(t *testing.T) {
	raw := Raw("\x1b[31mCRITICAL\x1b[0m")
	got := fmt.Sprintf("%s %s %v %d %s", Args([]any{raw, "k\n", errors.New("e\x1b"), 7, "ok"})...)
	want := "\x1b[31mCRITICAL\x1b[0m k\\n e\\x1b 7 ok"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// FuzzName checks that no input gets a control, format or invalid byte
// through, and that output stays bounded.
func FuzzName(f *testing.F) {
	for _, s := range []string{"", "/registry/pods/a", "\x1b]0;x\x07", "a\u202eb", "\xff", "日本\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Name(s)
		if !utf8.ValidString(out) {
			t.Fatalf("Name(%q) = %q: invalid UTF-8", s, out)
		}
		for _, r := range out {
			if !visible(r) {
				t.Fatalf("Name(%q) = %q: holds %U", s, out, r)
			}
		}
		if len(out) > MaxName+64 {
			t.Fatalf("Name of %d bytes is %d bytes", len(s), len(out))
		}
	})
}
