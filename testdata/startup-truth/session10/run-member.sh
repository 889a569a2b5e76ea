#!/bin/bash
# member restart sets b and c (issue 15), each one quiet job, calibrate in the same run
cd /work/wt-startup10
for s in "$@"; do
  R=/work/big/startup10/member-set11$s
  mkdir -p $R
  if [ "$s" = c ] && [ ! -d /dev/shm/startup10-member/c36/member ]; then
    WORK=/dev/shm/startup10-member SHAPES=c SKIP_BUILD=1 GEN_ONLY=1 /work/notes/bin/heavy scripts/member_restart_check.sh >> /work/big/startup10/member.log 2>&1
  fi
  echo "$(date -u +%T) start member $s" >> /work/big/startup10/member.log
  timeout 900 /work/notes/bin/quiet env WORK=/dev/shm/startup10-member RESULTS=$R SKIP_BUILD=1 SHAPES=$s scripts/member_restart_check.sh 3 > $R/out.md 2>> /work/big/startup10/member.log
  echo "$(date -u +%T) end member $s rc=$?" >> /work/big/startup10/member.log
done
