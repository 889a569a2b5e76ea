#!/bin/sh
# issue 17 part 2 check: one version a run ($1 = 35 or 36), under quiet
set -e
v=$1; cd /work/big/costs
echo "load before: $(cat /proc/loadavg)"
/tmp/costs-dbinspect calibrate --calibration /work/big/costs/cal-f$v.json > cal-f$v.log 2>&1
/tmp/costs-etcdcost$v follower -work /work/big/costs/f$v -spec pods:200000:2048:20 -rate 100 -db-out /work/big/costs/follower-$v.db > follower-$v.json 2> follower-$v.err
/tmp/costs-dbinspect report -o json --calibration /work/big/costs/cal-f$v.json --etcd-version 3.${v#3} --write-rate 100 follower-$v.db > follower-$v.report.json
rm -rf /work/big/costs/f$v
echo "load after: $(cat /proc/loadavg)"
