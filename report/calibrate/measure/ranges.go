package measure

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	"go.etcd.io/etcd/api/v3/mvccpb"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"
)

// A range over a prefix, as etcd 3.5 and 3.6 answer it (read in
// server/etcdserver/api/v3rpc/key.go, etcdserver/txn/txn.go Range and
// executeRange, storage/mvcc/kvstore_txn.go rangeKeys, index.go Revisions
// and CountRevisions, key_index.go get, storage/backend/read_tx.go
// UnsafeRange and tx_buffer.go, v3rpc/codec.go, and grpc 1.83's proto
// codec and HTTP/2 transport, which the testdata/etcdcost members link),
// rebuilt here
// without the server module or grpc (see cmd/dbinspect's
// TestBinaryDependencies): the mechanism, not its code.
//
// The server: the treeIndex is walked in key order from the range's start
// (AscendGreaterOrEqual), each keyIndex's revision at the current revision
// found (keyIndex.get: findGeneration, walk) and appended to the revisions
// slice; a count-only range stops there (CountRevisions). Then per
// revision: its 17-byte revision key, the concurrent read tx's UnsafeRange
// (the read buffer searched first, empty once writes are committed; the
// bucket looked up under its lock; a new bbolt cursor, Seek, the key and
// value slices appended) and mvccpb.KeyValue.Unmarshal into the []KeyValue
// (the key and value copied). Then the response's []*KeyValue, and gRPC's
// encoding: etcd's own codec calls golang/protobuf's proto.Marshal, which
// for a gogo message is its Marshal method (Size, then
// MarshalToSizedBuffer into a new slice) followed by CheckInitialized, a
// reflective walk of every KeyValue; the transport sends it in 16 KiB
// HTTP/2 DATA frames through a 32 KiB buffered writer.
//
// The client (another goroutine here, another process in real use): the
// frames read from the loopback TCP connection into 16 KiB buffers, joined
// into one buffer (MaterializeToBuffer) and the RangeResponse unmarshalled
// (gogo: each KeyValue's key and value copied) and checked
// (CheckInitialized, as grpc's default codec's proto.Unmarshal does).
//
// What is timed is the wall time from the request to the decoded response,
// as the testdata/etcdcost harness times real ranges, the GC running as in
// etcd (GOGC 100), the median of five kept. Before each range the heap is
// given back to the OS (debug.FreeOSMemory), as the harness does to the
// server and as an idle server's scavenger does over time: the range then
// faults in every page it allocates, server and client, and what a page
// fault costs is the machine's. On the reference VM it moved by 4x within a
// day (testdata/etcdcost/README.md, 2026-12-05): real ranges and this
// measurement moved together.

// rangeResponse is etcdserverpb.RangeResponse's shape (header, kvs, more,
// count: gogo's generated code), which the CLI may not import.
type rangeResponse struct {
	header rangeHeader
	kvs    []*mvccpb.KeyValue
	more   bool
	count  int64
}

type rangeHeader struct {
	clusterID, memberID uint64
	revision, raftTerm  int64
}

func (h *rangeHeader) size() int {
	n := 0
	for _, v := range []uint64{h.clusterID, h.memberID, uint64(h.revision), uint64(h.raftTerm)} {
		if v != 0 {
			n += 1 + protowire.SizeVarint(v)
		}
	}
	return n
}

func (r *rangeResponse) size() int {
	h := r.header.size()
	n := 1 + protowire.SizeVarint(uint64(h)) + h
	for _, kv := range r.kvs {
		l := kv.Size()
		n += 1 + l + protowire.SizeVarint(uint64(l))
	}
	if r.more {
		n += 2
	}
	if r.count != 0 {
		n += 1 + protowire.SizeVarint(uint64(r.count))
	}
	return n
}

// putVarintBack writes v so that it ends at dst[i] and returns where it
// starts, as gogo's encodeVarint.
func putVarintBack(dst []byte, i int, v uint64) int {
	i -= protowire.SizeVarint(v)
	protowire.AppendVarint(dst[i:i], v)
	return i
}

// marshal is gogo's Marshal: Size, then the fields written back to front.
func (r *rangeResponse) marshal() ([]byte, error) {
	dst := make([]byte, r.size())
	i := len(dst)
	if r.count != 0 {
		i = putVarintBack(dst, i, uint64(r.count))
		i--
		dst[i] = 0x20
	}
	if r.more {
		i -= 2
		dst[i], dst[i+1] = 0x18, 1
	}
	for k := len(r.kvs) - 1; k >= 0; k-- {
		n, err := r.kvs[k].MarshalToSizedBuffer(dst[:i])
		if err != nil {
			return nil, err
		}
		i -= n
		i = putVarintBack(dst, i, uint64(n))
		i--
		dst[i] = 0x12
	}
	h := &r.header
	start := i
	for f, v := range []uint64{uint64(h.raftTerm), uint64(h.revision), h.memberID, h.clusterID} {
		if v != 0 {
			i = putVarintBack(dst, i, v)
			i--
			dst[i] = byte(4-f) << 3
		}
	}
	i = putVarintBack(dst, i, uint64(start-i))
	i--
	dst[i] = 0xa
	if i != 0 {
		return nil, fmt.Errorf("range response marshalled to %d bytes of %d", len(dst)-i, len(dst))
	}
	return dst, nil
}

// unmarshal is gogo's Unmarshal of a RangeResponse: a KeyValue allocated
// and unmarshalled (its key and value copied) for each kvs field.
func (r *rangeResponse) unmarshal(b []byte) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		switch {
		case num == 2 && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return protowire.ParseError(n)
			}
			kv := &mvccpb.KeyValue{}
			if err := kv.Unmarshal(v); err != nil {
				return err
			}
			r.kvs = append(r.kvs, kv)
			b = b[n:]
		case num == 1 && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return protowire.ParseError(n)
			}
			for len(v) > 0 {
				hn, _, tn := protowire.ConsumeTag(v)
				if tn < 0 {
					return protowire.ParseError(tn)
				}
				x, xn := protowire.ConsumeVarint(v[tn:])
				if xn < 0 {
					return protowire.ParseError(xn)
				}
				switch hn {
				case 1:
					r.header.clusterID = x
				case 2:
					r.header.memberID = x
				case 3:
					r.header.revision = int64(x)
				case 4:
					r.header.raftTerm = int64(x)
				}
				v = v[tn+xn:]
			}
			b = b[n:]
		default:
			n := protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return protowire.ParseError(n)
			}
			switch num {
			case 3:
				r.more = b[0] != 0
			case 4:
				x, _ := protowire.ConsumeVarint(b)
				r.count = int64(x)
			}
			b = b[n:]
		}
	}
	return nil
}

// rangeKeyIndex.get is keyIndex.get at atRev: findGeneration (each
// generation copied as it is inspected) and generation.walk with its
// closure.
func (ki *etcdKeyIndex) get(atRev int64) (etcdRevision, bool) {
	lastg := len(ki.generations) - 1
	var g *etcdGeneration
	for cg := lastg; cg >= 0; cg-- {
		if len(ki.generations[cg].revs) == 0 {
			continue
		}
		gc := ki.generations[cg]
		if cg != lastg && gc.revs[len(gc.revs)-1].main <= atRev {
			return etcdRevision{}, false
		}
		if gc.revs[0].main <= atRev {
			g = &ki.generations[cg]
			break
		}
	}
	if g == nil {
		return etcdRevision{}, false
	}
	n := g.walk(func(rev etcdRevision) bool { return rev.main > atRev })
	if n < 0 {
		return etcdRevision{}, false
	}
	return g.revs[n], true
}

func (g *etcdGeneration) walk(f func(rev etcdRevision) bool) int {
	l := len(g.revs)
	for i := range g.revs {
		if !f(g.revs[l-i-1]) {
			return l - i - 1
		}
	}
	return -1
}

// ascendRange calls fn for each item from the first not less than from,
// in order, until fn returns false (google/btree's AscendGreaterOrEqual).
func (t *btree[T]) ascendRange(from T, fn func(T) bool) {
	t.root.ascendFrom(from, t.less, fn)
}

func (n *node[T]) ascendFrom(from T, less func(a, b T) bool, fn func(T) bool) bool {
	if n == nil {
		return true
	}
	i := sort.Search(len(n.items), func(i int) bool { return !less(n.items[i], from) })
	for ; i <= len(n.items); i++ {
		if len(n.children) > 0 && !n.children[i].ascendFrom(from, less, fn) {
			return false
		}
		if i < len(n.items) && !fn(n.items[i]) {
			return false
		}
	}
	return true
}

// rangeStore is the member a measured range reads: its treeIndex and its
// backend's key bucket, read through a concurrent read tx as etcd 3.5+
// serves ranges.
type rangeStore struct {
	tree    *btree[*etcdKeyIndex]
	db      *bolt.DB
	tx      *bolt.Tx
	rev     int64
	bufMu   sync.RWMutex // baseReadTx.mu
	txMu    sync.RWMutex
	buf     map[uint8][]applyKV // the read buffer (txReadBuffer): empty, the writes committed
	buckets map[uint8]*bolt.Bucket
}

// rangeSpec is one resource written to the range store: keys keys of vlen
// bytes over namespaces namespaces, named as testdata/etcdcost names them.
type rangeSpec struct {
	resource   string
	keys       int
	vlen       int
	namespaces int
}

func (s rangeSpec) prefix() string { return "/registry/" + s.resource + "/" }

// newRangeStore writes specs into a bbolt db at path, 100 puts a revision
// (a txn of 100 puts, as the harness writes), and builds their treeIndex.
func newRangeStore(path string, specs []rangeSpec) (*rangeStore, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if err != nil {
		return nil, err
	}
	s := &rangeStore{db: db, buf: map[uint8][]applyKV{}, buckets: map[uint8]*bolt.Bucket{}}
	s.tree = newBtree(func(a, b *etcdKeyIndex) bool { return bytes.Compare(a.key, b.key) < 0 })
	r := rand.New(rand.NewSource(4))
	rev := int64(1)
	for _, sp := range specs {
		val := make([]byte, sp.vlen)
		for lo := 0; lo < sp.keys; lo += 10000 {
			err := db.Update(func(tx *bolt.Tx) error {
				b, err := tx.CreateBucketIfNotExists(applyKeyBucket)
				if err != nil {
					return err
				}
				b.FillPercent = 0.9
				for i := lo; i < min(lo+10000, sp.keys); i++ {
					if i%100 == 0 {
						rev++
					}
					sub := int64(i % 100)
					key := fmt.Appendf(nil, "/registry/%s/ns-%02d/obj-%07d", sp.resource, i%sp.namespaces, i)
					r.Read(val)
					kv := mvccpb.KeyValue{Key: key, Value: val, CreateRevision: rev, ModRevision: rev, Version: 1}
					d, err := kv.Marshal()
					if err != nil {
						return err
					}
					if err := b.Put(revisionKey(nil, etcdRevision{rev, sub}), d); err != nil {
						return err
					}
					s.tree.ReplaceOrInsert(newPutKeyIndex(key, etcdRevision{rev, sub}))
				}
				return nil
			})
			if err != nil {
				db.Close()
				return nil, err
			}
		}
	}
	s.rev = rev
	if s.tx, err = db.Begin(false); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// newPutKeyIndex is the keyIndex of a key put once, at rev.
func newPutKeyIndex(key []byte, rev etcdRevision) *etcdKeyIndex {
	ki := &etcdKeyIndex{key: key, modified: rev}
	ki.generations = append(ki.generations, etcdGeneration{ver: 1, created: rev, revs: []etcdRevision{rev}})
	return ki
}

// newBareIndex is a treeIndex alone (no bbolt) of sp's keys, named as
// newRangeStore names them, created in a shuffled order: a walk in key
// order then jumps in memory at every key, with no stride a prefetcher
// could follow. That is what real etcd's walk meets: its keyIndexes,
// allocated among the write path's garbage and into slots the GC freed,
// lie in memory in no relation to key order. A walk over keyIndexes laid
// out in key order costs 30-40% less a key here, and real etcd's
// count-only ranges cost more than either (testdata/etcdcost probe).
func newBareIndex(sp rangeSpec) *rangeStore {
	s := &rangeStore{tree: newBtree(func(a, b *etcdKeyIndex) bool { return bytes.Compare(a.key, b.key) < 0 })}
	rev := int64(1)
	for n, i := range rand.New(rand.NewSource(5)).Perm(sp.keys) {
		if n%100 == 0 {
			rev++
		}
		key := fmt.Appendf(nil, "/registry/%s/ns-%02d/obj-%07d", sp.resource, i%sp.namespaces, i)
		s.tree.ReplaceOrInsert(newPutKeyIndex(key, etcdRevision{rev, int64(n % 100)}))
	}
	s.rev = rev
	return s
}

func (s *rangeStore) close() error {
	s.tx.Rollback()
	return s.db.Close()
}

// revisionKey is etcd's RevToBytes: 8 bytes of main, '_', 8 of sub.
func revisionKey(b []byte, rev etcdRevision) []byte {
	b = append(b[:0], make([]byte, 17)...)
	binary.BigEndian.PutUint64(b, uint64(rev.main))
	b[8] = '_'
	binary.BigEndian.PutUint64(b[9:], uint64(rev.sub))
	return b
}

// revisions is treeIndex.Revisions (countOnly: CountRevisions) over
// [key, end) at s.rev.
func (s *rangeStore) revisions(key, end []byte, countOnly bool) (revs []etcdRevision, total int) {
	from, endi := &etcdKeyIndex{key: key}, &etcdKeyIndex{key: end}
	s.tree.ascendRange(from, func(ki *etcdKeyIndex) bool {
		if bytes.Compare(ki.key, endi.key) >= 0 {
			return false
		}
		if rev, ok := ki.get(s.rev); ok {
			if !countOnly {
				revs = append(revs, rev)
			}
			total++
		}
		return true
	})
	return revs, total
}

// unsafeRange is baseReadTx.UnsafeRange of one revision key.
func (s *rangeStore) unsafeRange(key []byte) (keys, vals [][]byte) {
	const bucketID = 1
	// txReadBuffer.Range: nothing buffered for the key bucket.
	if bb := s.buf[bucketID]; len(bb) > 0 {
		i := sort.Search(len(bb), func(i int) bool { return bytes.Compare(bb[i].key, key) >= 0 })
		if i < len(bb) && bytes.Equal(bb[i].key, key) {
			return [][]byte{bb[i].key}, [][]byte{bb[i].val}
		}
	}
	s.txMu.RLock()
	bucket, ok := s.buckets[bucketID]
	s.txMu.RUnlock()
	if !ok {
		s.txMu.Lock()
		bucket = s.tx.Bucket(applyKeyBucket)
		s.buckets[bucketID] = bucket
	} else {
		s.txMu.Lock()
	}
	c := bucket.Cursor()
	s.txMu.Unlock()
	var k2, v2 [][]byte
	for ck, cv := c.Seek(key); ck != nil && bytes.Equal(ck, key); ck, cv = c.Next() {
		v2 = append(v2, cv)
		k2 = append(k2, ck)
		break
	}
	return append(k2, keys...), append(v2, vals...)
}

// serve answers a range over [key, end) as etcd's server does and writes
// the response to w in HTTP/2 DATA frames; it returns the response's size
// and its key count.
func (s *rangeStore) serve(w io.Writer, key, end []byte) (int, int, error) {
	s.bufMu.RLock() // ConcurrentReadTx: the read buffer copied under its lock
	buf := map[uint8][]applyKV{}
	for id, b := range s.buf {
		buf[id] = append([]applyKV(nil), b...)
	}
	s.bufMu.RUnlock()
	revs, total := s.revisions(key, end, false)
	kvs := make([]mvccpb.KeyValue, len(revs))
	revBytes := make([]byte, 17, 18)
	for i, rev := range revs {
		revBytes = revisionKey(revBytes, rev)
		_, vs := s.unsafeRange(revBytes)
		if len(vs) != 1 {
			return 0, 0, fmt.Errorf("range: revision %d_%d not in the key bucket", rev.main, rev.sub)
		}
		if err := kvs[i].Unmarshal(vs[0]); err != nil {
			return 0, 0, err
		}
	}
	runtime.KeepAlive(buf)
	resp := &rangeResponse{header: rangeHeader{clusterID: 0x1234567890abcdef, memberID: 0xfedcba0987654321, revision: s.rev, raftTerm: 2}, count: int64(total)}
	resp.kvs = make([]*mvccpb.KeyValue, len(kvs))
	for i := range kvs {
		resp.kvs[i] = &kvs[i]
	}
	// etcd's codec (v3rpc/codec.go, grpc.CustomCodec): golang/protobuf's
	// proto.Marshal, which for a gogo message is its Marshal method, then
	// the required-fields check, by reflection over every KeyValue.
	pooled, err := resp.marshal()
	if err != nil {
		return 0, 0, err
	}
	if err := resp.checkInitialized(); err != nil {
		return 0, 0, err
	}
	// The transport: a 5-byte gRPC message header, then DATA frames of at
	// most 16 KiB, each with its 9-byte frame header, through a 32 KiB
	// buffered writer.
	bw := bufio.NewWriterSize(w, 32<<10)
	var hdr [9]byte
	grpcHdr := make([]byte, 5)
	binary.BigEndian.PutUint32(grpcHdr[1:], uint32(len(pooled)))
	payload := [][]byte{grpcHdr, pooled}
	for _, p := range payload {
		for len(p) > 0 {
			n := min(len(p), 16<<10)
			binary.BigEndian.PutUint32(hdr[:4], uint32(n)<<8)
			if _, err := bw.Write(hdr[:]); err != nil {
				return 0, 0, err
			}
			if _, err := bw.Write(p[:n]); err != nil {
				return 0, 0, err
			}
			p = p[n:]
		}
	}
	return len(pooled), len(kvs), bw.Flush()
}

// receive is the client's side: frames read into 16 KiB buffers, joined
// into one, the response unmarshalled.
func receive(r io.Reader) (*rangeResponse, error) {
	msg, err := readMessage(bufio.NewReaderSize(r, 32<<10))
	if err != nil {
		return nil, err
	}
	// clientv3 decodes with grpc's proto codec: proto.Unmarshal, the gogo
	// Unmarshal method, then the required-fields check.
	resp := &rangeResponse{}
	if err := resp.unmarshal(msg); err != nil {
		return nil, err
	}
	return resp, resp.checkInitialized()
}

// readMessage is grpc's client reading one message: HTTP/2 DATA frames,
// each into a buffer of its own, until the message's 5-byte prefix and
// length are in, then joined into one buffer (MaterializeToBuffer). It
// returns the message after its prefix, or io.EOF when the stream ends
// before a frame.
func readMessage(br *bufio.Reader) ([]byte, error) {
	var hdr [9]byte
	var chunks [][]byte
	total, want := 0, -1
	for want < 0 || total < want+5 {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			if errors.Is(err, io.EOF) && total > 0 {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		n := int(binary.BigEndian.Uint32(hdr[:4]) >> 8)
		c := make([]byte, n)
		if _, err := io.ReadFull(br, c); err != nil {
			return nil, err
		}
		chunks = append(chunks, c)
		total += n
		if want < 0 && total >= 5 {
			first := chunks[0]
			want = int(binary.BigEndian.Uint32(first[1:5]))
		}
	}
	whole := make([]byte, 0, total)
	for _, c := range chunks {
		whole = append(whole, c...)
	}
	return whole[5:], nil
}

// checkInitialized is google.golang.org/protobuf's CheckInitialized of a
// RangeResponse: etcd's messages have no fast-path method for it, so the
// slow path ranges over the message's fields by reflection and checks each
// KeyValue of the list the same way.
func (r *rangeResponse) checkInitialized() error {
	for _, kv := range r.kvs {
		if err := proto.CheckInitialized(protoadapt.MessageV2Of(kv)); err != nil {
			return err
		}
	}
	return nil
}

// rangeConn is a loopback TCP connection: the server's end and the
// client's.
type rangeConn struct{ server, client net.Conn }

func dialLoopback() (rangeConn, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return rangeConn{}, err
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	errc := make(chan error, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			errc <- err
			return
		}
		accepted <- c
	}()
	cl, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		return rangeConn{}, err
	}
	select {
	case sv := <-accepted:
		return rangeConn{server: sv, client: cl}, nil
	case err := <-errc:
		cl.Close()
		return rangeConn{}, err
	}
}

func (c rangeConn) close() {
	c.server.Close()
	c.client.Close()
}

// timeRange serves one range over prefix through conn and returns the wall
// time from the request to the decoded response, the response's size and
// its keys. The heap is given back to the OS first (a GC, then the free
// pages released).
func (s *rangeStore) timeRange(conn rangeConn, prefix string) (secs float64, respBytes, keys int, err error) {
	key := []byte(prefix)
	end := append([]byte(prefix[:len(prefix)-1]), prefix[len(prefix)-1]+1)
	debug.FreeOSMemory()
	done := make(chan error, 1)
	var got *rangeResponse
	t0 := time.Now()
	go func() {
		var rerr error
		got, rerr = receive(conn.client)
		done <- rerr
	}()
	respBytes, keys, err = s.serve(conn.server, key, end)
	rerr := <-done
	secs = time.Since(t0).Seconds()
	if err == nil {
		err = rerr
	}
	if err == nil && (len(got.kvs) != keys || got.count != int64(keys)) {
		err = fmt.Errorf("range %s: the client decoded %d keys (count %d), the server sent %d", prefix, len(got.kvs), got.count, keys)
	}
	return secs, respBytes, keys, err
}

// walkIdle is how long the process sits idle, its heap collected and
// given back, before a count-only walk is timed: as the
// testdata/etcdcost harness leaves a real member before each range. A
// walk that follows another finds the index in the CPU caches and costs
// half as much a key; the model prices a range to an idle server.
const walkIdle = 100 * time.Millisecond

// timeCount times a count-only range over prefix (the walk alone) after
// walkIdle and returns seconds and keys counted.
func (s *rangeStore) timeCount(prefix string) (float64, int) {
	key := []byte(prefix)
	end := append([]byte(prefix[:len(prefix)-1]), prefix[len(prefix)-1]+1)
	debug.FreeOSMemory()
	time.Sleep(walkIdle)
	var total int
	secs := timeWall(func() { _, total = s.revisions(key, end, true) })
	return secs, total
}

// rangeFit is what measureRanges found.
type rangeFit struct {
	walk, perKey, perByte float64
	// walk and walkLarge are the count-only walk per key in bare indexes
	// of smallKeys (the store's size) and largeKeys keys.
	walkLarge, smallKeys, largeKeys float64
	// interfaceFactor is the large walk over interface items (etcd 3.4
	// and 3.5's treeIndex) over the walk over pointers (3.6's), in [1, 3].
	interfaceFactor float64
	// shapes are the full ranges timed: keys, response bytes and the
	// fastest wall time of each.
	shapes []rangeTiming
}

type rangeTiming struct {
	prefix string
	keys   int
	bytes  int
	secs   float64
}

// rangeRounds is how many times each range is timed.
const rangeRounds = 5

// errNoLoopback is measureRanges' error when no loopback TCP connection
// can be made: the range coefficients keep their reference values.
var errNoLoopback = errors.New("no loopback TCP connection")

// measureRanges writes two resources into a scratch range store, keys
// small values (300 B, as Kubernetes events) and keys/20 large ones
// (8 KiB, as configmaps), times full ranges over both (the median of
// rangeRounds each) and count-only walks in bare indexes of the store's
// size and largeWalkFactor times its events, and solves the per-key and
// per-byte costs of a full range from the two, the walk taken out.
func measureRanges(dir string, keys int) (rangeFit, float64, error) {
	start := time.Now()
	specs := []rangeSpec{{"events", keys, 300, 50}, {"configmaps", max(keys/20, 100), 8192, 10}}
	path := filepath.Join(dir, "ranges.db")
	defer os.Remove(path)
	s, err := newRangeStore(path, specs)
	if err != nil {
		return rangeFit{}, 0, err
	}
	defer s.close()
	conn, err := dialLoopback()
	if err != nil {
		return rangeFit{}, time.Since(start).Seconds(), fmt.Errorf("%w: %v", errNoLoopback, err)
	}
	defer conn.close()
	// Rounds of the two full ranges in turn, the median of each kept: a
	// neighbour's burst or a change of clock speed lands on one round, and
	// on the shapes of a round alike.
	var fit rangeFit
	times := make([][]float64, len(specs))
	fit.shapes = make([]rangeTiming, len(specs))
	for range rangeRounds {
		for i, sp := range specs {
			secs, b, n, err := s.timeRange(conn, sp.prefix())
			if err != nil {
				return rangeFit{}, 0, err
			}
			if n != sp.keys {
				return rangeFit{}, 0, fmt.Errorf("range %s returned %d keys of %d", sp.prefix(), n, sp.keys)
			}
			times[i] = append(times[i], secs)
			fit.shapes[i] = rangeTiming{prefix: sp.prefix(), keys: n, bytes: b}
		}
	}
	// The walk per key, in bare indexes as large as the store's and
	// largeWalkFactor times its events.
	for _, sp := range specs {
		fit.smallKeys += float64(sp.keys)
	}
	small := rangeSpec{"events", int(fit.smallKeys), 300, 50}
	large := rangeSpec{"events", keys * largeWalkFactor, 300, 50}
	fit.largeKeys = float64(large.keys)
	fit.walk = timeBareWalk(small)
	fit.walkLarge, fit.interfaceFactor = timeLargeWalks(large)
	for i := range fit.shapes {
		fit.shapes[i].secs = median(times[i])
	}
	a, b := fit.shapes[0], fit.shapes[1]
	fit.perKey, fit.perByte = fitTwo(float64(a.keys), float64(a.bytes), a.secs-float64(a.keys)*fit.walk,
		float64(b.keys), float64(b.bytes), b.secs-float64(b.keys)*fit.walk)
	return fit, time.Since(start).Seconds(), nil
}

// largeWalkFactor is how much larger than the range store's index the
// second walk's index is: with 100,000 keys, 600,000, the size of the
// largest prefix testdata/etcdcost checks against real etcd.
const largeWalkFactor = 6

// timeBareWalk builds a bare index of sp and times a count-only walk over
// all of it, median of rangeRounds, per key.
func timeBareWalk(sp rangeSpec) float64 {
	s := newBareIndex(sp)
	walks := make([]float64, 0, rangeRounds)
	for range rangeRounds {
		secs, counted := s.timeCount(sp.prefix())
		walks = append(walks, secs/float64(max(counted, 1)))
	}
	return max(median(walks), 1e-10)
}

// indexItem is google/btree v1.0.1's Item, which etcd 3.4 and 3.5's
// treeIndex stores its *keyIndex as: the tree holds interfaces (16 bytes
// an item, where 3.6's generic BTreeG holds 8-byte pointers) and compares
// through a method call on them.
type indexItem interface{ Less(than indexItem) bool }

func (ki *etcdKeyIndex) Less(than indexItem) bool {
	return bytes.Compare(ki.key, than.(*etcdKeyIndex).key) < 0
}

// timeLargeWalks times the count-only walk per key in a bare index of sp
// (3.6's treeIndex) and in the same keyIndexes held as indexItems (3.4
// and 3.5's), the two in alternate rounds so that the machine's drift
// lands on both alike; it returns the first's median and the ratio of the
// medians.
func timeLargeWalks(sp rangeSpec) (walk, interfaceFactor float64) {
	bare := newBareIndex(sp)
	iface := newBtree(func(a, b indexItem) bool { return a.Less(b) })
	bare.tree.ascendRange(&etcdKeyIndex{}, func(ki *etcdKeyIndex) bool {
		iface.ReplaceOrInsert(ki)
		return true
	})
	from := &etcdKeyIndex{key: []byte(sp.prefix())}
	end := &etcdKeyIndex{key: append([]byte(sp.prefix()[:len(sp.prefix())-1]), sp.prefix()[len(sp.prefix())-1]+1)}
	walks := make([]float64, 0, rangeRounds)
	ifaceWalks := make([]float64, 0, rangeRounds)
	for range rangeRounds {
		secs, counted := bare.timeCount(sp.prefix())
		walks = append(walks, secs/float64(max(counted, 1)))
		debug.FreeOSMemory()
		time.Sleep(walkIdle)
		total := 0
		secs = timeWall(func() {
			// treeIndex.visit in 3.5: item.Less(end), then the assertion.
			iface.ascendRange(indexItem(from), func(it indexItem) bool {
				if !it.Less(end) {
					return false
				}
				if _, ok := it.(*etcdKeyIndex).get(bare.rev); ok {
					total++
				}
				return true
			})
		})
		ifaceWalks = append(ifaceWalks, secs/float64(max(total, 1)))
	}
	walk = max(median(walks), 1e-10)
	return walk, min(max(median(ifaceWalks)/walk, 1), 3)
}
