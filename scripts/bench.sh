#!/usr/bin/env bash
# Benchmarks dbinspect against the tools an operator would otherwise run on
# the same etcd db: reading the file (dd, cat), bbolt stats, etcdutl snapshot
# status and a real etcd startup on a dir restored from the db; and runs the
# Go benchmarks of the page walk and the key scan on the same file.
#
# Usage: scripts/bench.sh [SIZE...]        (default: 1GiB; e.g. 1GiB 8GiB 700MiB-3Mrev 3Mkeys)
#
# Big dbs are generated once with testdata/etcdbench (real etcd 3.6 storage
# code) under testdata/big/ (git-ignored) and reused. Results are printed and
# appended to BENCHMARKS.md (set BENCH_NO_APPEND=1 to only print).
# Environment: BENCH_DIR (default testdata/big), STARTUP_RUNS (default 3),
# BENCH_COMPARE_BIN (another dbinspect build whose JSON report must match).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIG=${BENCH_DIR:-$ROOT/testdata/big}
BIN=$BIG/bin
RUNS=${STARTUP_RUNS:-3}
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(1GiB)
mkdir -p "$BIN"

log() { echo "bench: $*" >&2; }

if ! /usr/bin/time -v true >/dev/null 2>&1; then
	log "installing GNU time (apt-get install -y time)"
	apt-get install -y time >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y time >/dev/null; }
fi

log "building etcdbench"
(cd "$ROOT/testdata/etcdbench" && go build -o "$BIN/etcdbench" .)
if [ ! -x "$BIN/bbolt" ]; then
	log "installing the bbolt CLI v1.4.3"
	(cd /tmp && GOBIN="$BIN" go install go.etcd.io/bbolt/cmd/bbolt@v1.4.3)
fi
HAVE_DBINSPECT=0
if (cd "$ROOT" && go build -o "$BIN/dbinspect" ./cmd/dbinspect &&
	go test -c -o "$BIN/pages.test" ./pages && go test -c -o "$BIN/mvcc.test" ./mvcc) 2>"$BIG/dbinspect-build.log"; then
	HAVE_DBINSPECT=1
else
	log "dbinspect does not build yet (see $BIG/dbinspect-build.log): its rows are skipped"
fi

# measure NAME CMD...: runs CMD once, output to $BIG/out/NAME.{out,err}, sets
# WALL (seconds, from the shell's clock) and RSS (peak KiB, GNU time).
mkdir -p "$BIG/out"
measure() {
	local name=$1
	shift
	local t0 t1 rc=0
	t0=$(date +%s%N)
	/usr/bin/time -v -o "$BIG/out/$name.time" "$@" >"$BIG/out/$name.out" 2>"$BIG/out/$name.err" || rc=$?
	t1=$(date +%s%N)
	WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", (b-a)/1e9}')
	RSS=$(awk -F': ' '/Maximum resident set size/{print $2}' "$BIG/out/$name.time")
	CPU=$(awk -F': ' '/User time|System time/{s+=$2} END{printf "%.2f", s}' "$BIG/out/$name.time")
	STATUS=ok
	[ $rc -eq 0 ] || STATUS="failed (exit $rc, see $BIG/out/$name.err)"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a=="" || b=="" || b+0==0) print "-"; else printf "%.2f", a/b }'; }
mib() { awk -v k="$1" 'BEGIN{printf "%.0f", k/1024}'; }
pct() { awk -v k="$1" -v f="$2" 'BEGIN{printf "%.1f%%", 100*k*1024/f}'; }

machine() {
	echo "- Machine: $(nproc) CPUs, $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)"
	echo "- Memory: $(free -h | awk '/^Mem:/{print $2 " total, " $7 " available"}')"
	echo "- Kernel: $(uname -sr); $(go version | awk '{print $3}')"
	echo "- Disk: $(df -h "$BIG" | awk 'NR==2{print $1 " " $2 " (" $5 " used)"}')"
	echo "- dbinspect commit: $(cd "$ROOT" && git rev-parse --short HEAD)"
}

# shape SIZE: the bigdb flags of a named db. The many-key shapes (issue
# 16) keep ~100-byte values and about two revisions a key, the file size in
# proportion to the keys, so that report's time can be fitted against the
# number of revisions; 700MiB-3Mrev is issue 8's 1.5M-key example.
shape() {
	case $1 in
	700MiB-3Mrev) echo "-size 700MiB -keys 1500000 -value-size 150 -revs-per-key 2 -keep-revs 2" ;;
	0.5Mkeys) echo "-size 200MiB -keys 500000 -value-size 100 -revs-per-key 2 -keep-revs 2" ;;
	1.5Mkeys) echo "-size 600MiB -keys 1500000 -value-size 100 -revs-per-key 2 -keep-revs 2" ;;
	3Mkeys) echo "-size 1200MiB -keys 3000000 -value-size 100 -revs-per-key 2 -keep-revs 2" ;;
	*) echo "-size $1" ;;
	esac
}

RESULTS=$(mktemp)
{
	echo
	echo "### Run of $(date -u '+%Y-%m-%d %H:%M UTC'): ${SIZES[*]}"
	echo
	machine
	echo "- Warm page cache: every command runs right after the file was read with dd."
	echo "- Wall = whole process, from the shell's clock; CPU = user + system seconds and peak RSS = maximum resident set size, both from GNU time. The machine is shared: under load, CPU seconds compare better than wall."
	echo "- etcd startup = median time from embed.StartEtcd to ReadyNotify over $RUNS runs, each in a fresh child on a fresh copy of a dir restored with etcdutl (testdata/etcdbench startup); its RSS is the child's peak (VmHWM)."
} >>"$RESULTS"

for size in "${SIZES[@]}"; do
	db=$BIG/etcd-$size.db
	if [ ! -f "$db" ]; then
		log "generating $db"
		# shellcheck disable=SC2046
		"$BIN/etcdbench" bigdb $(shape "$size") -out "$db" >"$BIG/etcd-$size.json"
	fi
	fsize=$(stat -c %s "$db")
	log "$db: $fsize bytes"
	# The startup runs restore the db once and copy the restored dir per
	# run, in the temp dir: about twice the file at a time.
	free=$(df -B1 --output=avail "${TMPDIR:-/tmp}" | tail -1)
	if [ "$free" -lt $((fsize * 5 / 2)) ]; then
		log "warning: ${TMPDIR:-/tmp} has $((free >> 30)) GiB free; etcd's startup runs need about $((fsize * 5 / 2 >> 30)) GiB"
	fi
	dd if="$db" of=/dev/null bs=1M 2>/dev/null
	LOAD=$(cut -d' ' -f1-3 /proc/loadavg)

	declare -A W=() R=() C=() S=()
	run() {
		local key=$1
		shift
		log "$size: $key"
		# Re-warm: the startup runs copy the file and may evict it.
		dd if="$db" of=/dev/null bs=1M 2>/dev/null
		measure "$size-$key" "$@"
		W[$key]=$WALL R[$key]=$RSS C[$key]=$CPU S[$key]=$STATUS
	}
	run dd dd if="$db" of=/dev/null bs=1M
	run cat sh -c 'cat "$1" >/dev/null' cat "$db"
	run bbolt "$BIN/bbolt" stats "$db"
	run etcdutl "$BIN/etcdbench" status -db "$db"
	run startup "$BIN/etcdbench" startup -runs "$RUNS" -db "$db"
	if [ "${S[startup]}" = ok ]; then
		W[etcd]=$(jq -r '.median_startup_seconds*1000|round/1000' "$BIG/out/$size-startup.out")
		SERVER=$(jq -r '.median_server_created_seconds*1000|round/1000' "$BIG/out/$size-startup.out")
		hwm=$(jq -r .max_peak_rss_bytes "$BIG/out/$size-startup.out")
		R[etcd]=$(awk -v b="$hwm" 'BEGIN{printf "%d", b/1024}')
		W[restore]=$(jq -r '.restore_seconds*1000|round/1000' "$BIG/out/$size-startup.out")
		ETCD_MEM=$(jq -r '"\(.median_rss_anon_bytes/1048576|round) MiB anonymous + \(.median_rss_file_bytes/1048576|round) MiB file-backed (the db mmap, populated at open)"' "$BIG/out/$size-startup.out")
		S[etcd]=ok
		W[server]=$SERVER R[server]=${R[etcd]} S[server]=ok
	else
		S[etcd]=${S[startup]}
	fi
	if [ $HAVE_DBINSPECT = 1 ]; then
		run pages "$BIN/dbinspect" pages "$db"
		run report "$BIN/dbinspect" report "$db"
		# BENCH_COMPARE_BIN=OLD-DBINSPECT: the JSON report of this build
		# and of OLD, compared byte for byte (a rewrite must not move a
		# figure; issue 16).
		if [ -n "${BENCH_COMPARE_BIN:-}" ]; then
			"$BIN/dbinspect" report -q -o json "$db" >"$BIG/out/$size-new.json" || true
			"$BENCH_COMPARE_BIN" report -q -o json "$db" >"$BIG/out/$size-old.json" || true
			if [ -s "$BIG/out/$size-new.json" ] && cmp -s "$BIG/out/$size-new.json" "$BIG/out/$size-old.json"; then
				COMPARED="identical ($(stat -c %s "$BIG/out/$size-new.json") bytes)"
			else
				COMPARED="DIFFERENT (see $BIG/out/$size-{new,old}.json)"
			fi
		fi
		# The Go benchmarks of the page walk (issue 3) and the key scan
		# (issue 5), in the same sitting: their lines go in the results.
		run goanalyze env -C "$ROOT/pages" DBINSPECT_BIG_DB="$db" "$BIN/pages.test" -test.run '^$' -test.bench '^BenchmarkAnalyze$' -test.benchtime 3x -test.benchmem
		run goscan env -C "$ROOT/mvcc" DBINSPECT_BIG_DB="$db" "$BIN/mvcc.test" -test.run '^$' -test.bench '^BenchmarkScan$' -test.benchtime 3x -test.benchmem
	fi

	{
		echo
		echo "#### $(basename "$db"): $fsize bytes ($(mib $((fsize / 1024))) MiB)"
		[ -f "$BIG/etcd-$size.json" ] && echo && echo "Generated by etcdbench bigdb: $(jq -c '{keys, deleted_keys, puts, revision, compact_revision, leases, leased_keys, seconds: (.seconds*10|round/10)}' "$BIG/etcd-$size.json")"
		echo
		echo
		echo "Load average before this file: $LOAD."
		echo
		echo "| command | wall s | CPU s | peak RSS MiB | RSS % of file | x dd | x bbolt stats | x etcdutl status | x etcd startup | status |"
		echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
		row() {
			local key=$1 label=$2
			if [ -z "${S[$key]:-}" ]; then
				echo "| $label | - | - | - | - | - | - | - | - | skipped: dbinspect CLI not built |"
				return
			fi
			# A failed command (etcd out of disk, say) has no wall time.
			local w=${W[$key]:-}
			echo "| $label | ${w:--} | ${C[$key]:--} | $(mib "${R[$key]:-0}") | $(pct "${R[$key]:-0}" "$fsize") | $(ratio "$w" "${W[dd]:-}") | $(ratio "$w" "${W[bbolt]:-}") | $(ratio "$w" "${W[etcdutl]:-}") | $(ratio "$w" "${W[etcd]:-}") | ${S[$key]} |"
		}
		row dd '`dd if=FILE of=/dev/null bs=1M`'
		row cat '`cat FILE >/dev/null`'
		row bbolt '`bbolt stats FILE` (v1.4.3)'
		row etcdutl 'etcdutl snapshot status (3.6.16 code)'
		row etcd "etcd 3.6.16 startup, restored dir (median of $RUNS)"
		row server "etcd 3.6.16 startup to server created, before the election (median)"
		row pages '`dbinspect pages FILE`'
		row report '`dbinspect report FILE`'
		row goanalyze '`go test ./pages -bench Analyze` (3 walks, one process)'
		row goscan '`go test ./mvcc -bench Scan` (3 key scans, one process)'
		if [ "${S[goanalyze]:-}" = ok ] && [ "${S[goscan]:-}" = ok ]; then
			echo
			echo "Go benchmarks (ns/op is one walk or one scan; the page walk's MB/s is over the whole file; peak-heap-MiB is sampled every 20 ms):"
			echo
			echo '```'
			grep -h '^Benchmark' "$BIG/out/$size-goanalyze.out" "$BIG/out/$size-goscan.out"
			echo '```'
		fi
		[ -n "${W[restore]:-}" ] && echo && echo "etcdutl snapshot restore of this file took ${W[restore]} s; the whole startup command (restore, $RUNS copies, $RUNS starts) ${W[startup]} s. etcd's median RSS once ready: $ETCD_MEM. \"Server created\" is StartEtcd to etcd's \"fast-forwarding election ticks\" log line: backend opened, WAL read, lessor and mvcc store restored, before the leader election, whose random delay (up to ~1 s) is part of every real startup."
		if [ $HAVE_DBINSPECT = 1 ] && [ "${S[pages]}" = ok ] && [ "${S[report]}" = ok ]; then
			echo
			echo "Targets: pages <= 2x bbolt stats: $(ratio "${W[pages]}" "${W[bbolt]:-}")x;" \
				"report <= 0.5x etcdutl status: $(ratio "${W[report]}" "${W[etcdutl]:-}")x;" \
				"report <= 0.25x etcd startup: $(ratio "${W[report]}" "${W[etcd]:-}")x;" \
				"peak RSS <= 25% of file: pages $(pct "${R[pages]}" "$fsize"), report $(pct "${R[report]}" "$fsize")."
		fi
		[ -n "${COMPARED:-}" ] && echo && echo "JSON of \`report -q -o json\` against $(basename "$BENCH_COMPARE_BIN") ($("$BENCH_COMPARE_BIN" version 2>/dev/null | head -1 || true)): $COMPARED."
	} >>"$RESULTS"
	unset W R C S COMPARED
done

cat "$RESULTS"
if [ "${BENCH_NO_APPEND:-0}" != 1 ]; then
	cat "$RESULTS" >>"$ROOT/BENCHMARKS.md"
	log "appended to $ROOT/BENCHMARKS.md"
fi
rm -f "$RESULTS"
