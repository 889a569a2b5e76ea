#!/usr/bin/env bash
# Times real etcd restarts of big data dirs (WAL and db written by real
# etcd through its client API) against dbinspect's member restart
# prediction, in one run with 'dbinspect calibrate':
#   1. dbinspect calibrate (into the work dir, not the user's config);
#   2. per etcd version and shape: a dir restored from the db alone
#      (testdata/etcdbench startup: the db-only figure), the original data
#      dir with its WAL (testdata/gen/datadir3x -time-restart), and
#      'dbinspect predict';
#   3. the same for the shape's replay variant ("r"): the data dir with its
#      db replaced by the copy etcd's writer kept half-way (-db-at), so etcd
#      applies the second half of the WAL again at restart. The difference
#      between the two WAL parts (restart minus db-only start) is the real
#      replay: it gives the per-entry apply cost, beside the per-op and
#      per-byte costs calibrate measures.
# Prints markdown tables (and the raw JSON under WORK) to paste into
# report/testdata/member_restart_check.md.
#
# Usage: scripts/member_restart_check.sh [RUNS]
# Environment: WORK (default /dev/shm/dbinspect-member-check: a tmpfs, so
# fsync is free and the page cache warm), SHAPES (default "a b"), ETCDS
# (default "36 35": etcd 3.6.16 and 3.5.35), NO_REPLAY (shapes without a
# replay variant, default "c": its copy needs 3 GB more of tmpfs), RESULTS
# (where the calibration, the JSON and etcd's logs go, default WORK: one
# directory per timed run when several runs share the data dirs),
# SKIP_BUILD=1 (the binaries in WORK/bin are built already, e.g. under a
# build lock before the timed run; GEN_ONLY=1 builds and writes the data
# dirs, then stops).
# etcd's info log of every start is kept in RESULTS/logs; the election
# table reads from it when the member started raft (adjustTicks' message:
# fast-forwarded or not) and when it became leader.
#   a: 2000 txns of 200 puts of 700 B (entries of ~140 KB, 306 MB of WAL)
#   b: 400 txns of 2000 puts of 100 B (entries of ~200 KB, 123 MB of WAL, 800k revisions)
#   c: 8300 txns of 200 puts of 700 B (issue 15's first shape: 1.2 GB of WAL, 1.6M revisions)
# It also asks etcd's own wal and snap packages (datadir3x -oracle) what
# they read from each data dir and compares dbinspect's reading with it.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${1:-3}
WORK=${WORK:-/dev/shm/dbinspect-member-check}
SHAPES=${SHAPES:-a b}
ETCDS=${ETCDS:-36 35}
NO_REPLAY=${NO_REPLAY:-c}
RESULTS=${RESULTS:-$WORK}
BIN=$WORK/bin
mkdir -p "$BIN" "$RESULTS/logs"
export TMPDIR=$WORK
export DATADIR_LOGDIR=$RESULTS/logs

log() { echo "member-check: $*" >&2; }

if [ "${SKIP_BUILD:-}" != 1 ]; then
	log "building dbinspect, etcdbench, etcdbench35, datadir36, datadir35"
	(cd "$ROOT" && go build -o "$BIN/dbinspect" ./cmd/dbinspect)
	(cd "$ROOT/testdata/etcdbench" && go build -o "$BIN/etcdbench36" .)
	(cd "$ROOT/testdata/etcdbench35" && go build -o "$BIN/etcdbench35" .)
	(cd "$ROOT/testdata/gen/datadir36" && go build -o "$BIN/datadir36" .)
	(cd "$ROOT/testdata/gen/datadir35" && go build -o "$BIN/datadir35" .)
fi

shape_args() {
	case $1 in
	a) echo "-txns 2000 -ops 200 -value-size 700 -db-at 1000" ;;
	b) echo "-txns 400 -ops 2000 -value-size 100 -db-at 200" ;;
	c) echo "-txns 8300 -ops 200 -value-size 700 -db-at 4150" ;;
	*) log "unknown shape $1"; exit 2 ;;
	esac
}

DIRS=""
for v in $ETCDS; do
	for s in $SHAPES; do
		d=$s$v
		if [ ! -d "$WORK/$d/member" ]; then
			log "writing shape $s with real etcd 3.${v#3}"
			# shellcheck disable=SC2046
			"$BIN/datadir$v" -big "$WORK/$d" $(shape_args "$s")
		fi
		DIRS="$DIRS $d"
		case " $NO_REPLAY " in *" $s "*) continue ;; esac
		if [ ! -d "$WORK/${d}r/member" ]; then
			cp -a "$WORK/$d" "$WORK/${d}r"
			cp "$WORK/$d.db-at.db" "$WORK/${d}r/member/snap/db"
		fi
		DIRS="$DIRS ${d}r"
	done
done
[ "${GEN_ONLY:-}" = 1 ] && exit 0

{ uptime; free -m | sed -n 2p | awk '{print "memory: " $7 " MiB available of " $2 " (shared, incl. tmpfs: " $5 " MiB)"}'; } >"$RESULTS/load_before.txt"
log "calibrate"
"$BIN/dbinspect" calibrate --calibration "$RESULTS/cal.json" >"$RESULTS/cal.log" 2>&1
for d in $DIRS; do
	v=${d:1:2}
	log "$d: restored-db starts, member restarts, prediction"
	cp "$WORK/$d/member/snap/db" "$WORK/$d.db"
	"$BIN/etcdbench$v" startup -runs "$RUNS" "$WORK/$d.db" >"$RESULTS/restored-$d.json" 2>/dev/null
	rm -f "$WORK/$d.db"
	"$BIN/datadir$v" -time-restart "$WORK/$d" -runs "$RUNS" -work "$WORK" >"$RESULTS/member-$d.json"
	"$BIN/dbinspect" predict -o json --etcd-version "3.${v:1:1}" --calibration "$RESULTS/cal.json" "$WORK/$d" >"$RESULTS/predict-$d.json"
	"$BIN/datadir$v" -oracle "$WORK/$d" -work "$WORK" >"$RESULTS/oracle-$d.json"
	uptime >>"$RESULTS/load_during.txt"
done
{ uptime; free -m | sed -n 2p | awk '{print "memory: " $7 " MiB available of " $2 " (shared, incl. tmpfs: " $5 " MiB)"}'; } >"$RESULTS/load_after.txt"

python3 - "$RESULTS" $DIRS <<'EOF'
import json, sys, glob, datetime
work, dirs = sys.argv[1], sys.argv[2:]
print("load before: " + open(f"{work}/load_before.txt").read().strip())
print("load after:  " + open(f"{work}/load_after.txt").read().strip())
cal = json.load(open(f"{work}/cal.json"))
print()
print("| dir | etcd | WAL | loaded entries | applied again | real db-only start | predicted db-only | predicted longer election | real member restart | predicted | error | real member RSS | predicted RSS | error |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
res = {}
for d in dirs:
    r = json.load(open(f"{work}/restored-{d}.json"))
    m = json.load(open(f"{work}/member-{d}.json"))
    p = json.load(open(f"{work}/predict-{d}.json"))["member"]
    mr, rp = p["restart"][0], p["replay"]
    wal = sum(x["size_bytes"] for x in p["wal"]["segments"])
    err_t = (mr["startup_seconds"] - m["median_seconds"]) / m["median_seconds"] * 100
    err_r = (mr["rss_bytes"] - m["median_rss_bytes"]) / m["median_rss_bytes"] * 100
    ap = rp["applied"]
    res[d] = (r, m, mr, rp)
    print(f"| {d} | {m['etcd_version']} | {wal/1e6:.0f} MB | {rp['loaded']['entries']:,} ({rp['loaded']['ops']:,} ops) | "
          f"{ap['entries']:,} ({ap['ops']:,} ops) | "
          f"{r['median_startup_seconds']:.2f} s | {mr['db_startup_seconds']:.2f} s | {mr.get('election', {}).get('extra_seconds', 0):.1f} s | "
          f"{m['median_seconds']:.2f} s ({min(m['seconds']):.2f}-{max(m['seconds']):.2f}) | "
          f"{mr['startup_seconds']:.2f} s | {err_t:+.0f}% | {m['median_rss_bytes']>>20} MiB | {mr['rss_bytes']>>20} MiB | {err_r:+.0f}% |")
print()
print("The first election, from etcd's info log of each member restart (seconds; medians, range in brackets):")
print("'raft start' is adjustTicks' message (etcdserver Start: the raft loop runs), 'leader' raft's 'became leader'.")
print()
print("| dir | adjustTicks said | predicted | log start to raft start | raft start to leader | predicted wait (fixed part + longer election) |")
print("|---|---|---|---:|---:|---:|")
def ts(line):
    t = line.get("ts")
    if isinstance(t, (int, float)):
        return float(t)
    return datetime.datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp()
def med(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if xs else float("nan")
for d in dirs:
    said, pre, elect = set(), [], []
    for f in sorted(glob.glob(f"{work}/logs/{d}-*.log")):
        lines = []
        for l in open(f):
            try:
                lines.append(json.loads(l))
            except ValueError:
                pass
        if not lines:
            continue
        t0 = ts(lines[0])
        adj = next((x for x in lines if "election tick" in x.get("msg", "")), None)
        lead = next((x for x in lines if "became leader" in x.get("msg", "")), None)
        if adj is None or lead is None:
            continue
        said.add("fast-forwarded" if "fast-forwarding" in adj["msg"] else "not fast-forwarded")
        pre.append(ts(adj) - t0)
        elect.append(ts(lead) - ts(adj))
    p = json.load(open(f"{work}/predict-{d}.json"))["member"]["restart"][0]
    e = p.get("election", {})
    pw = cal["fixed_start_seconds"] + e.get("extra_seconds", 0)
    if not elect:
        print(f"| {d} | (no log) | | | | {pw:.2f} s |")
        continue
    print(f"| {d} | {', '.join(sorted(said))} | {'fast-forwarded' if e.get('fast_forward') else 'not fast-forwarded'} | "
          f"{med(pre):.2f} s ({min(pre):.2f}-{max(pre):.2f}) | {med(elect):.2f} s ({min(elect):.2f}-{max(elect):.2f}) | {pw:.2f} s |")
print()
print("Replay measured: (replay variant's restart - its db-only start) - (clean dir's restart - its db-only start),")
print("medians; per entry = (that - applied ops x calibrate's apply_seconds_per_op - applied bytes x apply_seconds_per_byte) / applied entries:")
print()
print("| shape | applied entries | applied ops | applied MiB | real replay | per op + per byte part (calibrate) | per entry (implied) | predicted replay |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for d in dirs:
    if d.endswith("r") or d + "r" not in res:
        continue
    rc, mc, _, _ = res[d]
    rr, mrr, prr, rpr = res[d + "r"]
    wal_c = mc["median_seconds"] - rc["median_startup_seconds"]
    wal_r = mrr["median_seconds"] - rr["median_startup_seconds"]
    real = wal_r - wal_c
    ap = rpr["applied"]
    part = ap["ops"] * cal["apply_seconds_per_op"] + ap["data_bytes"] * cal["apply_seconds_per_byte"]
    per_entry = (real - part) / ap["entries"] if ap["entries"] else float("nan")
    print(f"| {d} | {ap['entries']:,} | {ap['ops']:,} | {ap['data_bytes']/2**20:.0f} | {real:.2f} s | {part:.2f} s | {per_entry*1e6:.0f} us | {prr['replay_seconds']:.2f} s |")
print()
print("dbinspect's reading against etcd's (wal.OpenForRead + ReadAll at the snapshot etcd loads):")
print()
print("| dir | entries | first..last index | commit | data bytes | largest | requests | member/cluster IDs | all equal |")
print("|---|---:|---:|---:|---:|---:|---|---|---|")
for d in dirs:
    o = json.load(open(f"{work}/oracle-{d}.json"))["read"]
    p = json.load(open(f"{work}/predict-{d}.json"))["member"]
    rp, ent, w = p["replay"], p["entries"], p["wal"]
    mine_req = {k["kind"]: k["entries"] for k in ent["by_kind"] if not k["kind"].startswith("conf_")}
    got = (rp["loaded"]["entries"], rp["loaded"].get("first_index", 0), rp["loaded"].get("last_index", 0), rp["commit_index"],
           rp["loaded"]["data_bytes"], rp["largest_entry_bytes"], mine_req, (w["metadata"]["member_id"], w["metadata"]["cluster_id"]))
    want = (o["entries"], o["first_index"], o["last_index"], o["commit"], o["data_bytes"], o["max_data_bytes"], o["by_request"],
            (o["member_id"], o["cluster_id"]))
    cells = [f"{g} / {x}" if g != x else f"{g}" for g, x in zip(got[:6], want[:6])]
    print(f"| {d} | {cells[0]} | {got[1]}..{got[2]} | {cells[3]} | {cells[4]} | {cells[5]} | "
          f"{'same' if got[6] == want[6] else str(got[6]) + ' / ' + str(want[6])} | {'same' if got[7] == want[7] else 'DIFFER'} | {'yes' if got == want else 'NO'} |")
print()
print("Raw figures (seconds from embed.StartEtcd to ready; peak RSS in bytes):")
print()
print("```")
for d in dirs:
    r, m, _, _ = res[d]
    print(f"{d} member:   seconds {m['seconds']}  rss {m['rss_bytes']}")
    print(f"{d} restored: median {r['median_startup_seconds']:.3f} s, all {r.get('startup_seconds', r.get('seconds'))}")
print("calibrate: " + open(f"{work}/cal.log").read().strip().splitlines()[-1])
print("```")
EOF
