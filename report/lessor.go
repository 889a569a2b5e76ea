package report

import (
	"fmt"

	"github.com/dbinspect/dbinspect/report/html"
	"github.com/dbinspect/dbinspect/report/predict"
)

// lessorTitle heads the lessor's memory by part, in text and HTML alike.
func lessorTitle(p *predict.Prediction) string {
	l := p.ByVersion[0].Lessor
	return fmt.Sprintf("Lessor memory (in the leases figure above): %s leases, %s leased keys, after a restart from this file",
		count(l.Leases), count(l.LeasedKeys))
}

// lessorTable is the one view of predict's lessor model the text and HTML
// draw (the JSON has the same figures in predict.by_version[].lessor).
func lessorTable(p *predict.Prediction) *table {
	tb := newTable("etcd", ">lease objects", ">item sets", ">lease map", ">item map", ">key names", ">follower", ">leader expiry heap", ">leader", ">+ checkpoints")
	for _, v := range p.ByVersion {
		l := v.Lessor
		tb.add(v.Version, ibytes(l.LeaseObjectBytes), ibytes(l.ItemSetBytes), ibytes(l.LeaseMapBytes), ibytes(l.ItemMapBytes), ibytes(l.KeyStringBytes),
			ibytes(l.FollowerBytes), ibytes(l.ExpiryQueueBytes), ibytes(l.LeaderBytes), ibytes(l.CheckpointBytes))
	}
	return tb
}

// lessorNote says what the last column is.
func lessorNote(p *predict.Prediction) string {
	return fmt.Sprintf("+ checkpoints: what lease checkpointing (off by default) would add on the leader for the %s leases whose TTL exceeds 5 minutes",
		count(p.ByVersion[0].Lessor.LongTTLLeases))
}

func hasLessor(p *predict.Prediction) bool {
	return p != nil && len(p.ByVersion) > 0 && p.ByVersion[0].Lessor.Leases > 0
}

func (t *textWriter) lessor(p *predict.Prediction) {
	if !hasLessor(p) {
		return
	}
	t.printf("\n  %s\n", lessorTitle(p))
	t.table(lessorTable(p))
	t.printf("  %s\n", lessorNote(p))
}

func lessorHTMLTable(p *predict.Prediction) html.Table {
	tb := htmlTableOf(lessorTitle(p), lessorTable(p))
	tb.Caption += "; " + lessorNote(p)
	return tb
}
