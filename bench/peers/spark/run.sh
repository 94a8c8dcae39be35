#!/usr/bin/env bash
# bench/peers/spark/run.sh: the tutorial stack's Spark job beside `kascade process -c configs/seed-compat.yaml`
# on the local Kafka broker and Cassandra node: PEERS_MESSAGES messages into a fresh topic of 1, then of 2
# partitions, PEERS_PAIRS interleaved Spark/kascade runs on each, the cell-by-cell check after each pair,
# a markdown table, a CSV and a plot. Not a test: CI does not run it. Exit 1 when the tables differ.
# Usage: bench/peers/spark/run.sh   (settings below, from the environment)
set -euo pipefail
cd "$(dirname "$0")/../../.."

kascade="$(realpath "${KASCADE_BIN:-build/release/kascade}")"
messages="${PEERS_MESSAGES:-200000}"       # messages per topic
pairs="${PEERS_PAIRS:-3}"                  # Spark, kascade pairs per partition count
partition_counts="${PEERS_PARTITIONS:-1,2}"
spark_keyspace="${PEERS_SPARK_KEYSPACE:-spark_streams}"
kascade_keyspace="${PEERS_KASCADE_KEYSPACE:-kascade_streams}"
csv="${PEERS_CSV:-.cache/peers/spark-runs.csv}"
png="${PEERS_PNG:-docs/peers-spark.png}"
work=.cache/peers/spark

[ -x "$kascade" ] || { echo "peers: no kascade binary at $kascade (scripts/build release)" >&2; exit 2; }
# shellcheck source=setup.sh
source bench/peers/spark/setup.sh
export PEERS_SPARK_KEYSPACE="$spark_keyspace"

rm -rf "$work"
mkdir -p "$work" "$(dirname "$csv")"
"$venv/bin/python" bench/peers/bench.py --peer spark --kascade "$kascade" --preset configs/seed-compat.yaml \
  --spark-submit "$(command -v spark-submit)" --spark-jars "$jars" --spark-keyspace "$spark_keyspace" \
  --kascade-keyspace "$kascade_keyspace" --messages "$messages" --pairs "$pairs" \
  --partition-counts "$partition_counts" --work "$work" --csv "$csv" --broker "${PEERS_BROKER:-127.0.0.1:9092}"
"$venv/bin/python" bench/peers/plot.py "$csv" "$png"
echo "peers: plot in $png, runs in $csv, logs in $work"
