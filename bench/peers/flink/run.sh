#!/usr/bin/env bash
# bench/peers/flink/run.sh: the tutorial's job on Flink (bench/peers/flink, built with mvn) beside `kascade
# process -c configs/seed-compat.yaml`, as bench/peers/spark/run.sh does it for Spark: PEERS_MESSAGES messages
# into a fresh topic of 1, then of 2 partitions, PEERS_PAIRS interleaved runs on each, the cell-by-cell check
# after each pair, a markdown table, a CSV and a plot. Not a test: CI does not run it. Exit 1 when the tables differ.
set -euo pipefail
cd "$(dirname "$0")/../../.."

kascade="$(realpath "${KASCADE_BIN:-build/release/kascade}")"
messages="${PEERS_MESSAGES:-200000}"
pairs="${PEERS_PAIRS:-3}"
partition_counts="${PEERS_PARTITIONS:-1,2}"
flink_keyspace="${PEERS_FLINK_KEYSPACE:-flink_streams}"
kascade_keyspace="${PEERS_KASCADE_KEYSPACE:-kascade_streams}"
csv="${PEERS_CSV:-.cache/peers/flink-runs.csv}"
png="${PEERS_PNG:-docs/peers-flink.png}"
work=.cache/peers/flink
target=.cache/peers/flink-target

[ -x "$kascade" ] || { echo "peers: no kascade binary at $kascade (scripts/build release)" >&2; exit 2; }
# shellcheck source=../venv.sh
source bench/peers/venv.sh
echo "peers: building the Flink job into $target"
(cd bench/peers/flink && mvn -q -B package -DskipTests) >"$(mkdir -p .cache/peers && echo .cache/peers/flink-build.log)" 2>&1 ||
  { echo "peers: building the Flink job failed (see .cache/peers/flink-build.log)" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$work" "$(dirname "$csv")"
"$venv/bin/python" bench/peers/bench.py --peer flink --kascade "$kascade" --preset configs/seed-compat.yaml \
  --flink-classpath "$(realpath "$target")/flink-users-created-1.jar:$(realpath "$target")/lib/*" \
  --flink-keyspace "$flink_keyspace" --kascade-keyspace "$kascade_keyspace" --messages "$messages" \
  --pairs "$pairs" --partition-counts "$partition_counts" --work "$work" --csv "$csv" --broker "${PEERS_BROKER:-127.0.0.1:9092}"
"$venv/bin/python" bench/peers/plot.py "$csv" "$png"
echo "peers: plot in $png, runs in $csv, logs in $work"
