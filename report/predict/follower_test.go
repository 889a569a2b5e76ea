package predict

import (
	"math"
	"testing"

	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/report/calibrate"
)

func TestFollowerSnapshot(t *testing.T) {
	b := StartupBreakdown{Fixed: 0.5, Populate: 1, FreelistRebuild: 2, LeaseRecovery: 0.25, IndexRestore: 4, LeaseAttach: 0.25}
	in := Inputs{PageSize: 4096, Revisions: 1000, KeyBytes: 40000, ValueBytes: 960000}
	cases := []struct {
		name        string
		version     string
		f           FollowerInputs
		nets        []float64
		window      [2]int64
		rate        float64
		growthPages float64 // pages the save pins
	}{
		{"3.6 default rate", "3.6", FollowerInputs{KeyBucketDepth: 2}, []float64{1000, 10000}, [2]int64{mvcc.RaftCatchUpEntries, mvcc.RaftLogEntries36}, DefaultWriteRate, 2 + 3},
		{"3.5 with a network and rate", "3.5", FollowerInputs{WriteRate: 5, WriteRateSource: "--write-rate", NetworkMbps: 100, KeyBucketDepth: 1},
			[]float64{100, 1000, 10000}, [2]int64{mvcc.RaftCatchUpEntries, mvcc.RaftSnapshotCount35 + mvcc.RaftCatchUpEntries}, 5, 1 + 3},
		// A network faster than either stream: the save is the stream's.
		{"3.6 on a fast network", "3.6", FollowerInputs{NetworkMbps: 100000, KeyBucketDepth: 2, KeyBucketBytesPerPair: 4100}, []float64{100000, 1000, 10000}, [2]int64{mvcc.RaftCatchUpEntries, mvcc.RaftLogEntries36}, DefaultWriteRate, 2 + 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := Prediction{Version: tc.version, DbSizeBytes: 1 << 30, StartupBreakdown: b}
			f := Follower(in, p, tc.f)
			if f.ApplySeconds != 7.5 {
				t.Errorf("apply %v s, want the startup breakdown less its fixed start (7.5 s)", f.ApplySeconds)
			}
			if f.MinWindowEntries != tc.window[0] || f.MaxWindowEntries != tc.window[1] || f.WriteRate != tc.rate || f.WriteRateSource == "" {
				t.Errorf("window %d..%d rate %v (%q), want %v and %v", f.MinWindowEntries, f.MaxWindowEntries, f.WriteRate, f.WriteRateSource, tc.window, tc.rate)
			}
			if len(f.Sends) != len(tc.nets) {
				t.Fatalf("sends %+v, want %v", f.Sends, tc.nets)
			}
			// The calibration's streams (Default's, p has none): a send
			// is the network's time or the stream's, whichever is longer.
			sendStream := float64(1<<30) * calibrate.Default.SnapshotSendSecondsPerByte
			saveStream := float64(1<<30) * calibrate.Default.SnapshotSaveSecondsPerByte
			if f.SendStreamSeconds != sendStream || f.SaveStreamSeconds != saveStream {
				t.Errorf("streams %v s and %v s, want %v and %v", f.SendStreamSeconds, f.SaveStreamSeconds, sendStream, saveStream)
			}
			for i, s := range f.Sends {
				send, limit := float64(1<<30)*8/(tc.nets[i]*1e6), LimitNetwork
				if sendStream > send {
					send, limit = sendStream, LimitStream
				}
				if s.NetworkMbps != tc.nets[i] || math.Abs(s.SendSeconds-send) > 1e-9 || s.LimitedBy != limit || math.Abs(s.TotalSeconds-send-7.5) > 1e-9 || s.EntriesWritten != int64(tc.rate*(send+7.5)) {
					t.Errorf("send %d = %+v, want %v Mbit/s in %.3f s (%s)", i, s, tc.nets[i], send, limit)
				}
			}
			save, limit := float64(1<<30)*8/(tc.nets[0]*1e6), LimitNetwork
			if saveStream > save {
				save, limit = saveStream, LimitStream
			}
			// The writes' own bytes (the key bucket's bytes a pair when
			// given, else a revision's key and value bytes) and the pages
			// the save pins, once.
			perRev := 1000.0
			if tc.f.KeyBucketBytesPerPair > 0 {
				perRev = tc.f.KeyBucketBytesPerPair
			}
			pinned := int64(tc.growthPages * 4096)
			want := save*tc.rate*perRev + float64(pinned)
			if math.Abs(f.SaveSeconds-save) > 1e-9 || f.SaveLimitedBy != limit || math.Abs(float64(f.SaveGrowthBytes)-want) > 1 || f.SavePinnedBytes != pinned {
				t.Errorf("save %v s (%s) grows %d, want %v s (%s) and %.0f", f.SaveSeconds, f.SaveLimitedBy, f.SaveGrowthBytes, save, limit, want)
			}
		})
	}
}
