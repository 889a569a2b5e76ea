#!/usr/bin/env python3
"""startup-truth-table.py DIR...: README rows (markdown) from scripts/startup-truth.sh
output dirs, worst error first: per db and etcd version the median real start
(range and count of starts), the median prediction, the error, the server_created
part of the real starts (all the work before the election: storage, WAL, restore),
RSS real and predicted, and the run's time (UTC) from commands.txt."""
import json, os, re, statistics, sys

# The shapes of testdata/startup-truth/README.md, by file name.
LABELS = {
    "startup-history-700MiB.db": "few keys, long histories (all key-cache hits)",
    "startup-ascending-700MiB.db": "strictly ascending (sequential lookups)",
    "startup-streams-700MiB.db": "8 interleaved ascending streams (sequential lookups)",
    "startup-bursts-700MiB.db": "bursts of 8 writes of a key (80% hits, far lookups)",
    "startup-k8s-300MiB.db": "Kubernetes-like mix",
    "startup-k8s-700MiB.db": "Kubernetes-like mix",
    "startup-k8s-2GiB.db": "Kubernetes-like mix",
    "etcd-700MiB-3Mrev.db": "uniform random rewrites (far lookups)",
}

rows = []
for d in sys.argv[1:]:
    cmds = open(os.path.join(d, "commands.txt")).read()
    m = re.search(r"db: (\S+) \((\d+) bytes\)", cmds)
    db, size = m.group(1), int(m.group(2))
    times = re.findall(r"^# (\d{4}-\d\d-\d\dT(\d\d:\d\d))", cmds, re.M)
    when = f"{times[0][1]}-{times[-1][1]}" if times else "?"
    preds = []
    r = 1
    while os.path.exists(os.path.join(d, f"predict-{r}.json")):
        preds.append(json.load(open(os.path.join(d, f"predict-{r}.json")))["predict"])
        r += 1
    rounds = len(preds)
    inputs, pattern = {}, ""
    for mo in preds[0]["models"]:
        if mo["name"] == "startup":
            inputs = mo["inputs"]
            for a in mo["assumptions"]:
                if a.startswith("access pattern"):
                    pattern = a
    for v in ("3.5", "3.6", "3.7"):
        real = [json.load(open(os.path.join(d, f"etcd{v}-{i}.json"))) for i in range(1, rounds + 1)
                if os.path.exists(os.path.join(d, f"etcd{v}-{i}.json"))]
        if not real:
            continue
        secs = sorted(x["median_startup_seconds"] for x in real)
        server = sorted(x["median_server_created_seconds"] for x in real)
        rss = statistics.median(x["median_rss_bytes"] for x in real)
        ps, pr = [], []
        for p in preds:
            for bv in p["by_version"]:
                if bv["version"] == v:
                    ps.append(bv["startup_seconds"])
                    pr.append(bv["memory"]["rss_bytes"])
        med, pmed, prss = statistics.median(secs), statistics.median(ps), statistics.median(pr)
        err = 100 * (pmed - med) / med
        label = LABELS.get(os.path.basename(db), os.path.basename(db))
        rows.append((abs(err), f"| {label}, {size/1e6:.0f} MB, {inputs.get('keys', 0):,} keys, {inputs.get('revisions', 0):,} revisions | {v} | "
                     f"{med:.2f} s ({secs[0]:.2f}-{secs[-1]:.2f}, {len(secs)}) | {statistics.median(server):.2f} s ({server[0]:.2f}-{server[-1]:.2f}) | {pmed:.2f} s | {err:+.0f}% | "
                     f"{rss/2**20:.0f} MiB | {prss/2**20:.0f} MiB ({100*(prss-rss)/rss:+.0f}%) | {when} |"))
print("| db | etcd | real start: median (range, starts) | real server_created | predicted | error | real RSS | predicted RSS | run (UTC) |")
print("|---|---|---:|---:|---:|---:|---:|---:|---|")
for _, row in sorted(rows, key=lambda r: -r[0]):
    print(row)
