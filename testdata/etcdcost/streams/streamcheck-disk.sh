#!/bin/sh
# issue 17: snapshot save and follower send vs calibrate's streams, one etcd version a run ($1 = 35 or 36), under quiet
set -e
v=$1; B=/work/big/lead10; cd $B
E=/tmp/lead-etcdcost; [ "$v" = 35 ] && E=/tmp/lead-etcdcost35
echo "load before: $(cat /proc/loadavg)"
./dbinspect-2 calibrate --calibration $B/cal-disk$v-a.json > cal-disk$v-a.log 2>&1
$E snapshot -spec pods:200000:2048:20 -work $B/w$v -rate 100 -runs 3 -db-out $B/snapdisk-$v.db > snapdisk-$v.json 2> snapdisk-$v.err
$E follower -work $B/wf$v -spec pods:200000:2048:20 -rate 100 > followerdisk-$v.json 2> followerdisk-$v.err
./dbinspect-2 calibrate --calibration $B/cal-disk$v-b.json > cal-disk$v-b.log 2>&1
for c in a b; do
  ./dbinspect-2 report -q -o json --calibration cal-disk$v-$c.json --etcd-version 3.${v#3} --network-mbps 100000 snapdisk-$v.db > snapdisk-$v-$c.report.json || true
done
rm -rf snapdisk-$v.db $B/w$v $B/wf$v
echo "load after: $(cat /proc/loadavg)"
