package exact

import (
	"fmt"
	"io"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/dbinspect/dbinspect/internal/english"
	"github.com/dbinspect/dbinspect/internal/privfile"
	"github.com/dbinspect/dbinspect/pages"
	"github.com/dbinspect/dbinspect/pages/defrag"
)

// Run copies the db file at path into a private file under os.TempDir
// (never beside the input), checks the copy with the page reader,
// runs etcd's defragdb algorithm on it with bbolt and the options etcd
// gives its temporary db, measures the result and removes every temporary
// file, also on error. The input is only read.
//
// bbolt trusts its pages: on a damaged file it can run for minutes in
// gigabytes of memory, or die of SIGBUS past the end of a truncated one.
// So the copy bbolt opens is the one checked here, not the input, which a
// live etcd may change between the caller's check and the copy.
func Run(path string, o defrag.ExactOptions) (*defrag.ExactResult, error) {
	// Both files are made without a name where the OS allows (Linux) and
	// reached through their descriptors: a killed run leaves no copy of the
	// customer's db, and no dir. Elsewhere they live in a private temp dir.
	dir := os.TempDir()
	if !privfile.Nameless {
		mkdir := o.TempDir
		if mkdir == nil {
			mkdir = defrag.OSTempDir
		}
		d, remove, err := mkdir("dbinspect-defrag-*")
		if err != nil {
			return nil, fmt.Errorf("exact defrag: creating a temp dir (set TMPDIR to a disk with room for two copies of the db): %w", err)
		}
		defer remove()
		dir = d
	}
	srcFile, src, err := privfile.Create(dir)
	if err != nil {
		return nil, fmt.Errorf("exact defrag: creating the copy in %s (set TMPDIR to a disk with room for two copies of the db): %w", dir, err)
	}
	defer srcFile.Close()
	dstFile, dst, err := privfile.Create(dir)
	if err != nil {
		return nil, fmt.Errorf("exact defrag: creating the temporary db in %s: %w", dir, err)
	}
	defer dstFile.Close()

	t0 := time.Now()
	if err := defragCopyFile(path, srcFile); err != nil {
		return nil, fmt.Errorf("exact defrag: copying %s to %s: %w", path, dir, err)
	}
	copied := time.Since(t0)
	if err := checkCopy(src); err != nil {
		return nil, err
	}

	t1 := time.Now()
	pairs, err := Copy(src, dst)
	if err != nil {
		return nil, err
	}
	took := time.Since(t1)

	res := &defrag.ExactResult{
		CopySeconds:   copied.Seconds(),
		DefragSeconds: took.Seconds(),
		Duration:      took,
		Pairs:         pairs,
		Model: "etcd's defragdb run with bbolt " + defragBoltVersion + " on a private copy: temporary db opened with NoFreelistSync, " +
			"array freelist, InitialMmapSize 0, FillPercent 0.9 on every bucket, a commit every 10000 puts",
	}
	st, err := os.Stat(dst)
	if err != nil {
		return nil, fmt.Errorf("exact defrag: %w", err)
	}
	res.FileBytes = st.Size()
	db, err := bolt.Open(dst, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("exact defrag: reopening the result: %w", err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		res.PageSize = db.Info().PageSize
		res.DbSizeBytes = tx.Size()
		res.HighWaterPgid = uint64(tx.Size()) / uint64(res.PageSize)
		return nil
	})
	if err != nil {
		return nil, err
	}
	res.FreePages = db.Stats().FreePageN
	return res, nil
}

// checkCopy runs the structural check on the private copy and refuses it
// when bbolt could not safely read every page of it.
func checkCopy(src string) error {
	f, err := pages.Open(src)
	if err != nil {
		return fmt.Errorf("%w: the copy is not a readable bbolt file: %v", defrag.ErrExactRefused, err)
	}
	defer f.Close()
	a, err := pages.Analyze(f, pages.AnalyzeOptions{})
	switch {
	case err != nil:
		return fmt.Errorf("%w: checking the copy: %v", defrag.ErrExactRefused, err)
	case a.Damaged() || !a.Complete:
		return fmt.Errorf("%w: the structural check of the copy found damage (%s)", defrag.ErrExactRefused, english.Plural(len(a.Problems), "problem"))
	}
	return nil
}

const defragBoltVersion = "v1.4.3"

// Copy writes dst from src the way etcd's backend.defrag does
// (storage/backend/backend.go defrag and defragdb, the same in 3.5-3.7) and
// returns the number of pairs copied. src is opened read-only; dst must not
// exist. Exported so tests can use it as the oracle for Simulate.
func Copy(src, dst string) (pairs int64, err error) {
	// bbolt panics on some damaged pages; a damaged input must give an
	// error, not crash the tool.
	defer func() {
		if r := recover(); r != nil {
			pairs, err = 0, fmt.Errorf("exact defrag: bbolt failed on a damaged page (%v): etcd could not defragment this file either", r)
		}
	}()
	in, err := bolt.Open(src, 0o400, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return 0, fmt.Errorf("exact defrag: bbolt cannot open the copy (is it a bbolt file?): %w", err)
	}
	defer in.Close()
	// etcd's temporary db: its Linux boltOpenOptions (NoFreelistSync,
	// MAP_POPULATE, which changes no byte), InitialMmapSize 0, Mlock off,
	// and no FreelistType, so the array freelist.
	out, err := bolt.Open(dst, 0o600, &bolt.Options{NoFreelistSync: true, FreelistType: bolt.FreelistArrayType})
	if err != nil {
		return 0, fmt.Errorf("exact defrag: creating the temporary db: %w", err)
	}
	defer func() {
		if cerr := out.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("exact defrag: %w", cerr)
		}
	}()
	n, err := defragdb(in, out, defrag.CommitEvery)
	if err != nil {
		return 0, fmt.Errorf("exact defrag: %w", err)
	}
	return n, nil
}

// defragdb is etcd's defragdb, statement for statement.
func defragdb(odb, tmpdb *bolt.DB, limit int) (pairs int64, err error) {
	tmptx, err := tmpdb.Begin(true)
	if err != nil {
		return 0, err
	}
	// Roll back whatever tx is open when we leave, also on a panic in
	// bbolt: an open write tx would block Close forever. After a commit
	// Rollback is a no-op.
	defer func() {
		if tmptx != nil {
			_ = tmptx.Rollback()
		}
	}()
	tx, err := odb.Begin(false)
	if err != nil {
		return 0, err
	}
	defer func() { _ = tx.Rollback() }()

	c := tx.Cursor()
	count := 0
	for next, _ := c.First(); next != nil; next, _ = c.Next() {
		b := tx.Bucket(next)
		if b == nil {
			return pairs, fmt.Errorf("cannot defrag bucket %q: not a bucket", next)
		}
		tmpb, berr := tmptx.CreateBucketIfNotExists(next)
		if berr != nil {
			return pairs, berr
		}
		tmpb.FillPercent = defrag.DefragFillPercent
		if err = b.ForEach(func(k, v []byte) error {
			count++
			if count > limit {
				if err := tmptx.Commit(); err != nil {
					return err
				}
				var err error
				if tmptx, err = tmpdb.Begin(true); err != nil {
					return err
				}
				tmpb = tmptx.Bucket(next)
				tmpb.FillPercent = defrag.DefragFillPercent
				count = 0
			}
			pairs++
			return tmpb.Put(k, v)
		}); err != nil {
			return pairs, err
		}
	}
	return pairs, tmptx.Commit()
}

func defragCopyFile(from string, out *os.File) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	_, err = io.Copy(out, in)
	return err
}
