package main

import (
	"fmt"
	"math/rand/v2"
)

// resource is one Kubernetes resource type in the generated key mix. The
// shares and sizes follow what a mid-sized cluster stores: many pods and
// events, large configmaps and secrets, tiny node leases.
type resource struct {
	name      string  // path segment under /registry/
	share     int     // relative number of keys
	sizeMult  float64 // mean value size as a multiple of -value-size
	leased    bool    // events carry a lease (the apiserver's event TTL)
	namespace bool    // namespaced (/registry/<r>/<ns>/<name>) or cluster-wide
}

var resources = []resource{
	{"pods", 30, 1.0, false, true},
	{"events", 20, 0.25, true, true},
	{"configmaps", 10, 1.6, false, true},
	{"secrets", 10, 1.2, false, true},
	{"replicasets", 8, 0.8, false, true},
	{"services/endpoints", 5, 0.5, false, true},
	{"endpointslices", 6, 0.6, false, true},
	{"deployments", 5, 1.0, false, true},
	{"serviceaccounts", 3, 0.2, false, true},
	{"leases", 2, 0.1, false, true},
	{"minions", 1, 3.0, false, false},
}

// genKey is one generated key and the parameters of its values.
type genKey struct {
	key      []byte
	meanSize int
	leased   bool
	deleted  bool
	ns       int // namespace number; -1 for a cluster-wide resource
	res      int // index in resources
}

// makeKeys builds n keys spread over the resources, in a deterministic
// order for the seed.
func makeKeys(rng *rand.Rand, n int, valueSize int) []genKey {
	total := 0
	for _, r := range resources {
		total += r.share
	}
	namespaces := max(1, n/300)
	keys := make([]genKey, 0, n)
	for ri, r := range resources {
		count := n * r.share / total
		if ri == len(resources)-1 {
			count = n - len(keys)
		}
		for i := 0; i < count; i++ {
			var k string
			ns := -1
			if r.namespace {
				ns = rng.IntN(namespaces)
				k = fmt.Sprintf("/registry/%s/ns-%04d/%s-%08x-%05d", r.name, ns, appName(rng), rng.Uint32(), i)
			} else {
				k = fmt.Sprintf("/registry/%s/node-%06d", r.name, i)
			}
			keys = append(keys, genKey{
				key:      []byte(k),
				meanSize: max(64, int(float64(valueSize)*r.sizeMult)),
				leased:   r.leased,
				ns:       ns,
				res:      ri,
			})
		}
	}
	return keys
}

var appNames = []string{"api", "web", "worker", "cache", "db", "ingest", "auth", "billing", "search", "metrics", "frontend", "scheduler"}

func appName(rng *rand.Rand) string { return appNames[rng.IntN(len(appNames))] }

// valueSource hands out value bytes: a "k8s\x00" protobuf envelope prefix,
// as the apiserver writes, followed by random bytes cut from a pool so that
// generating gigabytes costs no more than copying them.
type valueSource struct {
	pool    []byte
	scratch []byte
}

func newValueSource(rng *rand.Rand) *valueSource {
	pool := make([]byte, 8<<20)
	for i := 0; i+8 <= len(pool); i += 8 {
		v := rng.Uint64()
		for j := 0; j < 8; j++ {
			pool[i+j] = byte(v >> (8 * j))
		}
	}
	return &valueSource{pool: pool}
}

// next returns a value of about mean bytes (uniform in [mean/2, 3*mean/2]).
// The slice is reused by the next call.
func (v *valueSource) next(rng *rand.Rand, mean int) []byte {
	size := mean/2 + rng.IntN(mean+1)
	size = min(max(size, 8), len(v.pool)/2)
	if cap(v.scratch) < size {
		v.scratch = make([]byte, size)
	}
	b := v.scratch[:size]
	copy(b, "k8s\x00")
	off := rng.IntN(len(v.pool) - size)
	copy(b[4:], v.pool[off:off+size-4])
	return b
}

// newEvent is a fresh event in old's namespace, as the apiserver writes when
// an event's lease has expired and the object it is about changes again:
// a new name (the involved object and a timestamp), so at a random place in
// key order.
func newEvent(rng *rand.Rand, old genKey, seq int) genKey {
	k := fmt.Sprintf("/registry/%s/ns-%04d/%s-%08x-e%07d", resources[old.res].name, old.ns, appName(rng), rng.Uint32(), seq)
	return genKey{key: []byte(k), meanSize: old.meanSize, leased: true, ns: old.ns, res: old.res}
}
