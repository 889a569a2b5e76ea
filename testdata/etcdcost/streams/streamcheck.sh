#!/bin/sh
# issue 17: snapshot save and follower send vs calibrate's streams, one etcd version a run ($1 = 35 or 36), under quiet
set -e
v=$1; B=/work/big/lead10; cd $B
E=/tmp/lead-etcdcost; [ "$v" = 35 ] && E=/tmp/lead-etcdcost35
echo "load before: $(cat /proc/loadavg)"
./dbinspect calibrate --calibration $B/cal-$v-a.json > cal-$v-a.log 2>&1
$E snapshot -spec pods:200000:2048:20 -rate 100 -runs 3 -db-out $B/snap-$v.db > snap-$v.json 2> snap-$v.err
$E follower -spec pods:200000:2048:20 -rate 100 > follower-$v.json 2> follower-$v.err
./dbinspect calibrate --calibration $B/cal-$v-b.json > cal-$v-b.log 2>&1
for c in a b; do
  ./dbinspect report -q -o json --calibration cal-$v-$c.json --etcd-version 3.${v#3} --network-mbps 100000 snap-$v.db > snap-$v-$c.report.json || true
done
rm -f snap-$v.db
echo "load after: $(cat /proc/loadavg)"
