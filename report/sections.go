package report

// Sections selects which parts of the report a command computes and shows.
type Sections struct {
	Pages         bool // file, meta, page census, buckets, problems
	Fragmentation bool // free spans and the two freelist models
	Keys          bool // mvcc: revisions, keys, prefixes, leases, auth, members
	Predict       bool // startup, memory, defrag, compaction, quota
	Findings      bool // rules over all of the above
	CheckOnly     bool // the structural check's problem list, nothing else
	// Brief is the text report's first screen ('dbinspect report' without
	// -v): the summary, the top prefixes, the findings and the predictions
	// in one table. It changes only the text; JSON and HTML stay complete.
	Brief bool
}

var (
	// AllSections is 'dbinspect report'.
	AllSections = Sections{Pages: true, Fragmentation: true, Keys: true, Predict: true, Findings: true}
	// BriefSections is 'dbinspect report' without -v: everything is
	// computed, the text shows its first screen.
	BriefSections = Sections{Pages: true, Fragmentation: true, Keys: true, Predict: true, Findings: true, Brief: true}
	// PagesSections is 'dbinspect pages'.
	PagesSections = Sections{Pages: true, Fragmentation: true}
	// KeysSections is 'dbinspect keys'.
	KeysSections = Sections{Keys: true}
	// PredictSections is 'dbinspect predict': predictions need every input.
	PredictSections = Sections{Predict: true, Findings: true}
	// CheckSections is 'dbinspect check'.
	CheckSections = Sections{Pages: true, CheckOnly: true}
)

// needs says what must be computed to show s.
func (s Sections) needs() (pagesNeeded, frag, keys, predict bool) {
	predict = s.Predict || s.Findings
	keys = s.Keys || predict
	frag = s.Fragmentation || predict
	return true, frag, keys, predict
}
