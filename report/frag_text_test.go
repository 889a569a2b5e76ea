package report

import (
	"strings"
	"testing"

	"github.com/dbinspect/dbinspect/pages"
	"github.com/dbinspect/dbinspect/pages/freelist"
)

func TestFragSummary(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   freelist.Input
		want []string
	}{
		{"nothing free", freelist.Input{PageSize: 4096, HighWater: 10}, []string{"no free pages"}},
		{"short spans block big values",
			freelist.Input{PageSize: 4096, HighWater: 200, Free: []pages.Span{{Start: 2, Len: 1}, {Start: 4, Len: 1}, {Start: 6, Len: 1}, {Start: 8, Len: 2}, {Start: 20, Len: 6}}, RunSizes: map[uint64]int64{1: 10, 3: 10}},
			[]string{"45% of the 11 free pages are in spans shorter than 3 pages", "values over about 8.0 KiB", "array", "hashmap"}},
		{"all usable",
			freelist.Input{PageSize: 4096, HighWater: 200, Free: []pages.Span{{Start: 2, Len: 1}, {Start: 4, Len: 50}}, RunSizes: map[uint64]int64{1: 10}},
			[]string{"2% of the 51 free pages are in single-page spans (largest span 50 pages)", "can use 100%"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := freelist.Analyze(tc.in, freelist.Options{})
			got := fragSummary(f)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("summary %q lacks %q", got, w)
				}
			}
			if rows := fragTable(f); len(rows) < 5 || len(rows[0]) != 3 {
				t.Errorf("table of %d rows, header %v: want the array and hashmap columns and a row a comparison", len(rows), rows[0])
			}
		})
	}
}

func TestFragTextHostileInput(t *testing.T) {
	for _, in := range []freelist.Input{
		{},
		{PageSize: -1, HighWater: 0, Free: []pages.Span{{Start: 0, Len: ^uint64(0)}}},
		{PageSize: 4096, HighWater: 10, Free: []pages.Span{{Start: ^uint64(0) - 1, Len: 5}}, RunSizes: map[uint64]int64{0: 5, 3: -2}},
		{PageSize: 4096, HighWater: 1 << 40, Free: []pages.Span{{Start: 2, Len: 1 << 39}}, RunSizes: map[uint64]int64{1 << 38: 1}},
	} {
		fr := freelist.Analyze(in, freelist.Options{WriteBytes: 1 << 20, Seeds: []int64{1}})
		if fragSummary(fr) == "" || len(fragTable(fr)) < 2 {
			t.Errorf("no summary or table for %+v", in)
		}
	}
}
