#!/usr/bin/env bash
# calibrate-spread.sh OUTDIR TIMEDDB [DB...]: issue 14's back-to-back
# calibration check, in ONE run (run it under the machine's 'quiet' wrapper):
# CALS (default 3) 'dbinspect calibrate' runs back to back, then ROUNDS
# (default 3) rounds each of one real etcd start of TIMEDDB per version
# (testdata/etcdbench* 'startup -runs 1') and 'dbinspect predict' of every
# db with each calibration. summary.md gives, per db and version, the
# prediction with each calibration, the error against the real median where
# TIMEDDB was started, and the spread (max - min) in points of that median
# (of the median prediction for a db not started here).
#
# Environment: DBINSPECT (default: dbinspect on PATH), ETCDBENCH35,
# ETCDBENCH36, ETCDBENCH37 (a version whose binary is unset is not started),
# CALS, ROUNDS.
set -euo pipefail
out=${1:?usage: calibrate-spread.sh OUTDIR TIMEDDB [DB...]}
shift
[ $# -ge 1 ] || { echo "usage: calibrate-spread.sh OUTDIR TIMEDDB [DB...]" >&2; exit 2; }
dbi=${DBINSPECT:-dbinspect}
cals=${CALS:-3}
rounds=${ROUNDS:-3}
mkdir -p "$out"
: > "$out/commands.txt"
log() { echo "$*" | tee -a "$out/commands.txt" >&2; }
log "# $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg)"
for c in $(seq 1 "$cals"); do
	log "$dbi calibrate --calibration $out/cal-$c.json > $out/cal-$c.txt   # $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
	"$dbi" calibrate --calibration "$out/cal-$c.json" > "$out/cal-$c.txt"
done
declare -A bench=([3.5]=${ETCDBENCH35:-} [3.6]=${ETCDBENCH36:-} [3.7]=${ETCDBENCH37:-})
: > "$out/dbs.txt"
i=0
for db in "$@"; do
	i=$((i + 1))
	echo "$i $db $(stat -c %s "$db")" >> "$out/dbs.txt"
	for c in $(seq 1 "$cals"); do
		log "$dbi predict -q -o json --calibration $out/cal-$c.json $db > $out/predict-db$i-cal$c.json   # predict section kept"
		"$dbi" predict -q -o json --calibration "$out/cal-$c.json" "$db" |
			python3 -c 'import json, sys; json.dump({"predict": json.load(sys.stdin)["predict"]}, sys.stdout, indent=1)' > "$out/predict-db$i-cal$c.json"
		if [ "$i" = 1 ] && [ "$c" -le "$rounds" ]; then
			for v in 3.5 3.6 3.7; do
				b=${bench[$v]}
				[ -n "$b" ] || continue
				log "$b startup -runs 1 -db $db > $out/etcd$v-$c.json   # $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
				"$b" startup -runs 1 -db "$db" > "$out/etcd$v-$c.json" 2>> "$out/etcd.log"
			done
		fi
	done
done
log "# $(date -u +%FT%TZ) load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$out" "$cals" <<'PY'
import json, os, statistics, sys
out, cals = sys.argv[1], int(sys.argv[2])
dbs = [l.split() for l in open(f"{out}/dbs.txt")]
rows = []
for i, db, size in dbs:
    for v in ("3.5", "3.6", "3.7"):
        preds = []
        for c in range(1, cals + 1):
            p = json.load(open(f"{out}/predict-db{i}-cal{c}.json"))["predict"]
            preds += [bv["startup_seconds"] for bv in p["by_version"] if bv["version"] == v]
        real = [json.load(open(f"{out}/etcd{v}-{c}.json"))["median_startup_seconds"]
                for c in range(1, cals + 1) if os.path.exists(f"{out}/etcd{v}-{c}.json")] if i == "1" else []
        cells = " / ".join(f"{p:.2f}" for p in preds)
        if real:
            m = statistics.median(real)
            errs = " / ".join(f"{100*(p-m)/m:+.0f}%" for p in preds)
            rows.append(f"| {os.path.basename(db)} | {v} | {m:.2f} s ({min(real):.2f}-{max(real):.2f}, {len(real)} starts) | {cells} | {errs} | {100*(max(preds)-min(preds))/m:.1f} |")
        else:
            m = statistics.median(preds)
            rows.append(f"| {os.path.basename(db)} | {v} | not started here | {cells} | | {100*(max(preds)-min(preds))/m:.1f} (of the median prediction) |")
with open(f"{out}/summary.md", "w") as f:
    f.write("| db | etcd | real start: median (range, starts) | predicted with cal-1 / cal-2 / cal-3 (s) | error | spread (points) |\n|---|---|---|---|---|---:|\n")
    f.write("\n".join(rows) + "\n")
print(open(f"{out}/summary.md").read())
PY
