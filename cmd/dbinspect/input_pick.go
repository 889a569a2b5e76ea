package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// stdin is what '-' reads; tests replace it.
var stdin io.Reader = os.Stdin

// readStdin reads a db, or a gzip of one, from stdin into the temp dir,
// with the limits of any compressed input (extractStream): checked as
// bbolt first, no more written than its meta pages say, holes kept.
func readStdin(progress progressFunc) (*input, error) {
	br := bufio.NewReaderSize(&countingReader{r: stdin, total: -1, progress: progress}, 1<<20)
	magic, _ := br.Peek(2)
	var src io.Reader = br
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := newGzipStream(br)
		if err != nil {
			return nil, fmt.Errorf("-: stdin is not a readable gzip stream (%v)", err)
		}
		defer zr.Close()
		src = zr
	}
	in, err := extractStream("-", "stdin", src, -1)
	if nb, ok := err.(errNotBolt); ok {
		return nil, fmt.Errorf("-: stdin is not a bbolt/etcd db (or a gzip of one): %v; pipe in a db file, e.g. 'cat member/snap/db | dbinspect report -'", nb.err)
	}
	if err != nil {
		return nil, fmt.Errorf("-: reading stdin: %v", err)
	}
	return in, nil
}

// pickMember is true when name (a db's path, slash-separated) is the one
// --member asks for: it has a directory of that name. No --member picks
// every one.
func pickMember(name, member string) bool {
	if member == "" {
		return true
	}
	for _, seg := range strings.Split(path.Dir(name), "/") {
		if seg == member {
			return true
		}
	}
	return false
}

// pickedDB ends the search of a dir or an archive that holds dbs: the one
// picked, or an error listing them all when there are several and no
// --member said which, or when --member named none of them.
func pickedDB(given, what string, found *input, dbs []string, member string) (*input, error) {
	list := func() string {
		shown := make([]string, 0, min(len(dbs), maxNamesShown))
		for _, d := range dbs[:min(len(dbs), maxNamesShown)] {
			shown = append(shown, shortName(d))
		}
		s := strings.Join(shown, ", ")
		if len(dbs) > len(shown) {
			s += fmt.Sprintf(" and %d more", len(dbs)-len(shown))
		}
		return s
	}
	switch {
	case found == nil:
		return nil, usageError{fmt.Sprintf("%s: --member %s names none of the %s's %d etcd dbs: %s", given, member, what, len(dbs), list())}
	case member == "" && len(dbs) > 1:
		found.Close()
		return nil, usageError{fmt.Sprintf("%s: this %s holds %d etcd dbs: %s; pick one with --member NAME (a directory in its path, e.g. --member %s) or name its db", given, what, len(dbs), list(), memberHint(dbs[0]))}
	}
	return found, nil
}

// memberHint is the directory --member would name for a db path.
func memberHint(name string) string {
	dir := path.Dir(name)
	for _, suffix := range []string{"/member/snap", "/snap"} {
		if strings.HasSuffix(dir, suffix) {
			dir = strings.TrimSuffix(dir, suffix)
			break
		}
	}
	return path.Base(dir)
}

// resolveDataDirs looks one level into a dir with no db of its own, for
// the data dirs or member dirs of several members (node1/member/snap/db,
// ...): one is read, several are an error listing them unless --member
// picks one. (nil, nil) when there are none.
func resolveDataDirs(dir, member string) (*input, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil
	}
	var dbs []string
	var found *input
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		for _, c := range []struct{ rel, kind string }{
			{filepath.Join(e.Name(), "member", "snap", "db"), "data-dir"},
			{filepath.Join(e.Name(), "snap", "db"), "member-dir"},
		} {
			p := filepath.Join(dir, c.rel)
			if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
				continue
			}
			name := filepath.ToSlash(c.rel)
			dbs = append(dbs, name)
			if found == nil && pickMember(name, member) {
				if err := checkReadable(p); err != nil {
					return nil, err
				}
				found = &input{Given: dir, Path: p, Kind: c.kind, Resolved: name}
			}
			break
		}
	}
	if len(dbs) == 0 {
		return nil, nil
	}
	sort.Strings(dbs)
	return pickedDB(dir, "dir", found, dbs, member)
}
