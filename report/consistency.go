package report

import (
	"fmt"
	"os"
	"time"

	"github.com/dbinspect/dbinspect/internal/testhook"
	"github.com/dbinspect/dbinspect/pages"
)

// snapshotOfFile is what must stay the same while a file is read for the
// figures to describe one state of it: its size, mtime and both metas.
type snapshotOfFile struct {
	size  int64
	mtime time.Time
	metas [2]pages.Meta
}

func fileState(path string, f *pages.File) snapshotOfFile {
	var s snapshotOfFile
	if st, err := os.Stat(path); err == nil {
		s.size, s.mtime = st.Size(), st.ModTime()
	}
	ms := f.Metas()
	for i := range ms {
		s.metas[i] = ms[i].Meta
	}
	return s
}

// changedSince re-reads the file's metas after the scan and says how the
// file changed since before, or "": a db copied or read while etcd was
// writing it shows a new txid or size, and then the figures mix two
// states of the file.
func changedSince(in Input, before snapshotOfFile) string {
	if testhook.BeforeConsistencyCheck != nil {
		testhook.BeforeConsistencyCheck(in.Path)
	}
	g, err := pages.Open(in.Path)
	if err != nil {
		return fmt.Sprintf("the file could no longer be opened after the scan (%v)", err)
	}
	defer g.Close()
	after := fileState(in.Path, g)
	switch {
	case after.size != before.size:
		return fmt.Sprintf("its size went from %d to %d bytes while it was read", before.size, after.size)
	case after.metas != before.metas:
		return fmt.Sprintf("its meta pages changed while it was read (txid %d/%d, then %d/%d)",
			before.metas[0].TxID, before.metas[1].TxID, after.metas[0].TxID, after.metas[1].TxID)
	case !after.mtime.Equal(before.mtime):
		return "it was modified while it was read"
	}
	return ""
}
