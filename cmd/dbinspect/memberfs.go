package main

import (
	"errors"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"
)

// memberFS is a read-only fs.FS over the member files of an archive
// (wal/*, snap/* at its root), extracted one after another into one file
// that has no name (privfile): no signal, not even SIGKILL, can leave the
// customer's raft entries in TMPDIR. The wal package reads it as it reads
// a real member dir.
type memberFS struct {
	data io.ReaderAt
	dirs map[string][]memberFile // "wal", "snap": sorted by name
}

// memberFile is one extracted file: size bytes at off in data.
type memberFile struct {
	name      string
	off, size int64
}

// add records a file of dir, replacing one of the same name as 'tar -x'
// does; finish sorts.
func (m *memberFS) add(dir string, f memberFile) {
	if m.dirs == nil {
		m.dirs = map[string][]memberFile{}
	}
	files := m.dirs[dir]
	for i := range files {
		if files[i].name == f.name {
			files[i] = f
			return
		}
	}
	m.dirs[dir] = append(files, f)
}

func (m *memberFS) finish() {
	for _, files := range m.dirs {
		sort.Slice(files, func(i, j int) bool { return files[i].name < files[j].name })
	}
}

func (m *memberFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if ents, ok := m.readDir(name); ok {
		return &memberDir{info: memberInfo{name: path.Base(name), dir: true}, ents: ents}, nil
	}
	if f, ok := m.file(name); ok {
		return &memberOpen{SectionReader: io.NewSectionReader(m.data, f.off, f.size), info: memberInfo{name: f.name, size: f.size}}, nil
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

// ReadDir lists dir sorted by name, as fs.ReadDir would.
func (m *memberFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrInvalid}
	}
	ents, ok := m.readDir(name)
	if !ok {
		if _, isFile := m.file(name); isFile {
			return nil, &fs.PathError{Op: "readdir", Path: name, Err: errors.New("not a directory")}
		}
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	return ents, nil
}

func (m *memberFS) readDir(name string) ([]fs.DirEntry, bool) {
	if name == "." {
		var ents []fs.DirEntry
		for d := range m.dirs {
			ents = append(ents, memberInfo{name: d, dir: true})
		}
		sort.Slice(ents, func(i, j int) bool { return ents[i].Name() < ents[j].Name() })
		return ents, true
	}
	files, ok := m.dirs[name]
	if !ok {
		return nil, false
	}
	ents := make([]fs.DirEntry, len(files))
	for i, f := range files {
		ents[i] = memberInfo{name: f.name, size: f.size}
	}
	return ents, true
}

func (m *memberFS) file(name string) (memberFile, bool) {
	dir, base := path.Split(name)
	files := m.dirs[strings.TrimSuffix(dir, "/")]
	i := sort.Search(len(files), func(i int) bool { return files[i].name >= base })
	if i < len(files) && files[i].name == base {
		return files[i], true
	}
	return memberFile{}, false
}

// memberInfo is a file's or dir's fs.FileInfo and fs.DirEntry.
type memberInfo struct {
	name string
	size int64
	dir  bool
}

func (i memberInfo) Name() string { return i.name }
func (i memberInfo) Size() int64  { return i.size }
func (i memberInfo) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o500
	}
	return 0o400
}
func (i memberInfo) ModTime() time.Time         { return time.Time{} }
func (i memberInfo) IsDir() bool                { return i.dir }
func (i memberInfo) Sys() any                   { return nil }
func (i memberInfo) Type() fs.FileMode          { return i.Mode().Type() }
func (i memberInfo) Info() (fs.FileInfo, error) { return i, nil }

// memberOpen is an open file: its own section of the shared file, so
// readers never share an offset.
type memberOpen struct {
	*io.SectionReader
	info memberInfo
}

func (f *memberOpen) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *memberOpen) Close() error               { return nil }

// memberDir is an open dir.
type memberDir struct {
	info memberInfo
	ents []fs.DirEntry
	pos  int
}

func (d *memberDir) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *memberDir) Close() error               { return nil }
func (d *memberDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.name, Err: errors.New("is a directory")}
}

func (d *memberDir) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.ents[d.pos:]
	if n <= 0 {
		d.pos = len(d.ents)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	if n > len(rest) {
		n = len(rest)
	}
	d.pos += n
	return rest[:n], nil
}
