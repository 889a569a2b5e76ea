package pages

import "testing"

func TestCheckNode(t *testing.T) {
	const hwm, filePages = 10, 8 // a file truncated two pages before its high-water mark
	for _, c := range []struct {
		name      string
		id        uint64
		h         PageHeader
		ref, head nodeFault
		pages     uint64
	}{
		{"meta page 0", 0, PageHeader{}, nodeOutOfRange, nodeOK, 0},
		{"meta page 1", 1, PageHeader{}, nodeOutOfRange, nodeOK, 0},
		{"at the high-water mark", hwm, PageHeader{}, nodeOutOfRange, nodeOK, 0},
		{"past the file, below the mark", 8, PageHeader{}, nodePastEOF, nodeOK, 0},
		{"leaf", 3, PageHeader{Flags: FlagLeaf}, nodeOK, nodeOK, 1},
		{"branch with overflow", 3, PageHeader{Flags: FlagBranch, Overflow: 2}, nodeOK, nodeOK, 3},
		{"freelist page as a node", 3, PageHeader{Flags: FlagFreelist}, nodeOK, nodeBadType, 0},
		{"meta flag as a node", 3, PageHeader{Flags: FlagMeta}, nodeOK, nodeBadType, 0},
		{"overflow reaching the mark", 3, PageHeader{Flags: FlagLeaf, Overflow: hwm - 3}, nodeOK, nodeOverflowRange, 0},
		{"overflow of 2^32-1", 3, PageHeader{Flags: FlagLeaf, Overflow: 1<<32 - 1}, nodeOK, nodeOverflowRange, 0},
		{"overflow past the file's end", 6, PageHeader{Flags: FlagLeaf, Overflow: 2}, nodeOK, nodePastEOF, 3},
		{"overflow to the file's end", 5, PageHeader{Flags: FlagLeaf, Overflow: 2}, nodeOK, nodeOK, 3},
	} {
		if got := checkNodeRef(c.id, hwm, filePages); got != c.ref {
			t.Errorf("%s: checkNodeRef = %d, want %d", c.name, got, c.ref)
		}
		if c.ref != nodeOK {
			continue
		}
		n, got := checkNodeHeader(c.h, c.id, hwm, filePages)
		if got != c.head || n != c.pages {
			t.Errorf("%s: checkNodeHeader = %d pages, fault %d; want %d, %d", c.name, n, got, c.pages, c.head)
		}
	}
}
