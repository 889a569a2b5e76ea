#!/usr/bin/env bash
# etcd 3.6 vs 3.7 store restore alone (etcdbench restore) on the streams and ascending dbs, alternating
set -euo pipefail
B=/work/big/startup10/bin; O=/work/big/startup10/diag2
for r in 1 2 3; do for db in streams ascending; do for v in 36 37; do
  echo "# $(date -u +%T) $(cut -d' ' -f1-3 /proc/loadavg) restore $v $db $r" >> $O/log.txt
  $B/etcdbench$v restore -db /work/big/shapes/startup-$db-700MiB.db > $O/restore$v-$db-$r.json
done; done; done
