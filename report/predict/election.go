package predict

import "fmt"

// etcd's defaults for the raft clock of a member: --heartbeat-interval
// 100 ms (one tick) and --election-timeout 1000 ms (ElectionTicks = 10).
// A data dir does not record the flags the member ran with: these are
// assumed, and said so.
const (
	DefaultTickSeconds   = 0.1
	DefaultElectionTicks = 10
)

// RestartElection is how a restarted member's first election is timed.
//
// etcd starts raft with a randomized election timeout of ElectionTicks to
// 2 x ElectionTicks - 1 ticks; once the server starts, adjustTicks
// (etcdserver/server.go, 3.5.35 :756, 3.6.16 :476) fast-forwards
// ElectionTicks - 1 of them when the cluster it recovered has exactly one
// member, so a single member campaigns 1 to ElectionTicks ticks after it
// starts ticking: the wait inside the db-only start's fixed part (a data
// dir restored from a db has its member in both the db and the .snap file
// the restore writes). Otherwise it polls for peers for 5 s
// (rafthttp.ConnReadTimeout) and, with none ("3. restarted single-node
// with no snapshot", server.go :785 in 3.5.35), advances nothing: the
// member waits its whole randomized timeout, ElectionTicks - 1 ticks more
// than a fast-forwarded one whatever the random draw.
//
// Which members the server recovered differs by version: 3.5 (and 3.4)
// read them from the v2 store (membership.RaftCluster.Recover, 3.5.35
// api/membership/cluster.go:259: membersFromStore when the v2 store is
// set, which NewServer always does on a restart), and the v2 store is
// rebuilt from the newest .snap file alone until the apply loop replays
// the WAL's conf changes: a member that never wrote a snapshot (fewer
// than --snapshot-count entries, 100,000 by default in 3.5) starts with
// none. 3.6+ read them from the db's members bucket (cluster.go:259
// UnsafeLoad: the backend when set).
//
// adjustTicks runs in a goroutine started with the apply loop, which
// adds the member to the cluster when it applies the WAL's first conf
// change: if that comes first, 3.5 counts one member and fast-forwards
// after all. adjustTicks won that race in 19 of 20 real 3.5.35 restarts
// (set 9 of report/testdata/member_restart_check.md); the prediction
// takes the usual case.
type RestartElection struct {
	// Members is how many members adjustTicks finds: 3.5 the .snap's
	// voters and learners (0 without a .snap), 3.6+ the db's members
	// bucket.
	Members int `json:"members"`
	// FastForward: adjustTicks advances ElectionTicks - 1 ticks.
	FastForward bool `json:"fast_forward"`
	// ExtraSeconds is the wait beyond a fast-forwarded single member's
	// (the db-only start's fixed part): (ElectionTicks - 1) ticks when
	// nothing is advanced, else 0.
	ExtraSeconds float64 `json:"extra_seconds"`
	// Why says which case applies, in etcd's terms.
	Why string `json:"why"`
}

// PredictRestartElection times a restarted member's first election.
// version is the etcd minor; snapMembers the voters plus learners of the
// .snap file etcd loads (haveSnap false: none); dbMembers the db's
// members bucket (haveDB false: no db was read, assumed one).
func PredictRestartElection(version string, snapMembers int, haveSnap bool, dbMembers int, haveDB bool) RestartElection {
	extra := float64(DefaultElectionTicks-1) * DefaultTickSeconds
	var e RestartElection
	switch {
	case like35(version):
		if haveSnap {
			e.Members = snapMembers
		}
	case haveDB:
		e.Members = dbMembers
	default:
		e.Members = 1
	}
	switch {
	case e.Members == 1:
		e.FastForward = true
		e.Why = fmt.Sprintf("the member recovers a one-member cluster (%s): etcd fast-forwards %d election ticks, as in the db-only start", recoveredFrom(version), DefaultElectionTicks-1)
	case e.Members == 0:
		e.ExtraSeconds = extra
		e.Why = fmt.Sprintf("the member recovers no members (%s): etcd advances no election ticks and the member waits its whole randomized election timeout, %.1f s more than a fast-forwarded single member", recoveredFrom(version), extra)
	default:
		e.Why = fmt.Sprintf("the member recovers %d members (%s): it campaigns or follows once peers answer; the prediction assumes its peers are up and a leader is elected within the db-only start's fixed part", e.Members, recoveredFrom(version))
	}
	return e
}

func recoveredFrom(version string) string {
	if like35(version) {
		return "etcd " + version + " reads them from the v2 store, rebuilt from the newest .snap file"
	}
	return "etcd " + version + " reads them from the db's members bucket"
}
