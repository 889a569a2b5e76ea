#!/bin/sh
# issue 17 part 1 check (and part 2's snapshot save): 'dbinspect calibrate' (which times ranges since
# d0a1f76), then real etcd ranges, versions in the order given ($@, e.g.
# 36 35), in one quiet run; then calibrate again, so the spread of the
# calibration over the run is known. Predictions (dbinspect report with each
# calibration, not timing) are made after, outside the quiet run.
# OUT=dir, PAGED_MAX=keys (read prefixes up to that many keys whole in
# pages too), SNAPSHOT=0 (no snapshot saves).
set -e
out=${OUT:-/work/big/costs/cal}; mkdir -p $out; cd $out
SPEC=pods:150000:2048:20,configmaps:10000:8192:10,events:600000:300:50
echo "start $(date -u +%H:%M:%S) load $(cat /proc/loadavg)"
/tmp/costs-dbinspect calibrate --calibration $out/cal-a.json > cal-a.log 2>&1
echo "calibrated $(date -u +%H:%M:%S) load $(cat /proc/loadavg)"
for v in "$@"; do
  /tmp/costs-etcdcost$v measure -work /work/big/costs/m$v -spec $SPEC -paged-max ${PAGED_MAX:-0} -db-out $out/ranges-$v.db > ranges-$v.json 2> ranges-$v.err
  rm -rf /work/big/costs/m$v
  echo "etcd $v ranges done $(date -u +%H:%M:%S) load $(cat /proc/loadavg)"
  # issue 17 part 2: etcdctl snapshot save while the db is written
  [ "${SNAPSHOT:-1}" = 0 ] || /tmp/costs-etcdcost$v snapshot -work /work/big/costs/s$v -spec pods:200000:2048:20 -rate 100 -runs 3 -db-out $out/snapshot-$v.db > snapshot-$v.json 2> snapshot-$v.err || echo "etcd $v snapshot FAILED"
  rm -rf /work/big/costs/s$v
  echo "etcd $v snapshot done $(date -u +%H:%M:%S) load $(cat /proc/loadavg)"
done
/tmp/costs-dbinspect calibrate --calibration $out/cal-b.json > cal-b.log 2>&1
echo "end $(date -u +%H:%M:%S) load $(cat /proc/loadavg)"
