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
EOF
