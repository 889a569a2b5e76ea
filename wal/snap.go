package wal

import (
	"bufio"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"go.etcd.io/raft/v3/raftpb"
)

// SnapFile is one member/snap/*.snap file.
type SnapFile struct {
	Name string `json:"name"`
	Size int64  `json:"size_bytes"`
	// From raftpb.Snapshot's metadata (what etcd matches against the WAL's
	// snapshot records; the name says the same when the file is etcd's).
	Index    uint64 `json:"index"`
	Term     uint64 `json:"term"`
	Voters   int    `json:"voters"`
	Learners int    `json:"learners"`
	// DataBytes is the snapshot's data: the v2 store as JSON (membership
	// only in 3.6; the whole v2 store in 3.5). etcd holds it in memory.
	DataBytes int64 `json:"data_bytes"`
	// Err says why etcd's snap.Read would refuse the file (it then
	// renames it to .broken and tries the next older one); "" when fine.
	Err string `json:"error,omitempty"`
}

// SnapDB is a member/snap/%016x.snap.db file: a db a follower received
// from its leader, swapped in for the db at restart when its index is above
// the db's consistent index.
type SnapDB struct {
	Name  string `json:"name"`
	Index uint64 `json:"index"`
	Size  int64  `json:"size_bytes"`
}

// SnapDir is what member/snap holds besides the db.
type SnapDir struct {
	// Snaps are the .snap files newest first (etcd's order: names sorted
	// in reverse).
	Snaps []SnapFile `json:"snap_files"`
	DBs   []SnapDB   `json:"snap_db_files,omitempty"`
	// Other are files etcd warns about or deletes at start (db.tmp*,
	// *.broken, tmp*).
	Other []string `json:"other_files,omitempty"`
}

// ReadSnapDir reads every .snap file of dir (member/snap) and lists the
// .snap.db files. A missing dir gives an empty SnapDir.
func ReadSnapDir(dir string) (*SnapDir, error) {
	sd, err := ReadSnapDirFS(os.DirFS(dir), ".")
	if err != nil {
		return nil, fmt.Errorf("listing the snap dir %s: %w", dir, pathless(err))
	}
	return sd, nil
}

// ReadSnapDirFS is ReadSnapDir on the directory dir of fsys.
func ReadSnapDirFS(fsys fs.FS, dir string) (*SnapDir, error) {
	sd := &SnapDir{Snaps: []SnapFile{}}
	des, err := fs.ReadDir(fsys, dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return sd, nil
		}
		return nil, err
	}
	var names []string
	for _, de := range des {
		n := de.Name()
		switch {
		case strings.HasSuffix(n, ".snap"):
			names = append(names, n)
		case strings.HasSuffix(n, ".snap.db"):
			idx, err := strconv.ParseUint(strings.TrimSuffix(n, ".snap.db"), 16, 64)
			if err != nil {
				sd.Other = append(sd.Other, n)
				continue
			}
			var size int64
			if fi, err := de.Info(); err == nil {
				size = fi.Size()
			}
			sd.DBs = append(sd.DBs, SnapDB{Name: n, Index: idx, Size: size})
		case n == "db":
		default:
			sd.Other = append(sd.Other, n)
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(names)))
	for _, n := range names {
		sd.Snaps = append(sd.Snaps, readSnapFileFS(fsys, path.Join(dir, n)))
	}
	return sd, nil
}

// crcSrc streams a file, keeping a CRC-32C of the bytes read while on.
type crcSrc struct {
	br  *bufio.Reader
	on  bool
	crc uint32
	one [1]byte
}

func (c *crcSrc) ReadByte() (byte, error) {
	b, err := c.br.ReadByte()
	if err == nil && c.on {
		c.one[0] = b
		c.crc = crc32.Update(c.crc, castagnoli, c.one[:])
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return b, err
}

func (c *crcSrc) Read(p []byte) (int, error) {
	n, err := c.br.Read(p)
	if c.on {
		c.crc = crc32.Update(c.crc, castagnoli, p[:n])
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// ReadSnapFile reads one .snap file as etcd's snap.Read does, streaming:
// the v2 store JSON inside is checksummed and measured, never held.
func ReadSnapFile(p string) SnapFile {
	return readSnapFileFS(os.DirFS(filepath.Dir(p)), filepath.Base(p))
}

// readSnapFileFS is ReadSnapFile on the file name of fsys.
func readSnapFileFS(fsys fs.FS, name string) SnapFile {
	sf := SnapFile{Name: path.Base(name)}
	f, err := fsys.Open(name)
	if err != nil {
		sf.Err = err.Error()
		return sf
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		sf.Err = err.Error()
		return sf
	}
	return readSnap(sf.Name, f, fi.Size())
}

// readSnap reads a .snap file's size bytes from rd.
func readSnap(name string, rd io.Reader, size int64) SnapFile {
	sf := SnapFile{Name: name, Size: size}
	if sf.Size == 0 {
		sf.Err = "empty snapshot file (etcd: snap: empty snapshot)"
		return sf
	}
	c := &crcSrc{br: bufio.NewReaderSize(rd, 64<<10)}
	top := &limited{r: c, n: sf.Size}
	var stored uint32
	var dataLen int64 = -1
	for top.n > 0 {
		tag, err := readVarint(top)
		if err != nil {
			sf.Err = "not a snappb.snapshot: " + err.Error()
			return sf
		}
		field, wt := tag>>3, tag&7
		switch {
		case field == 1 && wt == 0:
			v, err := readVarint(top)
			if err != nil {
				sf.Err = "not a snappb.snapshot: " + err.Error()
				return sf
			}
			stored = uint32(v)
		case field == 2 && wt == 2:
			n, err := readLen(top, top.n)
			if err != nil {
				sf.Err = "not a snappb.snapshot: " + err.Error()
				return sf
			}
			dataLen = n
			c.on, c.crc = true, 0
			sub := &limited{r: top, n: n}
			if err := readRaftSnapshot(sub, &sf); err != nil {
				sf.Err = "the snapshot inside is not a raftpb.Snapshot: " + err.Error()
				// Keep reading so a CRC mismatch, etcd's first complaint, wins.
				if derr := discard(sub, sub.n); derr != nil {
					sf.Err = "not a snappb.snapshot: " + derr.Error()
					return sf
				}
			}
			c.on = false
		default:
			if field == 0 {
				sf.Err = "not a snappb.snapshot: field number 0"
				return sf
			}
			if err := skipField(top, wt, func() int64 { return top.n }); err != nil {
				sf.Err = "not a snappb.snapshot: " + err.Error()
				return sf
			}
		}
	}
	switch {
	case dataLen <= 0 || stored == 0:
		sf.Err = "empty snapshot data (etcd: snap: empty snapshot)"
	case c.crc != stored:
		sf.Err = fmt.Sprintf("CRC mismatch: the file says %08x, its data gives %08x (etcd: snap: crc mismatch)", stored, c.crc)
	}
	return sf
}

// readRaftSnapshot reads raftpb.Snapshot{data=1, metadata=2} from r.
func readRaftSnapshot(r *limited, sf *SnapFile) error {
	for r.n > 0 {
		tag, err := readVarint(r)
		if err != nil {
			return err
		}
		field, wt := tag>>3, tag&7
		switch {
		case field == 1 && wt == 2:
			n, err := readLen(r, r.n)
			if err != nil {
				return err
			}
			sf.DataBytes = n
			if err := discard(r, n); err != nil {
				return err
			}
		case field == 2 && wt == 2:
			n, err := readLen(r, r.n)
			if err != nil {
				return err
			}
			if n > MaxBuffered {
				return fmt.Errorf("%w: snapshot metadata of %d bytes", errMalformed, n)
			}
			b := make([]byte, n)
			if _, err := io.ReadFull(r, b); err != nil {
				return err
			}
			var m raftpb.SnapshotMetadata
			if err := m.Unmarshal(b); err != nil {
				return fmt.Errorf("%w: metadata: %v", errMalformed, err)
			}
			sf.Index, sf.Term = m.Index, m.Term
			sf.Voters, sf.Learners = len(m.ConfState.Voters), len(m.ConfState.Learners)
		default:
			if field == 0 {
				return fmt.Errorf("%w: field number 0", errMalformed)
			}
			if err := skipField(r, wt, func() int64 { return r.n }); err != nil {
				return err
			}
		}
	}
	return nil
}
