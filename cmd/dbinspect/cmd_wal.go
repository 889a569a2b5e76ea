package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/dbinspect/dbinspect/internal/termsafe"
	"github.com/dbinspect/dbinspect/report"
	"github.com/spf13/pflag"
)

// walOptions are wal's flags.
type walOptions struct {
	out    outputFlags
	redact redactFlags
	in     inputFlags
	sel    walSelectFlags
}

func (o *walOptions) groups() []flagGroup {
	return []flagGroup{&o.out, &o.redact, &o.in, &o.sel}
}

// walSelectFlags choose the entries 'dbinspect wal' lists.
type walSelectFlags struct {
	from, to uint64
	types    []string
	requests []string
}

func (o *walSelectFlags) register(fs *pflag.FlagSet) {
	fs.Uint64Var(&o.from, "from", 0, "list entries from this raft index on (default: the first in the WAL)")
	fs.Uint64Var(&o.to, "to", 0, "list entries up to this raft index (default: the last)")
	fs.StringSliceVar(&o.types, "type", nil, "list only entries of these types: normal, conf_change, conf_change_v2 (comma-separated)")
	fs.StringSliceVar(&o.requests, "request", nil, "list only these requests: put, txn, delete_range, range, compaction, lease (lease_grant, lease_revoke, lease_checkpoint), auth, alarm, noop, conf (every conf change), v2, ... (comma-separated; 'dbinspect help wal' lists all)")
}

// walTypeAliases are other spellings --type takes (etcd-dump-logs's
// ConfigChange among them).
var walTypeAliases = map[string]string{"confchange": "conf_change", "configchange": "conf_change", "conf": "conf_change", "confchangev2": "conf_change_v2"}

func (o *walSelectFlags) validate() error {
	if o.from != 0 && o.to != 0 && o.from > o.to {
		return usageError{fmt.Sprintf("--from %d is above --to %d", o.from, o.to)}
	}
	for i, t := range o.types {
		t = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(t)), "-", "_")
		if a, ok := walTypeAliases[t]; ok {
			t = a
		}
		ok := false
		for _, n := range report.EntryTypeNames {
			ok = ok || n == t
		}
		if !ok {
			return usageError{fmt.Sprintf("--type %q: want %s", termsafe.Name(o.types[i]), strings.Join(report.EntryTypeNames, ", "))}
		}
		o.types[i] = t
	}
	for i, r := range o.requests {
		o.requests[i] = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(r)), "-", "_")
	}
	if _, bad := report.RequestKinds(o.requests); len(bad) > 0 {
		return usageError{fmt.Sprintf("--request %q: want one of %s", termsafe.Name(bad[0]), strings.Join(report.RequestNames(), ", "))}
	}
	return nil
}

func walCommand() *command {
	o := &walOptions{out: newOutputFlags(false)}
	return &command{
		name:    "wal",
		summary: "a member's raft log: its WAL entries one per line, as etcd-dump-logs lists them, never a value",
		usage:   "[flags] DATA-DIR",
		help: `Lists the raft entries in a member's WAL (member/wal/*.wal), read with
dbinspect's own reader (never etcd's, never the WAL's lock, so a running
member's WAL can be read): a header with the WAL's member and cluster IDs,
its last hard state, the snapshot etcd would load at restart and the first
problem that stopped the read (a torn or cut record, a CRC mismatch), then one
line per entry: term, index, type, request (put, txn, delete_range,
lease_grant, conf_add_node, ...), its data size, the mvcc operations applying
it takes, and what the request names: its key and range end, a txn's
compares and ops, a put's value size, a lease, a compaction's revision, a
conf change's member. Values are never printed; keys are escaped, and hashed
with --redact. Entries a later leader overwrote are not listed (etcd drops
them too); the totals count them.

DATA-DIR may be an etcd data dir, a member dir, the WAL dir itself, or a .tar
or .tar.gz of a data dir. Entries are listed from the first in the WAL; etcd
loads at restart only those after the snapshot the header names.

Requests --request takes: ` + strings.Join(report.RequestNames(), ", ") + `.

Examples:
  dbinspect wal /var/lib/etcd
  dbinspect wal --request txn,put --from 5000 --to 6000 /var/lib/etcd
  dbinspect wal --type conf_change datadir.tar.gz
  dbinspect wal -o json --redact /var/lib/etcd | jq '.entries[] | select(.data_bytes > 1000000)'

Redaction:
` + redactPolicy,
		flags: o.groups(),
		run: func(c *cmdEnv, args []string) error {
			given, err := onePath(c, args)
			if err != nil {
				return err
			}
			progress, done := newProgress(c.stderr, o.out.quiet)
			defer done()
			src, err := findWAL(given, progress, o.in.member)
			if err != nil {
				return err
			}
			defer src.close()
			pol := o.redact.policy()
			l, err := report.WriteWALList(c.stdout, src.fsys, "wal", "snap", report.WALListOptions{
				From: o.sel.from, To: o.sel.to, Types: o.sel.types, Requests: o.sel.requests,
				Redact: pol, Name: pol.RedactPath(src.name), Format: string(o.out.output),
			})
			if err != nil {
				return fmt.Errorf("%s: %v", src.name, err)
			}
			if p := l.Problem; p != nil {
				fmt.Fprintf(c.stderr, "dbinspect: %s: partial: the WAL read stopped at %s offset %d (%s), so entries after it are not listed; run 'dbinspect report' on the data dir for what etcd will do\n",
					termsafe.Args([]any{pol.RedactPath(src.name), p.Segment, p.Offset, p.Code})...)
			}
			return nil
		},
	}
}

// walSource is where 'dbinspect wal' reads: an fs whose "wal" and "snap"
// are the member's dirs.
type walSource struct {
	fsys  fs.FS
	name  string // the WAL dir as the output names it
	close func()
}

// findWAL finds the member's wal/ (and snap/) in what the user named: a
// data dir, a member dir, the WAL dir, or an archive of a data dir.
func findWAL(given string, progress progressFunc, member string) (*walSource, error) {
	st, err := os.Stat(given)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such file or directory; name an etcd data dir, member dir or WAL dir, or a .tar.gz of a data dir", given)
		}
		return nil, fmt.Errorf("%s: %v", given, err)
	}
	if !st.IsDir() {
		lower := strings.ToLower(given)
		if !strings.HasSuffix(lower, ".tar") && !strings.HasSuffix(lower, ".tar.gz") && !strings.HasSuffix(lower, ".tgz") {
			return nil, usageError{fmt.Sprintf("%s: not a directory or a .tar(.gz); name an etcd data dir, member dir or WAL dir, or an archive of a data dir", given)}
		}
		in, err := resolveInputMember(given, progress, member)
		if err != nil {
			return nil, err
		}
		m, err := in.memberFiles()
		if err != nil || m == nil {
			in.Close()
			if err == nil {
				err = fmt.Errorf("%s: no member/wal files in the archive", given)
			}
			return nil, err
		}
		if _, err := fs.Stat(m, "wal"); err != nil {
			in.Close()
			return nil, fmt.Errorf("%s: no member/wal files in the archive (only snap files)", given)
		}
		return &walSource{fsys: m, name: given + " (wal/)", close: in.Close}, nil
	}
	for _, root := range []string{filepath.Join(given, "member"), given} {
		if st, err := os.Stat(filepath.Join(root, "wal")); err == nil && st.IsDir() {
			return &walSource{fsys: os.DirFS(root), name: filepath.Join(root, "wal"), close: func() {}}, nil
		}
	}
	if segs, _ := filepath.Glob(filepath.Join(given, "*.wal")); len(segs) > 0 || filepath.Base(filepath.Clean(given)) == "wal" {
		abs, err := filepath.Abs(given)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", given, err)
		}
		return &walSource{fsys: walDirFS{os.DirFS(filepath.Dir(abs)), filepath.Base(abs)}, name: given, close: func() {}}, nil
	}
	return nil, fmt.Errorf("%s: no WAL here (looked for member/wal, wal and *.wal files); name an etcd data dir, member dir or WAL dir", given)
}

// walDirFS shows a WAL dir named otherwise (etcd's --wal-dir) as "wal",
// and its sibling snap dir as "snap".
type walDirFS struct {
	fs.FS
	walName string
}

func (w walDirFS) rename(name string) string {
	if name == "wal" || strings.HasPrefix(name, "wal/") {
		return w.walName + strings.TrimPrefix(name, "wal")
	}
	return name
}

func (w walDirFS) Open(name string) (fs.File, error) { return w.FS.Open(w.rename(name)) }

func (w walDirFS) ReadDir(name string) ([]fs.DirEntry, error) {
	return fs.ReadDir(w.FS, w.rename(name))
}
