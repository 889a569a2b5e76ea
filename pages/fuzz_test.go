package pages

import (
	"bytes"
	"crypto/sha256"
	"os"
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
	bolt "go.etcd.io/bbolt"
)

// seedFiles are small whole bbolt files built here with bbolt (1 KiB
// pages, nested and inline buckets, overflow values, synced freelist): the
// committed fixtures, 2 MiB and more, seed through seedPages and
// seedPrefixes instead.
func seedFiles(f *testing.F) [][]byte {
	var out [][]byte
	small := []dbSpec{
		{"nested-1k", 1024, false, func(t testing.TB, db *bolt.DB) {
			update(t, db, func(tx *bolt.Tx) error {
				b, err := tx.CreateBucket([]byte("a"))
				if err != nil {
					return err
				}
				in, err := b.CreateBucket([]byte("inline"))
				if err != nil {
					return err
				}
				if err := in.Put([]byte("x"), []byte("y")); err != nil {
					return err
				}
				for i := 0; i < 60; i++ {
					if err := b.Put(key(i), make([]byte, 10+i*40)); err != nil {
						return err
					}
				}
				return nil
			})
			update(t, db, func(tx *bolt.Tx) error { return tx.Bucket([]byte("a")).Delete(key(3)) })
		}},
		{"empty-1k", 1024, true, func(testing.TB, *bolt.DB) {}},
	}
	for _, s := range small {
		b, err := os.ReadFile(s.build(f))
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// seedPages cuts the pages of the seed files, by their own page size, and
// samples the pages of a sample of the committed fixtures (too big to seed
// whole): both metas and up to 8 pages of each type.
func seedPages(f *testing.F) [][]byte {
	var out [][]byte
	for _, b := range seedFiles(f) {
		ps := seedPageSize(f, b)
		for off := 0; off+ps <= len(b) && off < 64*ps; off += ps {
			out = append(out, b[off:off+ps])
		}
	}
	for _, b := range fixtureFiles(f) {
		ps := seedPageSize(f, b)
		taken := map[uint16]int{}
		for off := 0; off+ps <= len(b); off += ps {
			p := b[off : off+ps]
			// Overflow and free pages hold arbitrary bytes where flags
			// would be: only real page types are sampled.
			flags := parseHeader(p).Flags
			known := flags == FlagBranch || flags == FlagLeaf || flags == FlagMeta || flags == FlagFreelist
			if known && taken[flags] < 8 || off < 2*ps {
				taken[flags]++
				out = append(out, p)
			}
		}
	}
	return out
}

// seedPrefixes are the first 16 pages of the sampled fixtures: real
// metas and trees, cut short like a half-copied file.
func seedPrefixes(f *testing.F) [][]byte {
	var out [][]byte
	for _, b := range fixtureFiles(f) {
		out = append(out, b[:min(len(b), 16*seedPageSize(f, b))])
	}
	return out
}

// seedPageSize is a seed file's page size, as the reader finds it.
func seedPageSize(f *testing.F, b []byte) int {
	file, err := NewFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		f.Fatal(err)
	}
	return file.PageSize()
}

// fixtureFiles reads the sample of committed fixtures.
func fixtureFiles(f *testing.F) [][]byte {
	var out [][]byte
	for _, fx := range fixtures.Sample(f) {
		b, err := os.ReadFile(fixtures.Path(f, fx))
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func FuzzMeta(f *testing.F) {
	for _, p := range seedPages(f) {
		f.Add(p[:min(len(p), 256)])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseMeta(b)
		if err != nil {
			if len(b) >= metaBytes {
				t.Fatalf("ParseMeta failed on %d bytes: %v", len(b), err)
			}
			return
		}
		if m.Validate() == nil && (m.Magic != Magic || m.Version != FormatVersion || m.Checksum != m.sum) {
			t.Fatalf("Validate accepted %+v", m)
		}
	})
}

func FuzzPage(f *testing.F) {
	for _, p := range seedPages(f) {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		nd, err := newNode(b)
		if err != nil {
			return
		}
		for i := 0; i < nd.count(); i++ {
			if nd.h.Flags == FlagBranch {
				k, _, err := nd.branch(i)
				if err == nil && len(k) > len(b) {
					t.Fatal("key longer than the page")
				}
				continue
			}
			flags, k, v, err := nd.leaf(i)
			if err != nil {
				continue
			}
			if len(k)+len(v) > len(b) {
				t.Fatal("element longer than the page")
			}
			if flags&BucketLeafFlag != 0 {
				if _, inline, err := bucketHeader(v); err == nil && inline != nil {
					_, _ = newNode(inline)
				}
			}
		}
	})
}

func FuzzFreelist(f *testing.F) {
	for _, p := range seedPages(f) {
		if parseHeader(p).Flags == FlagFreelist {
			f.Add(p)
		}
	}
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, FlagFreelist, 0, 0xFF, 0xFF, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		ids, err := decodeFreelist(b)
		if err == nil && 8*len(ids) > len(b) {
			t.Fatalf("%d ids from %d bytes", len(ids), len(b))
		}
	})
}

func FuzzAnalyze(f *testing.F) {
	for _, b := range seedFiles(f) {
		if len(b) <= 64<<10 {
			f.Add(b)
		}
	}
	for _, b := range seedPrefixes(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 1<<20 {
			return
		}
		file, err := NewFile(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		a, err := Analyze(file, AnalyzeOptions{PageMap: true})
		if err != nil {
			t.Fatalf("Analyze on an in-memory file returned an I/O error: %v", err)
		}
		if got := a.Pages.ByType.Sum()*int64(a.File.PageSize) + a.Pages.TailBytes; got != a.File.BboltBytes {
			t.Fatalf("census adds up to %d bytes, file has %d", got, a.File.BboltBytes)
		}
		names, _ := file.BucketNames()
		for _, n := range names {
			_ = file.ForEach(n, func(k, v []byte) error { return nil })
		}
	})
}

// FuzzSnapshotTrailer checks trailer detection and verification against
// etcdutl's rule, computed here independently, narrowed by the metas: a
// file of 512k+32 bytes (k ≥ 1) whose first 512k bytes are the pages below
// a valid meta's high-water mark (what etcdctl snapshot save writes) ends
// with the SHA-256 of the bytes before; any other file has no trailer (a
// truncated copy can have such a size). Seeds are small files and fixture
// prefixes, each with a good and a bad trailer and without one.
func FuzzSnapshotTrailer(f *testing.F) {
	for _, b := range append(seedFiles(f), seedPrefixes(f)...) {
		if len(b) > 64<<10 {
			continue
		}
		sum := sha256.Sum256(b)
		f.Add(append(bytes.Clone(b), sum[:]...))
		sum[0] ^= 1
		f.Add(append(bytes.Clone(b), sum[:]...))
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 1<<20 {
			return
		}
		file, err := NewFile(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		fits := false
		for _, m := range file.Metas() {
			fits = fits || m.Valid && m.Meta.HighWater < 1<<40 && m.Meta.HighWater*uint64(file.PageSize()) == uint64(len(b)-32)
		}
		want := SnapshotAbsent
		if n := len(b); n%512 == 32 && n >= 512 && fits {
			want = SnapshotMismatch
			if sum := sha256.Sum256(b[:n-32]); bytes.Equal(sum[:], b[n-32:]) {
				want = SnapshotOK
			}
		}
		got, err := file.VerifySnapshot()
		if err != nil {
			t.Fatalf("VerifySnapshot on an in-memory file: %v", err)
		}
		if got != want {
			t.Fatalf("%d bytes: snapshot %s, want %s", len(b), got, want)
		}
		if tr := file.Snapshot(); tr.Present != (want != SnapshotAbsent) || (tr.Present && tr.Offset != int64(len(b)-32)) {
			t.Fatalf("%d bytes: trailer %+v", len(b), tr)
		}
	})
}
