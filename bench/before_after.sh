#!/usr/bin/env bash
# bench/before_after.sh: two builds of the benchmarks, run interleaved (before, after, before, after, ...),
# so that a refactoring's cost shows above the machine's noise.
#
# Usage: bench/before_after.sh BEFORE_BENCH_DIR AFTER_BENCH_DIR [pairs=3]
#   e.g. bench/before_after.sh /tmp/kascade-before/bench build/release/bench 3
# Each directory holds transform_bench, embedded_stages_bench and cassandra_sink_bench. The Cassandra
# bench needs a node on 127.0.0.1:9042 (`scripts/services start cassandra`); set SKIP_CASSANDRA=1 to leave it out.
# Sizes: TRANSFORM_RECORDS (200000), STAGES_RECORDS (500000), CASSANDRA_RECORDS (100000).
set -euo pipefail
before=${1:?usage: bench/before_after.sh BEFORE_DIR AFTER_DIR [pairs]}
after=${2:?usage: bench/before_after.sh BEFORE_DIR AFTER_DIR [pairs]}
pairs=${3:-3}
transform_records=${TRANSFORM_RECORDS:-200000}
stages_records=${STAGES_RECORDS:-500000}
cassandra_records=${CASSANDRA_RECORDS:-100000}
export KASCADE_CASSANDRA_PASSWORD=${KASCADE_CASSANDRA_PASSWORD:-cassandra}

run_one() {  # label dir
  local label=$1 dir=$2
  echo "== $label: transform_bench $transform_records 3 (flagship, medians)"
  "$dir/transform_bench" "$transform_records" 3 | grep -E "^\(c\) flagship|^\(a\) bare simdjson dom"
  echo "== $label: embedded_stages_bench $stages_records"
  "$dir/embedded_stages_bench" "$stages_records"
  if [[ -z "${SKIP_CASSANDRA:-}" ]]; then
    echo "== $label: cassandra_sink_bench $cassandra_records"
    "$dir/cassandra_sink_bench" "$cassandra_records" 20000 store.cassandra.keyspace=bench_before_after \
      store.cassandra.username=cassandra store.cassandra.password_env=KASCADE_CASSANDRA_PASSWORD | tail -3
  fi
}

for ((pair = 1; pair <= pairs; ++pair)); do
  run_one "pair $pair, before" "$before"
  run_one "pair $pair, after" "$after"
done
