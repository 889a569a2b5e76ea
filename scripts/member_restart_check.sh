#!/usr/bin/env bash
# Times real etcd 3.6 restarts of big data dirs (WAL and db written by real
# etcd through its client API) against dbinspect's member restart
# prediction, in one run with 'dbinspect calibrate':
#   1. dbinspect calibrate (into the work dir, not the user's config);
#   2. per shape: a dir restored from the db alone (testdata/etcdbench
#      startup: the db-only figure), the original data dir with its WAL
#      (testdata/gen/datadir36 -time-restart), and 'dbinspect predict'.
# Prints a markdown table (and the raw JSON under WORK) to paste into
# report/testdata/member_restart_check.md.
#
# Usage: scripts/member_restart_check.sh [RUNS]
# Environment: WORK (default /dev/shm/dbinspect-member-check: a tmpfs, so
# fsync is free and the page cache warm), SHAPES (default "a b").
#   a: 2000 txns of 200 puts of 700 B (entries of ~140 KB, 306 MB of WAL)
#   b: 400 txns of 2000 puts of 100 B (entries of ~200 KB, 123 MB of WAL, 800k revisions)
#   c: 8300 txns of 200 puts of 700 B (issue 15's first shape: 1.2 GB of WAL, 1.6M revisions)
# It also asks etcd's own wal and snap packages (datadir36 -oracle) what
# they read from each data dir and compares dbinspect's reading with it.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${1:-3}
WORK=${WORK:-/dev/shm/dbinspect-member-check}
SHAPES=${SHAPES:-a b}
BIN=$WORK/bin
mkdir -p "$BIN"
export TMPDIR=$WORK

log() { echo "member-check: $*" >&2; }

log "building dbinspect, etcdbench, datadir36"
(cd "$ROOT" && go build -o "$BIN/dbinspect" ./cmd/dbinspect)
(cd "$ROOT/testdata/etcdbench" && go build -o "$BIN/etcdbench" .)
(cd "$ROOT/testdata/gen/datadir36" && go build -o "$BIN/datadir36" .)

shape_args() {
	case $1 in
	a) echo "-txns 2000 -ops 200 -value-size 700" ;;
	b) echo "-txns 400 -ops 2000 -value-size 100" ;;
	c) echo "-txns 8300 -ops 200 -value-size 700" ;;
	*) log "unknown shape $1"; exit 2 ;;
	esac
}

for s in $SHAPES; do
	if [ ! -d "$WORK/$s/member" ]; then
		log "writing shape $s with real etcd 3.6"
		# shellcheck disable=SC2046
		"$BIN/datadir36" -big "$WORK/$s" $(shape_args "$s")
	fi
	cp "$WORK/$s/member/snap/db" "$WORK/$s.db"
done

uptime >"$WORK/load_before.txt"
log "calibrate"
"$BIN/dbinspect" calibrate --calibration "$WORK/cal.json" >"$WORK/cal.log" 2>&1
for s in $SHAPES; do
	log "shape $s: restored-db starts, member restarts, prediction"
	"$BIN/etcdbench" startup -runs "$RUNS" "$WORK/$s.db" >"$WORK/restored-$s.json" 2>/dev/null
	"$BIN/datadir36" -time-restart "$WORK/$s" -runs "$RUNS" -work "$WORK" >"$WORK/member-$s.json"
	"$BIN/dbinspect" predict -o json --calibration "$WORK/cal.json" "$WORK/$s" >"$WORK/predict-$s.json"
	"$BIN/datadir36" -oracle "$WORK/$s" -work "$WORK" >"$WORK/oracle-$s.json"
done
uptime >"$WORK/load_after.txt"

python3 - "$WORK" $SHAPES <<'EOF'
import json, sys
work, shapes = sys.argv[1], sys.argv[2:]
print("load before: " + open(f"{work}/load_before.txt").read().strip())
print("load after:  " + open(f"{work}/load_after.txt").read().strip())
print()
print("| shape | WAL | loaded entries | real db-only start | real member restart | predicted | error | real member RSS | predicted RSS | error |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for s in shapes:
    r = json.load(open(f"{work}/restored-{s}.json"))
    m = json.load(open(f"{work}/member-{s}.json"))
    p = json.load(open(f"{work}/predict-{s}.json"))["member"]
    mr, rp = p["restart"][0], p["replay"]
    wal = sum(x["size_bytes"] for x in p["wal"]["segments"])
    err_t = (mr["startup_seconds"] - m["median_seconds"]) / m["median_seconds"] * 100
    err_r = (mr["rss_bytes"] - m["median_rss_bytes"]) / m["median_rss_bytes"] * 100
    print(f"| {s} | {wal/1e6:.0f} MB | {rp['loaded']['entries']:,} ({rp['loaded']['ops']:,} ops) | "
          f"{r['median_startup_seconds']:.2f} s | {m['median_seconds']:.2f} s ({min(m['seconds']):.2f}-{max(m['seconds']):.2f}) | "
          f"{mr['startup_seconds']:.2f} s | {err_t:+.0f}% | {m['median_rss_bytes']>>20} MiB | {mr['rss_bytes']>>20} MiB | {err_r:+.0f}% |")
print()
print("dbinspect's reading against etcd's (wal.OpenForRead + ReadAll at the snapshot etcd loads):")
print()
print("| shape | entries | first..last index | commit | data bytes | largest | requests | member/cluster IDs | all equal |")
print("|---|---:|---:|---:|---:|---:|---|---|---|")
for s in shapes:
    o = json.load(open(f"{work}/oracle-{s}.json"))["read"]
    p = json.load(open(f"{work}/predict-{s}.json"))["member"]
    rp, ent, w = p["replay"], p["entries"], p["wal"]
    mine_req = {k["kind"]: k["entries"] for k in ent["by_kind"] if not k["kind"].startswith("conf_")}
    got = (rp["loaded"]["entries"], rp["loaded"].get("first_index", 0), rp["loaded"].get("last_index", 0), rp["commit_index"],
           rp["loaded"]["data_bytes"], rp["largest_entry_bytes"], mine_req, (w["metadata"]["member_id"], w["metadata"]["cluster_id"]))
    want = (o["entries"], o["first_index"], o["last_index"], o["commit"], o["data_bytes"], o["max_data_bytes"], o["by_request"],
            (o["member_id"], o["cluster_id"]))
    cells = [f"{g} / {x}" if g != x else f"{g}" for g, x in zip(got[:6], want[:6])]
    print(f"| {s} | {cells[0]} | {got[1]}..{got[2]} | {cells[3]} | {cells[4]} | {cells[5]} | "
          f"{'same' if got[6] == want[6] else str(got[6]) + ' / ' + str(want[6])} | {'same' if got[7] == want[7] else 'DIFFER'} | {'yes' if got == want else 'NO'} |")
EOF
