package mvcc

import (
	"sort"
	"strings"
)

const k8sRoot = "/registry/"

var registryRoot = []byte(k8sRoot)

// k8sKey locates the parts of a Kubernetes storage key
// /registry/<resource>/[<namespace>/]<name>. The resource is one segment
// for built-in types ("pods"), two when the first names an API group (it
// has a dot: "cert-manager.io/certificates") and for the two service
// stores ("services/specs", "services/endpoints"). Below the resource, a
// key with two or more further segments is namespaced.
type k8sKey struct {
	resourceEnd  int // key[:resourceEnd] is "/registry/<resource>/"
	namespaceEnd int // key[:namespaceEnd] is ".../<namespace>/"; 0 if cluster scoped
}

func parseK8sKey(key string) (k8sKey, bool) {
	if !strings.HasPrefix(key, k8sRoot) {
		return k8sKey{}, false
	}
	pos := len(k8sRoot)
	seg, _, found := strings.Cut(key[pos:], "/")
	if !found {
		// "/registry/health": a leaf directly under /registry.
		return k8sKey{resourceEnd: len(key)}, true
	}
	pos += len(seg) + 1
	if strings.Contains(seg, ".") || seg == "services" {
		seg2, _, found2 := strings.Cut(key[pos:], "/")
		if found2 && (seg != "services" || seg2 == "specs" || seg2 == "endpoints") {
			pos += len(seg2) + 1
		}
	}
	p := k8sKey{resourceEnd: pos}
	if ns, _, found := strings.Cut(key[pos:], "/"); found {
		p.namespaceEnd = pos + len(ns) + 1
	}
	return p, true
}

// NoPrefix labels the prefix row of the keys that hold no separator at all
// (kube-apiserver's "compact_rev_key", say): their prefix is empty, and an
// empty row name reads as a rendering fault. No real prefix can equal it, as
// every other label ends with the separator.
const NoPrefix = "(no prefix)"

// prefixLabel is the prefix row a key outside /registry/ counts under.
func prefixLabel(key, sep string, depth int) string {
	if l := genericPrefix(key, sep, depth); l != "" {
		return l
	}
	return NoPrefix
}

// genericPrefix keeps depth segments: "/a/b/c/d" at depth 2 is "/a/b/". A
// leading separator does not count; a shorter key keeps what it has up to
// its last separator.
func genericPrefix(key, sep string, depth int) string {
	end := 0
	if strings.HasPrefix(key, sep) {
		end = len(sep)
	}
	for n := 0; n < depth; n++ {
		i := strings.Index(key[end:], sep)
		if i < 0 {
			break
		}
		end += i + len(sep)
	}
	return key[:end]
}

type prefixAgg struct {
	stats map[string]*PrefixStat
}

func (a *prefixAgg) add(label, resource, namespace string, s *keyState) *PrefixStat {
	if a.stats == nil {
		a.stats = map[string]*PrefixStat{}
	}
	p := a.stats[label]
	if p == nil {
		p = &PrefixStat{Prefix: label, Resource: resource, Namespace: namespace}
		a.stats[label] = p
	}
	p.Keys++
	p.Revisions += uint64(s.revs)
	live := liveBytes(s)
	p.LiveBytes += live
	p.HistoryBytes += s.totalBytes - live
	if s.live {
		p.LiveKeys++
	}
	return p
}

// list sorts by bytes (largest first) and folds rows past max into one
// "(other)" row. total and dataSize give the shares.
func (a *prefixAgg) list(max int, total uint64, dataSize int64) []PrefixStat {
	out := make([]PrefixStat, 0, len(a.stats))
	for _, p := range a.stats {
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool {
		bi, bj := out[i].LiveBytes+out[i].HistoryBytes, out[j].LiveBytes+out[j].HistoryBytes
		if bi != bj {
			return bi > bj
		}
		return out[i].Prefix < out[j].Prefix
	})
	if len(out) > max {
		other := PrefixStat{Prefix: "(other)"}
		for _, p := range out[max:] {
			other.Keys += p.Keys
			other.LiveKeys += p.LiveKeys
			other.Revisions += p.Revisions
			other.LiveBytes += p.LiveBytes
			other.HistoryBytes += p.HistoryBytes
			other.kube.merge(p.kube)
		}
		out = append(out[:max], other)
	}
	for i := range out {
		b := float64(out[i].LiveBytes + out[i].HistoryBytes)
		if total > 0 {
			out[i].Share = b / float64(total)
		}
		if dataSize > 0 {
			out[i].ShareOfFile = b / float64(dataSize)
		}
	}
	return out
}

// liveBytes is the bucket bytes of a live key's latest revision.
func liveBytes(s *keyState) uint64 {
	if s.live {
		return uint64(s.lastBytes)
	}
	return 0
}
