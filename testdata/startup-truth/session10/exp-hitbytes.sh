#!/bin/bash
cd /dev/shm
for r in 1 2 3; do for v in 150 600 300; do
  echo "v=$v $(PIPELINE_VALUE_LEN=$v /work/big/startup10/bin/measure.test -test.run '^$' -test.bench 'RestorePipelineHits$' -test.benchtime 5x 2>&1 | grep Benchmark)"
done; done
