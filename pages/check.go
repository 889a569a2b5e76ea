package pages

import "fmt"

// Problem codes. Each names one kind of damage; tests and scripts match on
// them, so they never change meaning.
const (
	CodeNoValidMeta       = "no-valid-meta"            // neither meta page validates
	CodeMetaInvalid       = "meta-invalid"             // one meta page is invalid; the other is used
	CodeMetaBadPointer    = "meta-bad-pointer"         // root or freelist id at or past the high-water mark
	CodeTruncated         = "truncated"                // the file ends before the high-water mark
	CodePageOutOfRange    = "page-out-of-range"        // a reference to a page id outside [2, high-water)
	CodeOverflowRange     = "overflow-out-of-range"    // a node's overflow run goes past the high-water mark
	CodePageReachedTwice  = "page-reached-twice"       // two references to one page (two parents)
	CodeCycle             = "cycle"                    // a reference to an ancestor of the referring page
	CodeTooDeep           = "tree-too-deep"            // a tree deeper than maxTreeDepth levels, which bbolt never writes
	CodeBadPageType       = "bad-page-type"            // a tree reference to a page that is not branch or leaf
	CodePageIDMismatch    = "page-id-mismatch"         // a page header names another id than where it sits
	CodeElementBounds     = "element-out-of-bounds"    // an element's key or value lies outside its page
	CodeEmptyBranch       = "empty-branch"             // a branch page with no elements
	CodeKeyOrder          = "key-order"                // keys not strictly ascending within or across pages
	CodeBadBucket         = "bad-bucket-header"        // a bucket value that does not decode
	CodeNodeTooLarge      = "node-too-large"           // a node too large to read safely
	CodeTooManyBuckets    = "too-many-buckets"         // more buckets than are tracked one by one
	CodeFreelistBad       = "freelist-bad"             // the persisted freelist page does not decode
	CodeFreelistReachable = "freelist-lists-reachable" // a page listed free is in use: corruption
	CodeFreelistRange     = "freelist-out-of-range"    // a listed id outside [2, high-water)
	CodeFreelistDuplicate = "freelist-duplicate"       // an id listed twice
	CodeFreelistLeaked    = "freelist-leaked"          // pages neither reachable nor listed free
)

// Severities of a Problem.
const (
	SeverityError   = "error"   // the file is damaged
	SeverityWarning = "warning" // worth knowing; bbolt and etcd still work
)

// A Problem is one finding of the structural check.
type Problem struct {
	Severity string `json:"severity"`
	Code     string `json:"code"`
	PageID   uint64 `json:"page_id"` // NoPage when not about one page
	Bucket   string `json:"bucket,omitempty"`
	Message  string `json:"message"`
}

func (p Problem) String() string {
	where := ""
	if p.PageID != NoPage {
		where = fmt.Sprintf("page %d: ", p.PageID)
	}
	if p.Bucket != "" {
		where += fmt.Sprintf("bucket %q: ", p.Bucket)
	}
	return fmt.Sprintf("%s %s: %s%s", p.Severity, p.Code, where, p.Message)
}

// maxProblems bounds the problems kept; the rest are only counted.
const maxProblems = 1000

// Damaged reports whether any error-severity problem was found.
func (a *Analysis) Damaged() bool {
	return a.ProblemCounts.Errors > 0
}

// ProblemCounts counts every problem found, including those not kept.
type ProblemCounts struct {
	Errors   int64 `json:"errors"`
	Warnings int64 `json:"warnings"`
	Omitted  int64 `json:"omitted"` // problems counted but not listed
}

func (a *Analysis) problem(sev, code string, page uint64, bucket string, format string, args ...any) {
	if sev == SeverityError {
		a.ProblemCounts.Errors++
	} else {
		a.ProblemCounts.Warnings++
	}
	if len(a.Problems) >= maxProblems {
		a.ProblemCounts.Omitted++
		return
	}
	a.Problems = append(a.Problems, Problem{Severity: sev, Code: code, PageID: page, Bucket: bucket, Message: fmt.Sprintf(format, args...)})
}

// HasProblem reports whether a problem with code was recorded.
func (a *Analysis) HasProblem(code string) bool {
	for _, p := range a.Problems {
		if p.Code == code {
			return true
		}
	}
	return false
}
