package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/dbinspect/dbinspect/internal/fixtures"
	"github.com/dbinspect/dbinspect/mvcc"
	"github.com/dbinspect/dbinspect/wal"
)

// TestCostsInEveryFormat checks that the text (-v), JSON and HTML reports
// carry the same range costs: one row per top prefix, the same figures.
func TestCostsInEveryFormat(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: reads a whole fixture")
	}
	f := fixtures.Get(t, "k8s-v3.6")
	r, err := Build(Input{Given: f.File, Path: fixtures.Path(t, f), Kind: "file"},
		Options{Sections: AllSections, MVCC: mvcc.DefaultOptions()})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	var js bytes.Buffer
	if err := Render(&js, r, RenderOptions{Format: "json"}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		MVCC struct {
			Prefixes []struct {
				Prefix   string `json:"prefix"`
				LiveKeys int64  `json:"live_keys"`
			} `json:"prefixes"`
		} `json:"mvcc"`
		Costs struct {
			Ranges struct {
				All      docRangeCost   `json:"all"`
				Prefixes []docRangeCost `json:"prefixes"`
			} `json:"ranges"`
			Follower *docFollowerSnapshot `json:"follower_snapshot"`
		} `json:"costs"`
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	rc := doc.Costs.Ranges
	if fs := doc.Costs.Follower; fs == nil || len(fs.Sends) != 2 || fs.DbBytes != r.Predict.DbSizeBytes {
		t.Errorf("JSON follower snapshot %+v: want two sends of the %d-byte db", fs, r.Predict.DbSizeBytes)
	}
	var live int64
	n := 0
	for _, p := range doc.MVCC.Prefixes {
		if p.Prefix != "(other)" && p.LiveKeys > 0 {
			if n >= len(rc.Prefixes) || rc.Prefixes[n].Prefix != p.Prefix || rc.Prefixes[n].Keys != p.LiveKeys {
				t.Fatalf("costs prefix %d does not match mvcc prefix %q (%d live keys): %+v", n, p.Prefix, p.LiveKeys, rc.Prefixes)
			}
			n++
		}
		live += p.LiveKeys
	}
	if n != len(rc.Prefixes) || rc.All.Keys != live {
		t.Errorf("costs has %d prefixes and %d keys in all, mvcc %d and %d", len(rc.Prefixes), rc.All.Keys, n, live)
	}
	for _, format := range []string{"text", "html"} {
		var buf bytes.Buffer
		if err := Render(&buf, r, RenderOptions{Format: format, Sections: AllSections}); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if i := strings.Index(out, `<script type="application/json"`); i >= 0 {
			out = out[:i]
		}
		if !strings.Contains(out, "Costs of reading") || !strings.Contains(out, "A snapshot to a lagging follower") {
			t.Fatalf("%s report has no costs section, or no follower snapshot in it", format)
		}
		for _, c := range rc.Prefixes {
			if !strings.Contains(out, ibytes(c.ServerMemoryBytes)) || !strings.Contains(out, ibytes(c.ResponseBytes)) {
				t.Errorf("%s report lacks %s's response %s or server memory %s", format, c.Prefix, ibytes(c.ResponseBytes), ibytes(c.ServerMemoryBytes))
			}
		}
	}
}

func TestWALWriteRate(t *testing.T) {
	t0 := time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)
	seg := func(name string, last uint64, entries int) wal.Segment {
		return wal.Segment{Name: name, LastIndex: last, Entries: entries}
	}
	cases := []struct {
		name  string
		segs  []wal.Segment
		times map[string]time.Time
		rate  float64
		why   string
	}{
		{"two segments 100 s apart", []wal.Segment{seg("0-0.wal", 1000, 1000), seg("1-3e9.wal", 21000, 20000)},
			map[string]time.Time{"0-0.wal": t0, "1-3e9.wal": t0.Add(100 * time.Second)}, 200, "the member's WAL: 20,000 entries"},
		{"one segment", []wal.Segment{seg("0-0.wal", 1000, 1000)}, map[string]time.Time{"0-0.wal": t0}, 0, "fewer than two segments"},
		{"times not kept", []wal.Segment{seg("0-0.wal", 1000, 1000), seg("1-3e9.wal", 21000, 20000)},
			map[string]time.Time{"0-0.wal": t0, "1-3e9.wal": t0}, 0, "less than a second"},
		{"a segment missing", []wal.Segment{seg("0-0.wal", 1000, 1000), seg("1-3e9.wal", 21000, 20000)},
			map[string]time.Time{"0-0.wal": t0}, 0, "could not be read"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := fstest.MapFS{}
			for n, mt := range tc.times {
				m["wal/"+n] = &fstest.MapFile{Data: []byte("x"), ModTime: mt}
			}
			rate, why := walWriteRate(Input{MemberFS: m}, &wal.Log{Segments: tc.segs})
			if rate != tc.rate || !strings.Contains(why, tc.why) {
				t.Errorf("rate %v (%q), want %v (%q)", rate, why, tc.rate, tc.why)
			}
		})
	}
}
