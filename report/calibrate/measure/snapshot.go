package measure

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/encoding/protowire"
)

// The two ways etcd streams a whole db, rebuilt here without grpc or
// net/http (see cmd/dbinspect's TestBinaryDependencies): the mechanism,
// read in etcd 3.5/3.6's sources, not their code. Both read the db
// through a bbolt read transaction's WriteTo into an io.Pipe, and both run
// here with the receiver on the same host, as a backup job on the member's
// node or the testdata/etcdcost harness run them. Neither receiver's
// fsync is timed: it is the disk's speed, not the stream's.
//
// etcdctl snapshot save (server/etcdserver/api/v3rpc/maintenance.go
// Snapshot, clientv3's Maintenance.Snapshot, etcdutl's SaveWithVersion):
// per 32 KiB read from the pipe into a new buffer, a SnapshotResponse
// (header, remaining bytes, the blob, the storage version) marshalled into
// a new slice, sent as a gRPC message in 16 KiB HTTP/2 DATA frames copied
// through grpc's 32 KiB write buffer and flushed, then the blob hashed
// (SHA-256, sent last). The client reads the frames through a 32 KiB
// buffered reader into a buffer per frame, joins a message's, unmarshals
// it (gogo copies the blob) and writes the blob into a pipe that
// etcdctl's io.Copy empties into the file.
//
// A snapshot sent to a lagging follower (rafthttp's snapshotSender and
// snapshotHandler, snap.SaveDBFrom): the raft message, then the db copied
// by net/http's request writer 32 KiB at a time as chunks of HTTP/1.1's
// chunked encoding (a size line, the data, CRLF), flushed after each
// chunk; the follower's server reads them through a 4 KiB buffered reader
// and io.Copy writes them into a temp file 32 KiB at a time.

// snapshotChunk is the server's read size of a snapshot stream (etcd's
// snapshotSendBufferSize) and net/http's io.Copy buffer alike.
const snapshotChunk = 32 << 10

// snapshotStreamRounds is how many times each stream is timed; the median
// is kept.
const snapshotStreamRounds = 3

// streamFit is what measureSnapshotStreams found: seconds a db byte of
// each stream, and the scratch db's size.
type streamFit struct {
	save, send float64
	dbBytes    int64
}

// measureSnapshotStreams writes a scratch bbolt db of about size bytes
// (2 KiB values, as the testdata/etcdcost snapshot runs write) and times a
// snapshot save and a follower send of it over loopback TCP, in alternate
// rounds, the median of each.
func measureSnapshotStreams(dir string, size int) (streamFit, float64, error) {
	start := time.Now()
	path := filepath.Join(dir, "stream.db")
	defer os.Remove(path)
	db, err := writeStreamDB(path, size)
	if err != nil {
		return streamFit{}, 0, err
	}
	defer db.Close()
	out := filepath.Join(dir, "stream.out")
	defer os.Remove(out)
	var saves, sends []float64
	var fit streamFit
	for range snapshotStreamRounds {
		for _, s := range []struct {
			times  *[]float64
			server func(*bolt.DB, io.Writer) (int64, error)
			client func(io.Reader, string) (int64, error)
		}{{&saves, serveSnapshotSave, receiveSnapshotSave}, {&sends, serveSnapshotSend, receiveSnapshotSend}} {
			conn, err := dialLoopback()
			if err != nil {
				return streamFit{}, time.Since(start).Seconds(), fmt.Errorf("%w: %v", errNoLoopback, err)
			}
			secs, n, err := timeStream(db, conn, out, s.server, s.client)
			conn.close()
			if err != nil {
				return streamFit{}, 0, err
			}
			fit.dbBytes = n
			*s.times = append(*s.times, secs/float64(n))
		}
	}
	fit.save, fit.send = median(saves), median(sends)
	return fit, time.Since(start).Seconds(), nil
}

// writeStreamDB fills a bbolt db at path with 2 KiB values under revision
// keys until it holds about size bytes.
func writeStreamDB(path string, size int) (*bolt.DB, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if err != nil {
		return nil, err
	}
	r := rand.New(rand.NewSource(5))
	val := make([]byte, 2048)
	const perTx = 1000
	rev := int64(1)
	for written := 0; written < size; written += perTx * len(val) {
		err := db.Update(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists(applyKeyBucket)
			if err != nil {
				return err
			}
			for range perTx {
				r.Read(val)
				if err := b.Put(revisionKey(nil, etcdRevision{rev, 0}), val); err != nil {
					return err
				}
				rev++
			}
			return nil
		})
		if err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}

// timeStream runs server on conn's server end and client on its client
// end, the client writing into out, and returns the wall time until both
// are done and the bytes the client wrote.
func timeStream(db *bolt.DB, conn rangeConn, out string, server func(*bolt.DB, io.Writer) (int64, error), client func(io.Reader, string) (int64, error)) (float64, int64, error) {
	type result struct {
		n   int64
		err error
	}
	got := make(chan result, 1)
	t0 := time.Now()
	go func() {
		n, err := client(conn.client, out)
		got <- result{n, err}
	}()
	sent, err := server(db, conn.server)
	// The end of the stream (gRPC's trailers, the request's end): the
	// client reads to it.
	conn.server.Close()
	r := <-got
	secs := time.Since(t0).Seconds()
	if err == nil {
		err = r.err
	}
	if err == nil && r.n < sent {
		err = fmt.Errorf("snapshot stream: the client wrote %d bytes of %d", r.n, sent)
	}
	return secs, sent, err
}

// snapshotOf starts a read transaction's WriteTo of db into a pipe, as
// etcd's backend.Snapshot and its callers do, and returns the pipe's
// reader and the db's size.
func snapshotOf(db *bolt.DB) (*io.PipeReader, int64, error) {
	tx, err := db.Begin(false)
	if err != nil {
		return nil, 0, err
	}
	pr, pw := io.Pipe()
	go func() {
		_, err := tx.WriteTo(pw)
		tx.Rollback()
		pw.CloseWithError(err)
	}()
	return pr, tx.Size(), nil
}

// snapshotResponse is etcdserverpb.SnapshotResponse's wire form: header
// (field 1), remaining_bytes (2), blob (3), version (4), marshalled as
// gogo's generated code does (Size, then into a new slice).
func marshalSnapshotResponse(remaining uint64, blob []byte, version string) []byte {
	hdr := rangeHeader{clusterID: 0x1234567890abcdef, memberID: 0xfedcba0987654321, revision: 1 << 20, raftTerm: 2}
	hs := hdr.size()
	size := 1 + protowire.SizeVarint(uint64(hs)) + hs + 1 + protowire.SizeVarint(remaining) +
		1 + protowire.SizeBytes(len(blob)) + 1 + protowire.SizeBytes(len(version))
	b := make([]byte, 0, size)
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(hs))
	b = protowire.AppendTag(b, 1, protowire.VarintType)
	b = protowire.AppendVarint(b, hdr.clusterID)
	b = protowire.AppendTag(b, 2, protowire.VarintType)
	b = protowire.AppendVarint(b, hdr.memberID)
	b = protowire.AppendTag(b, 3, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(hdr.revision))
	b = protowire.AppendTag(b, 4, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(hdr.raftTerm))
	b = protowire.AppendTag(b, 2, protowire.VarintType)
	b = protowire.AppendVarint(b, remaining)
	b = protowire.AppendTag(b, 3, protowire.BytesType)
	b = protowire.AppendBytes(b, blob)
	b = protowire.AppendTag(b, 4, protowire.BytesType)
	return protowire.AppendString(b, version)
}

// unmarshalBlob is gogo's Unmarshal of a SnapshotResponse as far as the
// client uses it: the blob, copied out of the message.
func unmarshalBlob(m []byte) ([]byte, error) {
	var blob []byte
	for len(m) > 0 {
		num, typ, n := protowire.ConsumeTag(m)
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		m = m[n:]
		if num == 3 && typ == protowire.BytesType {
			v, n := protowire.ConsumeBytes(m)
			if n < 0 {
				return nil, protowire.ParseError(n)
			}
			blob = append(blob[:0], v...)
			m = m[n:]
			continue
		}
		n = protowire.ConsumeFieldValue(num, typ, m)
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		m = m[n:]
	}
	return blob, nil
}

// frameWriter is grpc's HTTP/2 transport writing one message: DATA frames
// of at most 16 KiB, each copied with its 9-byte header into a 32 KiB
// buffer written out when full and at the message's end.
type frameWriter struct {
	w   io.Writer
	buf []byte
}

func (f *frameWriter) write(p []byte) error {
	if len(f.buf)+len(p) > cap(f.buf) {
		if err := f.flush(); err != nil {
			return err
		}
	}
	f.buf = append(f.buf, p...)
	return nil
}

func (f *frameWriter) flush() error {
	if len(f.buf) == 0 {
		return nil
	}
	_, err := f.w.Write(f.buf)
	f.buf = f.buf[:0]
	return err
}

// message sends msg after its 5-byte gRPC prefix in DATA frames of at
// most 16 KiB of the two, then flushes.
func (f *frameWriter) message(msg []byte) error {
	var prefix [5]byte
	binary.BigEndian.PutUint32(prefix[1:], uint32(len(msg)))
	parts := [][]byte{prefix[:], msg}
	left := len(prefix) + len(msg)
	var hdr [9]byte
	for left > 0 {
		room := min(left, 16<<10)
		binary.BigEndian.PutUint32(hdr[:4], uint32(room)<<8)
		if err := f.write(hdr[:]); err != nil {
			return err
		}
		left -= room
		for room > 0 {
			n := min(len(parts[0]), room)
			if err := f.write(parts[0][:n]); err != nil {
				return err
			}
			parts[0], room = parts[0][n:], room-n
			if len(parts[0]) == 0 {
				parts = parts[1:]
			}
		}
	}
	return f.flush()
}

// serveSnapshotSave is the member's side of etcdctl snapshot save.
func serveSnapshotSave(db *bolt.DB, w io.Writer) (int64, error) {
	pr, total, err := snapshotOf(db)
	if err != nil {
		return 0, err
	}
	defer pr.Close()
	fw := &frameWriter{w: w, buf: make([]byte, 0, 32<<10)}
	h := sha256.New()
	var sent int64
	for total-sent > 0 {
		buf := make([]byte, snapshotChunk)
		n, err := io.ReadFull(pr, buf)
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			return sent, err
		}
		if n == 0 {
			return sent, fmt.Errorf("snapshot stream: the db ended at %d of %d bytes", sent, total)
		}
		sent += int64(n)
		if err := fw.message(marshalSnapshotResponse(uint64(total-sent), buf[:n], "3.6.0")); err != nil {
			return sent, err
		}
		h.Write(buf[:n])
	}
	sum := h.Sum(nil)
	if err := fw.message(marshalSnapshotResponse(0, sum, "3.6.0")); err != nil {
		return sent, err
	}
	return sent + int64(len(sum)), nil
}

// receiveSnapshotSave is etcdctl's side: frames to messages to blobs into
// a pipe, copied into the file at out.
func receiveSnapshotSave(r io.Reader, out string) (int64, error) {
	f, err := os.Create(out)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	pr, pw := io.Pipe()
	copied := make(chan error, 1)
	var written int64
	go func() {
		n, err := io.Copy(f, pr)
		written = n
		pr.CloseWithError(err)
		copied <- err
	}()
	br := bufio.NewReaderSize(r, 32<<10)
	for {
		msg, err := readMessage(br)
		if errors.Is(err, io.EOF) {
			break
		}
		var blob []byte
		if err == nil {
			blob, err = unmarshalBlob(msg)
		}
		if err == nil {
			_, err = pw.Write(blob)
		}
		if err != nil {
			pw.CloseWithError(err)
			<-copied
			return written, err
		}
	}
	pw.Close()
	err = <-copied
	return written, err
}

// serveSnapshotSend is the leader's side of a snapshot sent to a
// follower: the db's bytes in HTTP/1.1 chunks, each flushed.
func serveSnapshotSend(db *bolt.DB, w io.Writer) (int64, error) {
	pr, _, err := snapshotOf(db)
	if err != nil {
		return 0, err
	}
	defer pr.Close()
	bw := bufio.NewWriterSize(w, 4<<10)
	buf := make([]byte, snapshotChunk)
	var sent int64
	for {
		n, err := pr.Read(buf)
		if n > 0 {
			bw.WriteString(strconv.FormatInt(int64(n), 16))
			bw.WriteString("\r\n")
			bw.Write(buf[:n])
			bw.WriteString("\r\n")
			if ferr := bw.Flush(); ferr != nil {
				return sent, ferr
			}
			sent += int64(n)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return sent, err
		}
	}
	bw.WriteString("0\r\n\r\n")
	return sent, bw.Flush()
}

// receiveSnapshotSend is the follower's side: the chunks read through a
// 4 KiB buffered reader and copied into the file at out.
func receiveSnapshotSend(r io.Reader, out string) (int64, error) {
	f, err := os.Create(out)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return io.Copy(struct{ io.Writer }{f}, &chunkedReader{r: bufio.NewReaderSize(r, 4<<10)})
}

// chunkedReader decodes HTTP/1.1's chunked encoding, as net/http's
// internal one does: the size line through the buffered reader, the data
// read straight into the caller's buffer.
type chunkedReader struct {
	r    *bufio.Reader
	left int64
	done bool
}

func (c *chunkedReader) Read(p []byte) (int, error) {
	if c.done {
		return 0, io.EOF
	}
	if c.left == 0 {
		line, err := c.r.ReadSlice('\n')
		if errors.Is(err, io.EOF) {
			return 0, io.ErrUnexpectedEOF
		}
		if err != nil {
			return 0, err
		}
		if len(line) < 3 {
			return 0, fmt.Errorf("snapshot send: bad chunk line %q", line)
		}
		n, err := strconv.ParseInt(string(line[:len(line)-2]), 16, 64)
		if err != nil {
			return 0, fmt.Errorf("snapshot send: bad chunk size: %w", err)
		}
		if n == 0 {
			c.done = true
			return 0, io.EOF
		}
		c.left = n
	}
	n, err := c.r.Read(p[:min(int64(len(p)), c.left)])
	c.left -= int64(n)
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	if c.left == 0 && err == nil {
		var crlf [2]byte
		_, err = io.ReadFull(c.r, crlf[:])
	}
	return n, err
}
