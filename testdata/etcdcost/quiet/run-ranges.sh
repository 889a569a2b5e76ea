#!/bin/sh
# issue 17 part 1: range wall time on a quiet machine ($1 = 35 or 36)
set -e
v=$1; cd /work/big/costs
SPEC=pods:150000:2048:20,configmaps:10000:8192:10,events:600000:300:50
echo "load before: $(cat /proc/loadavg)"
/tmp/costs-etcdcost$v measure -work /work/big/costs/m$v -spec $SPEC -db-out /work/big/costs/ranges-$v.db > ranges-$v.json 2> ranges-$v.err
rm -rf /work/big/costs/m$v
echo "load after: $(cat /proc/loadavg)"
