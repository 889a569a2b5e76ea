#!/usr/bin/env bash
# startup-truth.sh DB OUTDIR: issue 14's ground truth for one db, in ONE run
# (run it under the machine's 'quiet' wrapper): 'dbinspect calibrate', then
# ROUNDS rounds each alternating 'dbinspect predict' with that calibration and
# one real etcd start per version restored from DB (testdata/etcdbench*
# 'startup -runs 1': a fresh data dir restored from the db, etcd started until
# ready, RSS read). Raw outputs and the commands go to OUTDIR; summary.md
# lists real and predicted per version.
#
# Environment: DBINSPECT (default: dbinspect on PATH), ETCDBENCH35,
# ETCDBENCH36, ETCDBENCH37 (etcdbench binaries built from testdata/etcdbench35,
# etcdbench, etcdbench37; a version whose binary is unset is skipped and the
# summary says so), ROUNDS (default 3).
set -euo pipefail
db=${1:?usage: startup-truth.sh DB OUTDIR}
out=${2:?usage: startup-truth.sh DB OUTDIR}
dbi=${DBINSPECT:-dbinspect}
rounds=${ROUNDS:-3}
mkdir -p "$out"
log() { echo "$*" | tee -a "$out/commands.txt" >&2; }
: > "$out/commands.txt"
log "# $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg) db: $db ($(stat -c %s "$db") bytes)"
log "$dbi calibrate --calibration $out/cal.json"
"$dbi" calibrate --calibration "$out/cal.json" > "$out/calibrate.txt"
declare -A bench=([3.5]=${ETCDBENCH35:-} [3.6]=${ETCDBENCH36:-} [3.7]=${ETCDBENCH37:-})
for r in $(seq 1 "$rounds"); do
	log "$dbi predict -q -o json --calibration $out/cal.json $db > $out/predict-$r.json   # only its predict section kept"
	"$dbi" predict -q -o json --calibration "$out/cal.json" "$db" |
		python3 -c 'import json, sys; json.dump({"predict": json.load(sys.stdin)["predict"]}, sys.stdout, indent=1)' > "$out/predict-$r.json"
	for v in 3.5 3.6 3.7; do
		b=${bench[$v]}
		[ -n "$b" ] || continue
		log "$b startup -runs 1 -db $db > $out/etcd$v-$r.json   # load $(cut -d' ' -f1-3 /proc/loadavg)"
		"$b" startup -runs 1 -db "$db" > "$out/etcd$v-$r.json" 2>> "$out/etcd.log"
	done
done
log "# $(date -u +%FT%TZ) load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$out" "$rounds" <<'PY'
import json, sys, statistics, os
out, rounds = sys.argv[1], int(sys.argv[2])
rows = []
for v in ("3.5", "3.6", "3.7"):
    real = [json.load(open(f"{out}/etcd{v}-{r}.json")) for r in range(1, rounds + 1) if os.path.exists(f"{out}/etcd{v}-{r}.json")]
    pred = []
    for r in range(1, rounds + 1):
        p = json.load(open(f"{out}/predict-{r}.json"))["predict"]
        for bv in p["by_version"]:
            if bv["version"] == v:
                pred.append((bv["startup_seconds"], bv["memory"]["rss_bytes"]))
    if not real:
        rows.append(f"| {v} | not run (no etcdbench binary for it) | | | | |")
        continue
    secs = sorted(x["median_startup_seconds"] for x in real)
    rss = statistics.median(x["median_rss_bytes"] for x in real)
    ps = statistics.median(p[0] for p in pred)
    pr = statistics.median(p[1] for p in pred)
    m = statistics.median(secs)
    rows.append(f"| {v} | {m:.2f} s ({secs[0]:.2f}-{secs[-1]:.2f}, {len(secs)} starts) | {ps:.2f} s | {100*(ps-m)/m:+.0f}% | {rss/2**20:.0f} MiB | {pr/2**20:.0f} MiB ({100*(pr-rss)/rss:+.0f}%) |")
with open(f"{out}/summary.md", "w") as f:
    f.write("| etcd | real start: median (range, starts) | predicted | error | real RSS | predicted RSS |\n|---|---|---:|---:|---:|---:|\n")
    f.write("\n".join(rows) + "\n")
print(open(f"{out}/summary.md").read())
PY
