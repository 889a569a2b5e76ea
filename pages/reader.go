package pages

// pageReader reads pages with pread through a window that is filled with
// one read covering several upcoming pages, so a walk in ascending page
// order costs few system calls.
type pageReader struct {
	f        *File
	ps       uint64
	win      []byte
	winStart uint64 // first page id in win
	winPages uint64 // pages held in win
	maxWin   uint64 // window capacity in pages
	big      []byte // for nodes larger than the window
	reads    int64
}

const readWindowBytes = 1 << 20

func newPageReader(f *File) *pageReader {
	ps := uint64(f.pageSize)
	maxWin := uint64(readWindowBytes) / ps
	if maxWin == 0 {
		maxWin = 1
	}
	return &pageReader{f: f, ps: ps, maxWin: maxWin}
}

// has reports whether pages [id, id+n) are in the window.
func (r *pageReader) has(id, n uint64) bool {
	return id >= r.winStart && id-r.winStart+n <= r.winPages
}

// read returns pages [id, id+n). When it must read, it reads up to
// aheadEnd (exclusive) as well, within the window's capacity. The caller has
// checked that [id, id+n) lies inside the file. The bytes are valid until
// the next call.
func (r *pageReader) read(id, n, aheadEnd uint64) ([]byte, error) {
	if r.has(id, n) {
		off := (id - r.winStart) * r.ps
		return r.win[off : off+n*r.ps], nil
	}
	r.reads++
	if n > r.maxWin {
		need := n * r.ps
		if uint64(cap(r.big)) < need {
			r.big = make([]byte, need)
		}
		b := r.big[:need]
		if err := r.f.readAt(b, int64(id*r.ps), id); err != nil {
			return nil, err
		}
		return b, nil
	}
	end := max(id+n, min(aheadEnd, id+r.maxWin))
	end = min(end, r.f.filePages())
	if r.win == nil {
		r.win = make([]byte, r.maxWin*r.ps)
	}
	r.winPages = 0
	b := r.win[:(end-id)*r.ps]
	if err := r.f.readAt(b, int64(id*r.ps), id); err != nil {
		return nil, err
	}
	r.winStart, r.winPages = id, end-id
	return b[:n*r.ps], nil
}
