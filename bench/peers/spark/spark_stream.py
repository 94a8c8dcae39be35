# bench/peers/spark/spark_stream.py: the tutorial stack's Spark Structured Streaming job (Kafka topic
# `users_created` -> from_json -> Cassandra `spark_streams.created_users`), as kascade's seed-compat preset
# replaces it. Written from a reading of that job; departures needed to run it here are listed in
# bench/peers/spark/README.md. Settings come from the environment (bench/peers/spark/run.sh sets them).
import logging
import os

from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import Cluster
from pyspark.sql import SparkSession
from pyspark.sql.functions import col, from_json
from pyspark.sql.types import StringType, StructField, StructType

HOST = os.environ.get("PEERS_CASSANDRA_HOST", "127.0.0.1")
USER = os.environ.get("PEERS_CASSANDRA_USER", "cassandra")
PASSWORD = os.environ.get("PEERS_CASSANDRA_PASSWORD", "cassandra")
BROKER = os.environ.get("PEERS_BROKER", "127.0.0.1:9092")
TOPIC = os.environ.get("PEERS_TOPIC", "users_created")
KEYSPACE = os.environ.get("PEERS_SPARK_KEYSPACE", "spark_streams")
TABLE = os.environ.get("PEERS_TABLE", "created_users")
CHECKPOINT = os.environ.get("PEERS_CHECKPOINT", "/tmp/checkpoint")
# The tutorial's job uses Spark's default trigger (a micro-batch as soon as the previous one ends); a
# processing-time interval ("1 second") can be given for the latency runs (bench/latency/README.md).
TRIGGER = os.environ.get("PEERS_TRIGGER", "")

# The tutorial's columns, every one text but the uuid key, plus `dob` (kascade's preset writes it too).
COLUMNS = ["id", "first_name", "last_name", "gender", "address", "post_code", "email", "username", "dob",
           "registered_date", "phone", "picture"]


def create_keyspace(session):
    session.execute(f"CREATE KEYSPACE IF NOT EXISTS {KEYSPACE} "
                    "WITH replication = {'class': 'SimpleStrategy', 'replication_factor': '1'}")
    logging.info("keyspace %s ready", KEYSPACE)


def create_table(session):
    columns = ", ".join(f"{name} TEXT" for name in COLUMNS[1:])
    session.execute(f"CREATE TABLE IF NOT EXISTS {KEYSPACE}.{TABLE} (id UUID PRIMARY KEY, {columns})")
    logging.info("table %s.%s ready", KEYSPACE, TABLE)


def create_spark_connection():
    # The Kafka source and the Cassandra connector come from --packages (or --jars) on spark-submit.
    spark = (SparkSession.builder.appName("SparkDataStreaming")
             .config("spark.cassandra.connection.host", HOST)
             .config("spark.cassandra.auth.username", USER)
             .config("spark.cassandra.auth.password", PASSWORD)
             .config("spark.ui.enabled", "false")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def connect_to_kafka(spark):
    return (spark.readStream.format("kafka")
            .option("kafka.bootstrap.servers", BROKER)
            .option("subscribe", TOPIC)
            .option("startingOffsets", "earliest")
            .load())


def create_selection_df_from_kafka(frame):
    schema = StructType([StructField(name, StringType(), False) for name in COLUMNS])
    return frame.selectExpr("CAST(value AS STRING)").select(from_json(col("value"), schema).alias("data")).select(
        "data.*")


def main():
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    cluster = Cluster([HOST], auth_provider=PlainTextAuthProvider(USER, PASSWORD))
    session = cluster.connect()
    create_keyspace(session)
    create_table(session)
    cluster.shutdown()

    spark = create_spark_connection()
    selection = create_selection_df_from_kafka(connect_to_kafka(spark))
    logging.info("streaming %s into %s.%s", TOPIC, KEYSPACE, TABLE)
    query = (selection.writeStream.format("org.apache.spark.sql.cassandra")
             .option("checkpointLocation", CHECKPOINT)
             .option("keyspace", KEYSPACE)
             .option("table", TABLE))
    if TRIGGER:
        query = query.trigger(processingTime=TRIGGER)
    query = query.start()
    query.awaitTermination()


if __name__ == "__main__":
    main()
