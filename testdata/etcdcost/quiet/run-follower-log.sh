#!/bin/sh
# issue 17 part 2: the learner's snapshot phases from its info log ($1 = 35 or 36), under quiet
set -e
v=$1; cd /work/big/costs
echo "load before: $(cat /proc/loadavg)"
/tmp/costs-etcdcost$v follower -work /work/big/costs/fl$v -spec pods:200000:2048:20 -rate 100 -learner-log /work/big/costs/learner-$v.log > follower-log-$v.json 2> follower-log-$v.err
rm -rf /work/big/costs/fl$v
echo "load after: $(cat /proc/loadavg)"
