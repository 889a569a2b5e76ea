package measure

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestSnapshotStreamsDeliverTheDb checks that both rebuilt streams carry
// the whole db: the save's file is the db as bbolt's WriteTo writes it
// followed by its SHA-256 (the file etcdctl snapshot save leaves), the
// follower's file the db alone.
func TestSnapshotStreamsDeliverTheDb(t *testing.T) {
	dir := t.TempDir()
	db, err := writeStreamDB(filepath.Join(dir, "s.db"), 3<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var want bytes.Buffer
	tx, err := db.Begin(false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.WriteTo(&want); err != nil {
		t.Fatal(err)
	}
	tx.Rollback()
	if want.Len() < 3<<20 {
		t.Fatalf("scratch db of %d bytes, want at least 3 MiB", want.Len())
	}
	sum := sha256.Sum256(want.Bytes())
	for _, tc := range []struct {
		name   string
		server func(*bolt.DB, io.Writer) (int64, error)
		client func(io.Reader, string) (int64, error)
		want   []byte
	}{
		{"save", serveSnapshotSave, receiveSnapshotSave, append(bytes.Clone(want.Bytes()), sum[:]...)},
		{"send", serveSnapshotSend, receiveSnapshotSend, want.Bytes()},
	} {
		conn, err := dialLoopback()
		if err != nil {
			t.Skipf("no loopback: %v", err)
		}
		out := filepath.Join(dir, tc.name+".out")
		secs, n, err := timeStream(db, conn, out, tc.server, tc.client)
		conn.close()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, tc.want) || n != int64(len(tc.want)) || !(secs > 0) {
			t.Errorf("%s: the client wrote %d bytes (server sent %d) in %v s, want the %d of the db's stream", tc.name, len(got), n, secs, len(tc.want))
		}
	}
}

// TestFrameWriterSplitsMessages checks the HTTP/2 framing of one message:
// frames of at most 16 KiB carrying the 5-byte prefix and the message.
func TestFrameWriterSplitsMessages(t *testing.T) {
	for _, size := range []int{0, 1, 16<<10 - 5, 16 << 10, 32<<10 + 40, 100 << 10} {
		msg := bytes.Repeat([]byte{0xab}, size)
		var out bytes.Buffer
		fw := &frameWriter{w: &out, buf: make([]byte, 0, 32<<10)}
		if err := fw.message(msg); err != nil {
			t.Fatal(err)
		}
		b := out.Bytes()
		var payload []byte
		frames := 0
		for len(b) > 0 {
			if len(b) < 9 {
				t.Fatalf("size %d: %d bytes left, no frame header", size, len(b))
			}
			n := int(b[0])<<16 | int(b[1])<<8 | int(b[2])
			if n > 16<<10 || n == 0 || len(b) < 9+n {
				t.Fatalf("size %d: frame of %d bytes, %d left", size, n, len(b)-9)
			}
			payload = append(payload, b[9:9+n]...)
			b = b[9+n:]
			frames++
		}
		if wantFrames := (size + 5 + 16<<10 - 1) / (16 << 10); frames != wantFrames {
			t.Errorf("size %d: %d frames, want %d", size, frames, wantFrames)
		}
		if len(payload) != size+5 || !bytes.Equal(payload[5:], msg) || int(payload[1])<<24|int(payload[2])<<16|int(payload[3])<<8|int(payload[4]) != size {
			t.Errorf("size %d: payload of %d bytes does not carry the message after its prefix", size, len(payload))
		}
	}
}

// TestSnapshotResponseRoundTrip checks the marshalled SnapshotResponse's
// blob against the client's unmarshal, and damaged messages against an
// error.
func TestSnapshotResponseRoundTrip(t *testing.T) {
	for _, blob := range [][]byte{nil, {1}, bytes.Repeat([]byte{7}, 32<<10)} {
		m := marshalSnapshotResponse(12345, blob, "3.6.0")
		got, err := unmarshalBlob(m)
		if err != nil || !bytes.Equal(got, blob) {
			t.Errorf("blob of %d bytes: got %d bytes, %v", len(blob), len(got), err)
		}
		if len(blob) > 0 {
			if _, err := unmarshalBlob(m[:len(m)-len(blob)/2-8]); err == nil {
				t.Errorf("blob of %d bytes: a cut message unmarshalled", len(blob))
			}
		}
	}
}

// TestChunkedReader checks the chunked decoding and its errors.
func TestChunkedReader(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", "abcde", ""},
		{"0\r\n\r\n", "", ""},
		{"zz\r\nabc\r\n", "", "bad chunk size"},
		{"\n", "", "bad chunk line"},
		{"5\r\nab", "ab", "EOF"},
	} {
		got, err := io.ReadAll(&chunkedReader{r: bufio.NewReader(strings.NewReader(tc.in))})
		if string(got) != tc.want || (tc.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%q: %q, %v; want %q, %q", tc.in, got, err, tc.want, tc.err)
		}
	}
}

// TestMeasureSnapshotStreams checks the measurement's outputs.
func TestMeasureSnapshotStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("times streams")
	}
	fit, secs, err := measureSnapshotStreams(t.TempDir(), 8<<20)
	if err != nil {
		t.Fatal(err)
	}
	if !(fit.save > 0) || !(fit.send > 0) || fit.dbBytes < 8<<20 || !(secs > 0) {
		t.Fatalf("fit %+v in %v s", fit, secs)
	}
	t.Logf("db of %d bytes: save %.2f ns/byte (%.0f Mbit/s), send %.2f ns/byte (%.0f Mbit/s)", fit.dbBytes, fit.save*1e9, 8/fit.save/1e6, fit.send*1e9, 8/fit.send/1e6)
}
