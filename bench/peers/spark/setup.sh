# bench/peers/spark/setup.sh: sourced (from the repository's root) by run.sh and stream.sh. Installs PySpark
# and the clients into .cache/peers-venv (once), resolves the Kafka source and the Spark Cassandra Connector
# into the ivy cache .cache/peers/ivy (once, outside any timed run), puts spark-submit on PATH and sets $jars.
# shellcheck source=../venv.sh
source bench/peers/venv.sh
ivy="$(pwd)/.cache/peers/ivy"
# The Kafka source and the Cassandra connector of Spark 3.5.1 (Scala 2.12), from Maven.
packages=org.apache.spark:spark-sql-kafka-0-10_2.12:3.5.1,com.datastax.spark:spark-cassandra-connector_2.12:3.5.1
export PATH="$(realpath "$venv")/bin:$PATH"
export SPARK_HOME="$("$venv/bin/python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')"
export PYSPARK_PYTHON="$(realpath "$venv")/bin/python" SPARK_LOCAL_IP=127.0.0.1

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

