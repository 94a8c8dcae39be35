#!/usr/bin/env bash
# bench/peers/spark/stream.sh: the tutorial's Spark job (spark_stream.py) alone, as a consumer command for
# bench/latency (its --consumer), streaming one topic into one table until stopped (SIGTERM).
# Usage: bench/peers/spark/stream.sh --topic T --keyspace K --table T --checkpoint DIR [--trigger '1 second']
#          [--brokers HOST:PORT] [--cassandra-host HOST]
#        (no --trigger: Spark's default, as in the tutorial's job)
set -euo pipefail
cd "$(dirname "$0")/../../.."
topic="" keyspace="" table=created_users checkpoint="" trigger="" brokers=127.0.0.1:9092 host=127.0.0.1
while (($#)); do
  case "$1" in
    --topic) topic="$2" ;;
    --keyspace) keyspace="$2" ;;
    --table) table="$2" ;;
    --checkpoint) checkpoint="$2" ;;
    --trigger) trigger="$2" ;;
    --brokers) brokers="$2" ;;
    --cassandra-host) host="$2" ;;
    *) echo "stream.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift 2
done
[ -n "$topic" ] && [ -n "$keyspace" ] && [ -n "$checkpoint" ] ||
  { echo "stream.sh: --topic, --keyspace and --checkpoint are required" >&2; exit 2; }
# shellcheck source=setup.sh
source bench/peers/spark/setup.sh
export PEERS_TOPIC="$topic" PEERS_SPARK_KEYSPACE="$keyspace" PEERS_TABLE="$table" PEERS_CHECKPOINT="$checkpoint"
export PEERS_TRIGGER="$trigger" PEERS_BROKER="$brokers" PEERS_CASSANDRA_HOST="$host"
exec spark-submit --master 'local[2]' --driver-memory 1g --conf spark.driver.host=127.0.0.1 \
  --conf spark.driver.bindAddress=127.0.0.1 --conf spark.ui.enabled=false --jars "$jars" \
  bench/peers/spark/spark_stream.py
