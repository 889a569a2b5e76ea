#!/usr/bin/env bash
# diag: calibrate, then etcd's own storage open + restore (etcdbench restore) of 3.5/3.6/3.7
# against the model's stage figures, on the long-history db and member shape b's dbs.
set -euo pipefail
B=/work/big/startup10/bin
O=/work/big/startup10/diag1
W=/dev/shm/startup10-member
export TMPDIR=/dev/shm
cp $W/b35/member/snap/db $W/b35-only.db
cp $W/b36/member/snap/db $W/b36-only.db
echo "# $(date -u +%FT%TZ) $(cat /proc/loadavg)" > $O/log.txt
$B/dbinspect calibrate --calibration $O/cal.json > $O/calibrate.txt
H=/work/big/shapes/startup-history-700MiB.db
for db in $H $W/b35-only.db $W/b36-only.db; do
  n=$(basename $db .db)
  $B/dbinspect predict -q -o json --calibration $O/cal.json $db | python3 -c 'import json, sys; json.dump({"predict": json.load(sys.stdin)["predict"]}, sys.stdout, indent=1)' > $O/predict-$n.json
done
for r in 1 2 3; do
  for v in 35 36 37; do
    echo "# $(date -u +%T) $(cat /proc/loadavg) restore $v history $r" >> $O/log.txt
    $B/etcdbench$v restore -db $H > $O/restore$v-history-$r.json
  done
  for v in 35 36; do
    echo "# $(date -u +%T) $(cat /proc/loadavg) restore $v b35/b36 $r" >> $O/log.txt
    $B/etcdbench$v restore -db $W/b$v-only.db > $O/restore$v-b$v-$r.json
  done
done
echo "# $(date -u +%FT%TZ) $(cat /proc/loadavg) end" >> $O/log.txt
