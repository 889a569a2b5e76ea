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
# (default "36 35": etcd 3.6.16 and 3.5.35).
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
BIN=$WORK/bin
mkdir -p "$BIN"
export TMPDIR=$WORK

log() { echo "member-check: $*" >&2; }

log "building dbinspect, etcdbench, etcdbench35, datadir36, datadir35"
(cd "$ROOT" && go build -o "$BIN/dbinspect" ./cmd/dbinspect)
(cd "$ROOT/testdata/etcdbench" && go build -o "$BIN/etcdbench36" .)
(cd "$ROOT/testdata/etcdbench35" && go build -o "$BIN/etcdbench35" .)
(cd "$ROOT/testdata/gen/datadir36" && go build -o "$BIN/datadir36" .)
(cd "$ROOT/testdata/gen/datadir35" && go build -o "$BIN/datadir35" .)

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
		if [ ! -d "$WORK/${d}r/member" ]; then
			cp -a "$WORK/$d" "$WORK/${d}r"
			cp "$WORK/$d.db-at.db" "$WORK/${d}r/member/snap/db"
		fi
		DIRS="$DIRS $d ${d}r"
	done
done

uptime >"$WORK/load_before.txt"
log "calibrate"
"$BIN/dbinspect" calibrate --calibration "$WORK/cal.json" >"$WORK/cal.log" 2>&1
for d in $DIRS; do
	v=${d:1:2}
	log "$d: restored-db starts, member restarts, prediction"
	cp "$WORK/$d/member/snap/db" "$WORK/$d.db"
	"$BIN/etcdbench$v" startup -runs "$RUNS" "$WORK/$d.db" >"$WORK/restored-$d.json" 2>/dev/null
	rm -f "$WORK/$d.db"
	"$BIN/datadir$v" -time-restart "$WORK/$d" -runs "$RUNS" -work "$WORK" >"$WORK/member-$d.json"
	"$BIN/dbinspect" predict -o json --etcd-version "3.${v:1:1}" --calibration "$WORK/cal.json" "$WORK/$d" >"$WORK/predict-$d.json"
	"$BIN/datadir$v" -oracle "$WORK/$d" -work "$WORK" >"$WORK/oracle-$d.json"
	uptime >>"$WORK/load_during.txt"
done
uptime >"$WORK/load_after.txt"

python3 - "$WORK" $DIRS <<'EOF'
import json, sys
work, dirs = sys.argv[1], sys.argv[2:]
print("load before: " + open(f"{work}/load_before.txt").read().strip())
print("load after:  " + open(f"{work}/load_after.txt").read().strip())
cal = json.load(open(f"{work}/cal.json"))
print()
print("| dir | etcd | WAL | loaded entries | applied again | real db-only start | real member restart | predicted | error | real member RSS | predicted RSS | error |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
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
          f"{r['median_startup_seconds']:.2f} s | {m['median_seconds']:.2f} s ({min(m['seconds']):.2f}-{max(m['seconds']):.2f}) | "
          f"{mr['startup_seconds']:.2f} s | {err_t:+.0f}% | {m['median_rss_bytes']>>20} MiB | {mr['rss_bytes']>>20} MiB | {err_r:+.0f}% |")
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
