package measure

import (
	"os"
	"strconv"
	"testing"
)

// The pipeline restores every revision of its scratch db: each key
// inserted once, and every miss after the first 10,000 keys on a full
// cache (keys rewritten in key order after many others all miss).
func TestMeasureRestorePipeline(t *testing.T) {
	const keys = 30000
	res, secs, err := measureRestorePipeline(t.TempDir(), keys, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.reps) != 3 || res.perRev != median(res.reps) {
		t.Errorf("%d restores timed, %v a revision: want 3 and their median", len(res.reps), res.perRev)
	}
	if res.revs != 2*keys || res.creates != keys {
		t.Errorf("%+v: want %d revisions, %d inserts", res, 2*keys, keys)
	}
	// The cache fills at 10,000 keys: misses from the 10,001st key on
	// are on a full cache; nearly every rewrite misses (the rewrites
	// start 20,000 keys later; evictions are random, so a few early keys
	// are still cached).
	if res.fullMisses < 2*keys-10000-keys/5 || res.fullMisses > 2*keys-10000 {
		t.Errorf("%d misses on a full cache, want about %d", res.fullMisses, 2*keys-10000)
	}
	if !(res.perRev > 0) || !(res.bytesPerRev > 150) || !(secs > 0) {
		t.Errorf("%+v in %v s", res, secs)
	}
	t.Logf("%.0f ns a revision end to end, %.0f bytes a revision", res.perRev*1e9, res.bytesPerRev)
}

// BenchmarkRestorePipeline is calibrate's end-to-end restore of 500,000
// keys created and rewritten in key order, for a CPU profile to set beside
// one of a real etcd start (go test -run '^$' -bench RestorePipeline
// -benchtime 3x -cpuprofile cpu.out; ns/op is one restore of 1M revisions).
func BenchmarkRestorePipeline(b *testing.B) {
	pb, err := newPipelineBench(b.TempDir(), 500000)
	if err != nil {
		b.Fatal(err)
	}
	defer pb.close()
	b.ResetTimer()
	for range b.N {
		if err := pb.rep(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	res, err := pb.result()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(res.perRev*1e9, "ns/revision")
}

// The hit pipeline's restore: each key inserted once, every later revision
// a key-cache hit, so no miss on a full cache.
func TestMeasureRestorePipelineHits(t *testing.T) {
	const keys, rounds = 2000, 20
	pb, err := newHitPipelineBench(t.TempDir(), keys, rounds, pipelineValueLen)
	if err != nil {
		t.Fatal(err)
	}
	defer pb.close()
	for range 2 {
		if err := pb.rep(); err != nil {
			t.Fatal(err)
		}
	}
	res, err := pb.result()
	if err != nil {
		t.Fatal(err)
	}
	if res.revs != keys*rounds || res.creates != keys || res.fullMisses != 0 {
		t.Errorf("%+v: want %d revisions, %d inserts, no miss on a full cache", res, keys*rounds, keys)
	}
	t.Logf("%.0f ns a revision end to end, %.0f bytes a revision", res.perRev*1e9, res.bytesPerRev)
}

// BenchmarkRestorePipelineHits is calibrate's end-to-end restore of 5,000
// keys rewritten in random order, every rewrite a key-cache hit (ns/op is
// one restore of 400,000 revisions).
func BenchmarkRestorePipelineHits(b *testing.B) {
	valueLen := pipelineValueLen
	if v, err := strconv.Atoi(os.Getenv("PIPELINE_VALUE_LEN")); err == nil {
		valueLen = v
	}
	pb, err := newHitPipelineBench(b.TempDir(), 5000, 80, valueLen)
	if err != nil {
		b.Fatal(err)
	}
	defer pb.close()
	b.ResetTimer()
	for range b.N {
		if err := pb.rep(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	res, err := pb.result()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(res.perRev*1e9, "ns/revision")
}

// etcd 3.7's decode costs more than 3.6's (protobuf-go into a new message
// against gogo into a kept one): the measured extra is positive.
func TestMeasureDecode37(t *testing.T) {
	extra, secs := measureDecode37(50000)
	if !(extra > 0) || !(secs > 0) {
		t.Errorf("extra %v s a revision in %v s", extra, secs)
	}
	t.Logf("etcd 3.7's decode: %.0f ns a revision more than 3.6's", extra*1e9)
}
