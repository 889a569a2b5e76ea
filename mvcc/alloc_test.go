package mvcc

import "testing"

func TestGoAllocBytes(t *testing.T) {
	cases := []struct {
		size   uint64
		noscan bool
		want   uint64
	}{
		{0, true, 0}, {1, true, 8}, {32, true, 32}, {33, true, 48}, {2048, true, 2048}, {2049, true, 2304},
		{8193, true, 9472}, {40000, true, 40960}, // above 32 KiB: whole 8 KiB pages
		{600, false, 632}, // a pointerful object over 512 B: its 640-byte class less the 8-byte header
	}
	for _, c := range cases {
		if got := GoAllocBytes(c.size, c.noscan); got != c.want {
			t.Errorf("GoAllocBytes(%d, %v) = %d, want %d", c.size, c.noscan, got, c.want)
		}
	}
}

func TestAppendAllocBytes(t *testing.T) {
	cases := []struct{ n, elem, want uint64 }{
		{0, 16, 0},
		{1, 16, 16},
		{3, 16, 16 + 32 + 64},       // caps 1, 2, 4
		{5, 16, 16 + 32 + 64 + 128}, // then 8
	}
	for _, c := range cases {
		if got := AppendAllocBytes(c.n, c.elem, true); got != c.want {
			t.Errorf("AppendAllocBytes(%d, %d) = %d, want %d", c.n, c.elem, got, c.want)
		}
	}
}
