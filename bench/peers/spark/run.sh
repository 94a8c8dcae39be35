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
venv=.cache/peers-venv
ivy="$(pwd)/.cache/peers/ivy"
# The Kafka source and the Cassandra connector of Spark 3.5.1 (Scala 2.12), from Maven.
packages=org.apache.spark:spark-sql-kafka-0-10_2.12:3.5.1,com.datastax.spark:spark-cassandra-connector_2.12:3.5.1

[ -x "$kascade" ] || { echo "peers: no kascade binary at $kascade (scripts/build release)" >&2; exit 2; }
requirements=bench/peers/spark/requirements.txt
if ! cmp -s "$requirements" "$venv/requirements.txt" 2>/dev/null; then
  echo "peers: installing PySpark, the Cassandra and Kafka clients and matplotlib into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$venv/requirements.txt"
fi
export PATH="$(realpath "$venv")/bin:$PATH"
export SPARK_HOME="$("$venv/bin/python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')"
export PYSPARK_PYTHON="$(realpath "$venv")/bin/python" SPARK_LOCAL_IP=127.0.0.1
export PEERS_SPARK_KEYSPACE="$spark_keyspace"

# Resolve the packages once into the ivy cache (outside the timed runs); the runs get them as --jars.
if [ ! -f "$ivy/resolved-$packages" ]; then
  echo "peers: resolving $packages into $ivy"
  rm -rf "$ivy/jars" "$ivy"/resolved-*
  mkdir -p "$ivy"
  resolve="$(mktemp --suffix=.py)"
  echo 'from pyspark.sql import SparkSession; SparkSession.builder.getOrCreate().stop()' >"$resolve"
  spark-submit --master 'local[1]' --driver-memory 1g --conf spark.ui.enabled=false --conf spark.jars.ivy="$ivy" \
    --packages "$packages" "$resolve" >"$ivy/resolve.log" 2>&1 ||
    { echo "peers: resolving the Spark packages failed (see $ivy/resolve.log)" >&2; exit 1; }
  rm -f "$resolve"
  touch "$ivy/resolved-$packages"
fi
jars="$(ls "$ivy"/jars/*.jar | paste -sd, -)"

rm -rf "$work"
mkdir -p "$work" "$(dirname "$csv")"
"$venv/bin/python" bench/peers/bench.py --peer spark --kascade "$kascade" --preset configs/seed-compat.yaml \
  --spark-submit "$(command -v spark-submit)" --spark-jars "$jars" --spark-keyspace "$spark_keyspace" \
  --kascade-keyspace "$kascade_keyspace" --messages "$messages" --pairs "$pairs" \
  --partition-counts "$partition_counts" --work "$work" --csv "$csv"
"$venv/bin/python" bench/peers/plot.py "$csv" "$png"
echo "peers: plot in $png, runs in $csv, logs in $work"
