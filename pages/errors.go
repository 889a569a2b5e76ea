package pages

import (
	"errors"
	"fmt"
)

// ErrCorrupt is wrapped by every error that comes from bad bytes in the file
// (as opposed to I/O errors). Test with errors.Is(err, ErrCorrupt).
var ErrCorrupt = errors.New("bbolt file is corrupt")

// NoPage is the FormatError.PageID of an error that is not about one page.
const NoPage = ^uint64(0)

// A FormatError says where the file broke the bbolt format. It wraps
// ErrCorrupt.
type FormatError struct {
	PageID uint64 // page concerned, or NoPage
	Offset int64  // byte offset in the file, or -1 when unknown
	Code   string // one of the Code* constants of check.go
	Msg    string
}

func (e *FormatError) Error() string {
	switch {
	case e.PageID != NoPage && e.Offset >= 0:
		return fmt.Sprintf("page %d (offset %d): %s", e.PageID, e.Offset, e.Msg)
	case e.PageID != NoPage:
		return fmt.Sprintf("page %d: %s", e.PageID, e.Msg)
	case e.Offset >= 0:
		return fmt.Sprintf("offset %d: %s", e.Offset, e.Msg)
	}
	return e.Msg
}

// Unwrap makes errors.Is(err, ErrCorrupt) true.
func (e *FormatError) Unwrap() error { return ErrCorrupt }

func formatErr(code string, page uint64, off int64, format string, args ...any) *FormatError {
	return &FormatError{PageID: page, Offset: off, Code: code, Msg: fmt.Sprintf(format, args...)}
}
