#!/usr/bin/env bash
# Measures 'dbinspect trend' on a series against reading the same files with
# cat (the floor: trend reads each file), on a warm page cache and on a cold
# one (each file of the series dropped from the cache before each command
# with dd iflag=nocache, which touches only these files), and its peak RSS
# against the single-file bound (25% of one file's size, the project's
# target; and 'dbinspect keys' on the largest member for reference).
#
# Usage: scripts/bench-trend.sh fixtures          # the committed fixtures, decompressed, as a series
#        scripts/bench-trend.sh FILE COPIES        # COPIES copies of one db (e.g. testdata/big/etcd-1GiB.db)
#
# The series goes to $BENCH_DIR/trend-series (default testdata/big, git-ignored)
# and is removed afterwards unless BENCH_KEEP=1. JOBS sets --jobs (default: cores).
# Prints a markdown table; nothing is appended anywhere.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIG=${BENCH_DIR:-$ROOT/testdata/big}
SERIES=$BIG/trend-series
OUT=$BIG/trend-out
BIN=$BIG/bin
JOBS=${JOBS:-$(nproc)}
mkdir -p "$BIN" "$OUT"
log() { echo "bench-trend: $*" >&2; }

[ $# -ge 1 ] || { echo "usage: $0 fixtures | FILE COPIES" >&2; exit 2; }
(cd "$ROOT" && go build -o "$BIN/dbinspect" ./cmd/dbinspect)

rm -rf "$SERIES"
mkdir -p "$SERIES"
[ "${BENCH_KEEP:-0}" = 1 ] || trap 'rm -rf "$SERIES"' EXIT
day=1
if [ "$1" = fixtures ]; then
	what="the committed fixtures (testdata/fixtures/*.db.gz), decompressed"
	for gz in "$ROOT"/testdata/fixtures/*.db.gz; do
		gunzip -c "$gz" >"$SERIES/etcd-$(printf '2026-11-%02d' $day)T00-00-00Z.db"
		day=$((day + 1))
	done
else
	src=$1
	copies=${2:?COPIES}
	what="$copies copies of $(basename "$src")"
	for _ in $(seq "$copies"); do
		cp "$src" "$SERIES/etcd-$(printf '2026-%02d-%02d' $(((day - 1) / 28 + 1)) $(((day - 1) % 28 + 1)))T00-00-00Z.db"
		day=$((day + 1))
	done
fi
files=("$SERIES"/*.db)
bytes=$(du -cb "${files[@]}" | awk 'END{print $1}')
largest=$(ls -S "${files[@]}" | head -1)

# measure NAME CMD...: wall seconds (shell clock), CPU seconds and peak RSS (GNU time).
measure() {
	local name=$1
	shift
	local t0 t1
	t0=$(date +%s%N)
	/usr/bin/time -v -o "$OUT/$name.time" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"
	t1=$(date +%s%N)
	WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", (b-a)/1e9}')
	RSS=$(awk -F': ' '/Maximum resident set size/{printf "%.0f", $2/1024}' "$OUT/$name.time")
	CPU=$(awk -F': ' '/User time|System time/{s+=$2} END{printf "%.2f", s}' "$OUT/$name.time")
}

cold() { for f in "${files[@]}"; do dd if="$f" iflag=nocache count=0 status=none; done; }
log "cold page cache"
cold
measure ccat sh -c 'cat "$@" >/dev/null' cat "${files[@]}"
ccatw=$WALL ccatc=$CPU
cold
measure ctrendn "$BIN/dbinspect" trend -q --jobs "$JOBS" -o json "$SERIES"
ctnw=$WALL ctnc=$CPU ctnr=$RSS
log "warm page cache"
cat "${files[@]}" >/dev/null
measure cat sh -c 'cat "$@" >/dev/null' cat "${files[@]}"
catw=$WALL catc=$CPU catr=$RSS
measure single "$BIN/dbinspect" keys -q -o json "$largest"
singlew=$WALL singlec=$CPU singler=$RSS
measure trend1 "$BIN/dbinspect" trend -q --jobs 1 -o json "$SERIES"
t1w=$WALL t1c=$CPU t1r=$RSS
measure trendn "$BIN/dbinspect" trend -q --jobs "$JOBS" -o json "$SERIES"
tnw=$WALL tnc=$CPU tnr=$RSS
members=$(jq '.members | length' "$OUT/trendn.out")
failed=$(jq '.failed | length' "$OUT/trendn.out")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b+0==0) print "-"; else printf "%.1fx", a/b }'; }
echo
echo "#### trend on ${#files[@]} files, $(awk -v b="$bytes" 'BEGIN{printf "%.0f MiB", b/1048576}'): $what"
echo
echo "- $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), commit $(cd "$ROOT" && git rev-parse --short HEAD); trend trended $members, failed $failed; largest file $(awk -v b="$(stat -c %s "$largest")" 'BEGIN{printf "%.0f MiB (25%%: %.0f MiB)", b/1048576, b/4194304}')"
echo
echo "| cache | command | wall | vs cat (wall) | CPU s | vs cat (CPU) | peak RSS |"
echo "|---|---|---:|---:|---:|---:|---:|"
echo "| cold | \`cat\` every file | ${ccatw} s | 1.0x | $ccatc | 1.0x | - |"
echo "| cold | \`dbinspect trend --jobs $JOBS\` | ${ctnw} s | $(ratio "$ctnw" "$ccatw") | $ctnc | $(ratio "$ctnc" "$ccatc") | ${ctnr} MiB |"
echo "| warm | \`cat\` every file | ${catw} s | 1.0x | $catc | 1.0x | ${catr} MiB |"
echo "| warm | \`dbinspect trend --jobs 1\` | ${t1w} s | $(ratio "$t1w" "$catw") | $t1c | $(ratio "$t1c" "$catc") | ${t1r} MiB |"
echo "| warm | \`dbinspect trend --jobs $JOBS\` | ${tnw} s | $(ratio "$tnw" "$catw") | $tnc | $(ratio "$tnc" "$catc") | ${tnr} MiB |"
echo "| warm | \`dbinspect keys\` on the largest file alone | ${singlew} s | - | $singlec | - | ${singler} MiB |"
