#!/bin/bash
# one quiet job per db: scripts/startup-truth.sh with etcd 3.5.35, 3.6.16, 3.7.3
B=/work/big/startup10/bin
export DBINSPECT=$B/dbinspect ETCDBENCH35=$B/etcdbench35 ETCDBENCH36=$B/etcdbench36 ETCDBENCH37=$B/etcdbench37
for name in "$@"; do
  db=/work/big/shapes/startup-$name.db
  [ "$name" = random-700MiB ] && db=/work/big/etcd-700MiB-3Mrev.db
  out=/work/big/startup10/truth/truth-$name
  echo "$(date -u +%T) start $name" >> /work/big/startup10/truth.log
  timeout 900 /work/notes/bin/quiet /work/wt-startup10/scripts/startup-truth.sh $db $out > /dev/null 2>> /work/big/startup10/truth.log
  echo "$(date -u +%T) end $name rc=$?" >> /work/big/startup10/truth.log
  cat $out/summary.md >> /work/big/startup10/truth.log
done
