// Command gen writes small etcd data dirs (member/wal, member/snap) with
// real etcd and records what etcd's own wal and snap packages read from
// them, for dbinspect's WAL reader tests. The same source builds against
// two etcd versions in testdata/gen/datadir36 and testdata/gen/datadir35
// (their .go files are symlinks to testdata/gen/datadirshared, except
// walapi.go, the one place the versions' APIs differ).
//
//	cd testdata/gen/datadir36 && go run . -out ../../fixtures/datadirs -work /dev/shm
package main

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strings"
	"syscall"
	"time"

	"go.etcd.io/etcd/api/v3/version"
)

const maxArchiveBytes = 2 << 20

func main() {
	out := flag.String("out", "", "directory for the .tar.gz files and datadirs.json (../../fixtures/datadirs)")
	only := flag.String("only", "", "comma-separated scenarios (default: all)")
	workRoot := flag.String("work", "", "where to put the work directory (a tmpfs such as /dev/shm makes fsync free)")
	keep := flag.Bool("keep", false, "keep the work directory")
	childWrite := flag.String("child-write", "", "(internal) start etcd on this dir, print ready, write until killed")
	childRestart := flag.String("child-restart", "", "(internal) start etcd on this dir, print ready, stop")
	bigOut := flag.String("big", "", "write a big data dir here for restart timing (see -txns, -ops, -value-size)")
	txns := flag.Int("txns", 2000, "with -big: txns")
	ops := flag.Int("ops", 200, "with -big: puts per txn")
	valueSize := flag.Int("value-size", 700, "with -big: bytes per value")
	dbAt := flag.Int("db-at", 0, "with -big: stop etcd after this many txns and keep a copy of its db beside the dir (DIR.db-at.db), then write the rest")
	timeDir := flag.String("time-restart", "", "start real etcd on copies of this data dir -runs times; print time to ready and peak RSS as JSON")
	runs := flag.Int("runs", 3, "with -time-restart: starts")
	oracleDir := flag.String("oracle", "", "print what etcd's own wal and snap packages read from this data dir (on private copies) as JSON")
	flag.Parse()
	switch {
	case *oracleDir != "":
		work, err := os.MkdirTemp(*workRoot, "dbinspect-oracle-")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(work)
		o, err := askOracle(*oracleDir, work)
		if err != nil {
			log.Fatal(err)
		}
		printJSON(o)
		return
	case *bigOut != "":
		if err := writeBig(*bigOut, *txns, *ops, *valueSize, *dbAt); err != nil {
			log.Fatal(err)
		}
		return
	case *timeDir != "":
		work, err := os.MkdirTemp(*workRoot, "dbinspect-restart-")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(work)
		rt, err := timeRestarts(*timeDir, work, *runs)
		if err != nil {
			log.Fatal(err)
		}
		printJSON(rt)
		return
	case *childWrite != "":
		childWriter(*childWrite)
		return
	case *childRestart != "":
		childRestarter(*childRestart)
		return
	}
	if *out == "" {
		log.Fatal("-out is required, e.g. go run . -out ../../fixtures/datadirs -work /dev/shm")
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	work, err := os.MkdirTemp(*workRoot, "dbinspect-datadirs-")
	if err != nil {
		log.Fatal(err)
	}
	if *keep {
		log.Printf("work directory: %s", work)
	} else {
		defer os.RemoveAll(work)
	}
	want := map[string]bool{}
	for _, n := range strings.Split(*only, ",") {
		if n != "" {
			want[n] = true
		}
	}
	m := &Manifest{Note: "written by testdata/gen/datadir35 and datadir36 (go run . -out ../../fixtures/datadirs -work /dev/shm); oracle: etcd's own wal and snap packages on private copies; restart: real etcd started on a copy"}
	for _, sc := range scenarios {
		if len(want) > 0 && !want[sc.name] {
			continue
		}
		start := time.Now()
		dirs, err := generate(sc, filepath.Join(work, sc.name), *out)
		if err != nil {
			log.Fatalf("%s: %v", sc.name, err)
		}
		m.DataDirs = append(m.DataDirs, dirs...)
		for _, d := range dirs {
			log.Printf("%s: %d entries (%d..%d), snapshot %v, restart ok=%v, %s", d.Name, d.Oracle.Read.Entries, d.Oracle.Read.FirstIndex, d.Oracle.Read.LastIndex, d.Oracle.Snapshot != nil, d.Restart.Ok, time.Since(start).Round(time.Millisecond))
		}
	}
	suffix := versionSuffix()
	err = writeManifest(filepath.Join(*out, "datadirs.json"), m, func(d DataDir) bool {
		return !strings.HasSuffix(d.Name, suffix) || (len(want) > 0 && !want[d.Scenario])
	})
	if err != nil {
		log.Fatal(err)
	}
}

func versionSuffix() string { return "-v" + version.APIVersion }

// generate writes one scenario's data dir (and its derived variants).
func generate(sc scenario, work, outDir string) ([]DataDir, error) {
	os.RemoveAll(work)
	if err := os.MkdirAll(work, 0o755); err != nil {
		return nil, err
	}
	dataDir := filepath.Join(work, "data")
	how := ""
	if sc.killed {
		var err error
		if how, err = writeTorn(dataDir, work); err != nil {
			return nil, err
		}
	} else {
		e, ep, err := startEtcd(dataDir, sc.snapshotCount, "fatal")
		if err != nil {
			return nil, err
		}
		cli, err := client(ep)
		if err != nil {
			e.Close()
			return nil, err
		}
		err = sc.run(cli)
		cli.Close()
		e.Close()
		if err != nil {
			return nil, err
		}
	}
	base := DataDir{Name: sc.name + versionSuffix(), Scenario: sc.name, Description: sc.description, EtcdVersion: version.Version, SnapshotCount: sc.snapshotCount, How: how}
	d, err := record(base, dataDir, work, outDir)
	if err != nil {
		return nil, err
	}
	dirs := []DataDir{d}
	if sc.name == "large" {
		for _, v := range damages {
			vd := filepath.Join(work, v.name)
			if err := copyDir(dataDir, vd); err != nil {
				return nil, err
			}
			what, err := v.apply(filepath.Join(vd, "member", "wal"))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", v.name, err)
			}
			b := DataDir{Name: v.name + versionSuffix(), Scenario: v.name, Description: v.description, EtcdVersion: version.Version, DerivedFrom: d.Name, Damage: what}
			dv, err := record(b, vd, work, outDir)
			if err != nil {
				return nil, err
			}
			dirs = append(dirs, dv)
		}
	}
	return dirs, nil
}

// record archives dataDir and asks etcd about it.
func record(d DataDir, dataDir, work, outDir string) (DataDir, error) {
	var err error
	member := filepath.Join(dataDir, "member")
	d.WALFiles, err = listFiles(filepath.Join(member, "wal"))
	if err != nil {
		return d, err
	}
	d.SnapFiles, err = listFiles(filepath.Join(member, "snap"))
	if err != nil {
		return d, err
	}
	db := filepath.Join(member, "snap", "db")
	if fi, err := os.Stat(db); err == nil {
		d.DBBytes = fi.Size()
	}
	if d.ConsistentIndex, d.ConsistentTerm, err = consistentIndex(db, work); err != nil {
		return d, fmt.Errorf("consistent index: %w", err)
	}
	if d.Oracle, err = askOracle(dataDir, work); err != nil {
		return d, err
	}
	if d.Restart, err = realRestart(dataDir, work); err != nil {
		return d, err
	}
	d.File = d.Name + ".tar.gz"
	if err := archive(dataDir, filepath.Join(outDir, d.File)); err != nil {
		return d, err
	}
	return d, nil
}

func listFiles(dir string) ([]FileInfo, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := []FileInfo{}
	for _, de := range des {
		fi, err := de.Info()
		if err != nil {
			return nil, err
		}
		out = append(out, FileInfo{Name: de.Name(), Size: fi.Size()})
	}
	return out, nil
}

// damages are the hand-made corrupt variants of the "large" data dir.
var damages = []struct {
	name, description string
	apply             func(walDir string) (string, error)
}{
	{"large-cut", "the large data dir with its first (not last) segment cut by hand in the middle of a record: etcd cannot repair it", func(walDir string) (string, error) {
		segs, _ := filepath.Glob(filepath.Join(walDir, "*.wal"))
		sort.Strings(segs)
		if len(segs) < 2 {
			return "", errors.New("want two segments")
		}
		fi, err := os.Stat(segs[0])
		if err != nil {
			return "", err
		}
		cut := fi.Size() / 2
		return fmt.Sprintf("%s truncated from %d to %d bytes", filepath.Base(segs[0]), fi.Size(), cut), os.Truncate(segs[0], cut)
	}},
	{"large-crc", "the large data dir with one byte of an entry's data flipped in its first segment: a CRC mismatch etcd refuses", func(walDir string) (string, error) {
		segs, _ := filepath.Glob(filepath.Join(walDir, "*.wal"))
		sort.Strings(segs)
		f, err := os.OpenFile(segs[0], os.O_RDWR, 0)
		if err != nil {
			return "", err
		}
		defer f.Close()
		const off = 20_000_000 + 1000
		var b [1]byte
		if _, err := f.ReadAt(b[:], off); err != nil {
			return "", err
		}
		b[0] ^= 0x20
		if _, err := f.WriteAt(b[:], off); err != nil {
			return "", err
		}
		return fmt.Sprintf("%s byte at offset %d xor 0x20", filepath.Base(segs[0]), off), nil
	}},
}

// writeTorn SIGKILLs a child etcd mid-write, hoping the kill lands inside
// a write(2) of a record so that the WAL's last record is torn, as etcd's
// write-mode ReadAll sees it. A kill rarely lands there (60 kills on tmpfs
// gave none), so after a few it zeroes the last whole 512-byte sector of
// the killed member's last segment before its last byte: the sector a
// power loss would not have persisted (what etcd's own repair tests do).
func writeTorn(dataDir, work string) (string, error) {
	rng := rand.New(rand.NewSource(1))
	const kills = 5
	for attempt := 1; attempt <= kills; attempt++ {
		os.RemoveAll(dataDir)
		cmd := exec.Command(os.Args[0], "-child-write", dataDir)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			return "", err
		}
		cmd.Stderr = io.Discard
		if err := cmd.Start(); err != nil {
			return "", err
		}
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		if strings.TrimSpace(line) != "ready" {
			cmd.Process.Kill()
			cmd.Wait()
			return "", fmt.Errorf("child: %q", line)
		}
		time.Sleep(time.Duration(300+rng.Intn(700)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		cp := filepath.Join(work, "torn-check")
		os.RemoveAll(cp)
		if err := copyDir(filepath.Join(dataDir, "member", "wal"), cp); err != nil {
			return "", err
		}
		_, _, _, _, _, err = walReadAll(cp, SnapRef{}, true)
		os.RemoveAll(cp)
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Sprintf("SIGKILL mid-write; attempt %d", attempt), nil
		}
	}
	segs, _ := filepath.Glob(filepath.Join(dataDir, "member", "wal", "*.wal"))
	sort.Strings(segs)
	if len(segs) == 0 {
		return "", errors.New("no WAL segment")
	}
	last := segs[len(segs)-1]
	b, err := os.ReadFile(last)
	if err != nil {
		return "", err
	}
	end := len(b)
	for end > 0 && b[end-1] == 0 {
		end--
	}
	sector := (end-1)/512*512 - 512
	if sector < 4096 {
		return "", errors.New("last segment too short to tear")
	}
	f, err := os.OpenFile(last, os.O_RDWR, 0)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if _, err := f.WriteAt(make([]byte, 512), int64(sector)); err != nil {
		return "", err
	}
	return fmt.Sprintf("SIGKILL mid-write (%d kills, none inside a write), then the 512-byte sector at offset %d of %s (the last whole sector before its last non-zero byte, %d) zeroed", kills, sector, filepath.Base(last), end), nil
}

func childWriter(dir string) {
	e, ep, err := startEtcd(dir, 0, "fatal")
	if err != nil {
		log.Fatal(err)
	}
	defer e.Close()
	cli, err := client(ep)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("ready")
	log.Fatal(tornWriter(context.Background(), cli))
}

// childRestarter starts etcd on dir, prints the seconds to ready, stops.
// With DATADIR_CPUPROFILE set, it writes a CPU profile of the start (to
// ready) there, to see where a restart's time goes (the restart figures
// of -time-restart are then not clean timings: profiling costs a little).
func childRestarter(dir string) {
	if path := os.Getenv("DATADIR_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer f.Close()
	}
	start := time.Now()
	e, _, err := startEtcd(dir, 0, "info")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("ready %.3f\n", time.Since(start).Seconds())
	pprof.StopCPUProfile()
	e.Close()
}

// realRestart starts real etcd on a copy of dataDir in a child (a bad WAL
// makes etcd exit the process) and keeps what its log says about the WAL.
func realRestart(dataDir, work string) (RealRestart, error) {
	cp := filepath.Join(work, "restart-copy")
	os.RemoveAll(cp)
	if err := copyDir(dataDir, cp); err != nil {
		return RealRestart{}, err
	}
	defer os.RemoveAll(cp)
	cmd := exec.Command(os.Args[0], "-child-restart", cp)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	outb, _ := cmd.Output()
	r := RealRestart{Ok: strings.HasPrefix(string(outb), "ready ")}
	r.Log = walLogLines(stderr.String())
	return r, nil
}

// walLogLines keeps etcd's log messages about the WAL and the start
// (level, msg and error of zap's JSON lines; no timestamps).
func walLogLines(log string) []string {
	out := []string{}
	for _, l := range strings.Split(log, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) != nil {
			if strings.Contains(l, "panic") {
				out = append(out, strings.TrimSpace(l))
			}
			continue
		}
		msg, _ := m["msg"].(string)
		keep := false
		for _, w := range []string{"WAL", "repair", "snapshot", "ignored file", "consistent", "bootstrap", "discovery failed", "restarting local member"} {
			if strings.Contains(msg, w) {
				keep = true
			}
		}
		if !keep {
			continue
		}
		s := fmt.Sprintf("%v: %s", m["level"], msg)
		if e, ok := m["error"].(string); ok {
			s += ": " + e
		}
		out = append(out, s)
	}
	return out
}

// archive writes member/ of dataDir as a .tar.gz (names member/...).
func archive(dataDir, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	tw := tar.NewWriter(zw)
	err = filepath.Walk(filepath.Join(dataDir, "member"), func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dataDir, p)
		h, err := tar.FileInfoHeader(fi, "")
		if err != nil {
			return err
		}
		h.Name = filepath.ToSlash(rel)
		h.ModTime = time.Unix(0, 0)
		h.Uname, h.Gname, h.Uid, h.Gid = "", "", 0, 0
		h.Format = tar.FormatPAX
		if fi.IsDir() {
			h.Name += "/"
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if fi.Mode().IsRegular() {
			src, err := os.Open(p)
			if err != nil {
				return err
			}
			defer src.Close()
			if _, err := io.Copy(tw, src); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		err = tw.Close()
	}
	if err == nil {
		err = zw.Close()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if fi, err := os.Stat(path); err == nil && fi.Size() > maxArchiveBytes {
		return fmt.Errorf("%s is %d bytes, over the %d budget", path, fi.Size(), maxArchiveBytes)
	}
	return nil
}

func copyDir(src, dst string) error {
	return filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		t := filepath.Join(dst, rel)
		if fi.IsDir() {
			return os.MkdirAll(t, 0o755)
		}
		return copyFile(p, t)
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
