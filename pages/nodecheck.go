package pages

// nodeFault is what is wrong with a page referenced as a tree node, found
// before its elements are read. The structural check (walker.visit) and
// every read of a bucket (treeIter.readNode) ask checkNodeRef and
// checkNodeHeader, so the two agree on what is damage; each words it with
// the context it has.
type nodeFault int

const (
	nodeOK            nodeFault = iota
	nodeOutOfRange              // the id is outside [2, high-water mark): CodePageOutOfRange
	nodePastEOF                 // the page, or its overflow pages, lie past the end of the file
	nodeBadType                 // neither a branch nor a leaf: CodeBadPageType
	nodeOverflowRange           // its overflow pages run past the high-water mark: CodeOverflowRange
)

// checkNodeRef checks a referenced node's page id against the high-water
// mark hwm and the whole pages the file holds.
func checkNodeRef(id, hwm, filePages uint64) nodeFault {
	switch {
	case id < 2 || id >= hwm:
		return nodeOutOfRange
	case id >= filePages:
		return nodePastEOF
	}
	return nodeOK
}

// checkNodeHeader checks the header of node id, which checkNodeRef
// passed, and returns the pages the node spans (1 + its overflow; 0 when
// its header is unusable).
func checkNodeHeader(h PageHeader, id, hwm, filePages uint64) (uint64, nodeFault) {
	if h.Flags != FlagBranch && h.Flags != FlagLeaf {
		return 0, nodeBadType
	}
	if uint64(h.Overflow) >= hwm-id {
		return 0, nodeOverflowRange
	}
	n := uint64(h.Overflow) + 1
	if id+n > filePages {
		return n, nodePastEOF
	}
	return n, nodeOK
}
