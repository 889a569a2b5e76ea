package redact

import (
	"strings"
	"testing"
)

func TestHasher(t *testing.T) {
	plain, salted, other := New(""), New("s3cret"), New("other")
	if plain.Name("acme") != New("").Name("acme") || salted.Name("acme") != New("s3cret").Name("acme") {
		t.Error("the same name and salt give different hashes")
	}
	if salted.Name("acme") == plain.Name("acme") || salted.Name("acme") == other.Name("acme") {
		t.Error("the salt does not change the hash")
	}
	if plain.Name("") != "" || len(plain.Name("acme")) != 12 {
		t.Errorf("Name: %q", plain.Name("acme"))
	}
	for _, tc := range []struct{ in, keep, hide string }{
		{"https://etcd-0.acme.example:2380", "https://host-", "acme"},
		{"http://user:pw@10.1.2.3:2379/x?y", ":2379", "10.1.2.3"},
		{"not a url acme", "url-", "acme"},
	} {
		got := plain.URL(tc.in)
		if !strings.Contains(got, tc.keep) || strings.Contains(got, tc.hide) || strings.Contains(got, "pw") {
			t.Errorf("URL(%q) = %q", tc.in, got)
		}
	}
	for _, tc := range []struct{ in, suffix, hide string }{
		{"/srv/acme/etcd/member/snap/db", "/member/snap/db", "acme"},
		{"acme-backup.db.gz", "", "acme"},
		{"/srv/acme/snap/db/", "/snap/db", "acme"},
	} {
		got := plain.Path(tc.in)
		if !strings.HasPrefix(got, "path-") || !strings.HasSuffix(got, tc.suffix) || strings.Contains(got, tc.hide) {
			t.Errorf("Path(%q) = %q", tc.in, got)
		}
	}
	if got := plain.Path("member/snap/db"); got != "member/snap/db" {
		t.Errorf("Path(member/snap/db) = %q", got)
	}
	if plain.Path("-") != "-" {
		t.Error("stdin's name is not a path")
	}
}
