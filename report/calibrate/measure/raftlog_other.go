//go:build !linux

package measure

// Peak RSS cannot be reset here: the raft log's heap factor keeps its
// reference value.
func resetPeakRSS() bool { return false }

func rssNow() (rss, hwm int64, ok bool) { return 0, 0, false }
