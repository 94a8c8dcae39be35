# bench/peers/bench.py: a peer running the tutorial's job (Spark, or Flink) beside `kascade process -c
# configs/seed-compat.yaml`, interleaved on the same topics, each run into a freshly truncated table of its own;
# figures per run, their medians, a CSV and the cell-by-cell check after each pair. Driven by
# bench/peers/spark/run.sh and bench/peers/flink/run.sh.
import argparse
import csv
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))

from confluent_kafka import Consumer, TopicPartition  # noqa: E402

import cassandra_session as cs  # noqa: E402
import check  # noqa: E402
import producer  # noqa: E402
import proctree  # noqa: E402

TABLE = "created_users"
FIELDS = ["partitions", "pair", "system", "rows", "first_row_s", "all_rows_s", "rows_per_s", "cpu_s",
          "cpu_us_per_row", "peak_rss_mb", "cassandra_cpu_s", "cassandra_us_per_row"]


def end_offsets(broker, topic):
    client = Consumer({"bootstrap.servers": broker, "group.id": f"peers-probe-{uuid.uuid4().hex[:8]}"})
    try:
        partitions = client.list_topics(topic, timeout=10).topics[topic].partitions
        return {p: client.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in partitions}
    finally:
        client.close()


class Spark:
    name = "spark"

    def __init__(self, args):
        self.args = args
        self.keyspace = args.spark_keyspace

    def launch(self, topic, run_dir):
        self.checkpoint = os.path.join(run_dir, "checkpoint")
        env = {**os.environ, "PEERS_TOPIC": topic, "PEERS_BROKER": self.args.broker, "PEERS_SPARK_KEYSPACE":
               self.keyspace, "PEERS_TABLE": TABLE, "PEERS_CHECKPOINT": self.checkpoint, "SPARK_LOCAL_IP": "127.0.0.1"}
        command = [self.args.spark_submit, "--master", f"local[{self.args.spark_cores}]", "--driver-memory", "1g",
                   "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.driver.bindAddress=127.0.0.1",
                   "--conf", "spark.ui.enabled=false", "--jars", self.args.spark_jars,
                   os.path.join(HERE, "spark", "spark_stream.py")]
        self.log = open(os.path.join(run_dir, "spark.log"), "w", encoding="utf-8")  # noqa: SIM115
        return subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT, env=env, start_new_session=True)

    def landed(self, ends):
        """Whether the stream's commit log holds a batch whose end offsets reach the topic's end: Spark writes
        it once the batch's rows are in Cassandra."""
        commits = os.path.join(self.checkpoint, "commits")
        try:
            batches = [int(name) for name in os.listdir(commits) if name.isdigit()]
        except OSError:
            return False
        if not batches:
            return False
        with open(os.path.join(self.checkpoint, "offsets", str(max(batches))), encoding="utf-8") as handle:
            reached = json.loads(handle.read().splitlines()[-1])
        topic_offsets = next(iter(reached.values()))
        return all(topic_offsets.get(str(p), -1) >= end for p, end in ends.items())

    def stop(self, process):
        """SIGTERM to the job's process group (the JVM and the Python driver it started), SIGKILL after 60 s."""
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(60)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        self.log.close()

    def truncate(self, session):
        cs.truncate(session, self.keyspace, TABLE)


class Flink:
    """The job of bench/peers/flink (a jar and its dependencies), run in one JVM (Flink's local mode). Its
    table is made here, as a Flink user makes it before the job starts."""
    name = "flink"

    def __init__(self, args):
        self.args = args
        self.keyspace = args.flink_keyspace

    def launch(self, topic, run_dir):
        self.group = f"peers-flink-{uuid.uuid4().hex[:10]}"
        self.topic = topic
        self.consumer = Consumer({"bootstrap.servers": self.args.broker, "group.id": self.group,
                                  "enable.auto.commit": False})
        env = {**os.environ, "PEERS_TOPIC": topic, "PEERS_BROKER": self.args.broker, "PEERS_FLINK_KEYSPACE":
               self.keyspace, "PEERS_TABLE": TABLE, "PEERS_GROUP": self.group,
               "PEERS_PARALLELISM": str(self.args.spark_cores)}
        command = ["java", "-Xmx1g", *[f"--add-opens=java.base/{package}=ALL-UNNAMED" for package in (
                   "java.lang", "java.lang.reflect", "java.util", "java.util.concurrent", "java.io", "java.nio",
                   "java.net", "java.time", "sun.nio.ch")], "-cp", self.args.flink_classpath,
                   "kascade.peers.UsersCreated"]
        self.log = open(os.path.join(run_dir, "flink.log"), "w", encoding="utf-8")  # noqa: SIM115
        return subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT, env=env, start_new_session=True)

    def landed(self, ends):
        """Whether the job's committed offsets reach the topic's end: the Kafka source commits them when a
        checkpoint completes, and the Cassandra sink's part of a checkpoint waits for its writes."""
        return Kascade.landed(self, ends)

    def stop(self, process):
        Spark.stop(self, process)
        self.consumer.close()

    def truncate(self, session):
        columns = ", ".join(f"{name} TEXT" for name in check.COLUMNS[1:])
        session.execute(f"CREATE KEYSPACE IF NOT EXISTS {self.keyspace} WITH replication = "
                        "{'class': 'SimpleStrategy', 'replication_factor': 1}")
        session.execute(f"CREATE TABLE IF NOT EXISTS {self.keyspace}.{TABLE} (id UUID PRIMARY KEY, {columns})")
        cs.truncate(session, self.keyspace, TABLE)


class Kascade:
    name = "kascade"

    def __init__(self, args):
        self.args = args
        self.keyspace = args.kascade_keyspace

    def launch(self, topic, run_dir):
        self.group = f"peers-kascade-{uuid.uuid4().hex[:10]}"
        self.topic = topic
        self.consumer = Consumer({"bootstrap.servers": self.args.broker, "group.id": self.group,
                                  "enable.auto.commit": False})
        command = [self.args.kascade, "process", "-c", self.args.preset, "--data-dir", os.path.join(run_dir, "data"),
                   "--set", "bus.type=kafka", "--set", f"bus.kafka.brokers={self.args.broker}",
                   "--set", f"bus.topic={topic}", "--set", f"processor.group={self.group}",
                   "--set", "store.type=cassandra", "--set", f"store.cassandra.keyspace={self.keyspace}",
                   "--set", f"store.cassandra.hosts={cs.HOST}", "--set", f"store.cassandra.username={cs.USER}",
                   "--set", "store.cassandra.password_env=PEERS_CASSANDRA_PASSWORD"]
        self.log = open(os.path.join(run_dir, "kascade.log"), "w", encoding="utf-8")  # noqa: SIM115
        env = {**os.environ, "PEERS_CASSANDRA_PASSWORD": cs.PASSWORD}
        return subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT, env=env)

    def landed(self, ends):
        """Whether the group's committed offsets reach the topic's end: kascade commits once the sink holds the
        rows (or the dead letters) of every record before them."""
        try:
            committed = self.consumer.committed([TopicPartition(self.topic, p) for p in ends], timeout=10)
        except Exception:  # noqa: BLE001 (the group may not exist yet)
            return False
        return all(tp.offset >= ends[tp.partition] for tp in committed)

    def stop(self, process):
        process.terminate()
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        self.consumer.close()
        self.log.close()
        if process.returncode != 0:
            raise SystemExit(f"bench: kascade exited {process.returncode} (see {self.log.name})")

    def truncate(self, session):
        cs.truncate(session, self.keyspace, TABLE, "dead_letters")


def one_run(system, args, session, topic, ends, expected, run_dir):
    """Launch -> first row, launch -> all rows, CPU and peak RSS of the system's process tree, and the
    Cassandra node's CPU beyond its idle rate."""
    os.makedirs(run_dir, exist_ok=True)
    system.truncate(session)
    # PEERS_CASSANDRA_PROCESS picks the node when several run (e.g. its services dir, which its command line names).
    marker = os.environ.get("PEERS_CASSANDRA_PROCESS", "")
    node = proctree.find_pid("CassandraDaemon", marker)
    if node is None:
        raise SystemExit(f"bench: no Cassandra daemon process ({marker or 'any'}) found on this machine")
    idle = proctree.idle_rate(node, args.idle_seconds)
    node_before = proctree.cpu(node)
    started = time.monotonic()
    process = system.launch(topic, run_dir)
    sampler = proctree.Sampler(process.pid)
    first_row = all_rows = None
    deadline = started + args.deadline
    try:
        while all_rows is None:
            if process.poll() is not None:
                raise SystemExit(f"bench: {system.name} exited {process.returncode} before landing every row "
                                 f"(see {run_dir})")
            if time.monotonic() > deadline:
                raise SystemExit(f"bench: {system.name} had not landed every row after {args.deadline}s")
            if first_row is None and cs.has_a_row(session, system.keyspace, TABLE):
                first_row = time.monotonic() - started
            if system.landed(ends):
                cpu = sampler.sample()
                all_rows = time.monotonic() - started
                node_cpu = proctree.cpu(node) - node_before - idle * all_rows
            time.sleep(args.poll)
    finally:
        sampler.stop()
        system.stop(process)
    if first_row is None:
        first_row = all_rows  # every row came in the batch of the poll that saw them all
    rows = cs.count_rows(session, f"{system.keyspace}.{TABLE}")
    if rows != expected:
        raise SystemExit(f"bench: {system.name} landed {rows} rows, {expected} expected")
    return {"rows": rows, "first_row_s": first_row, "all_rows_s": all_rows, "rows_per_s": rows / all_rows,
            "cpu_s": cpu, "cpu_us_per_row": cpu / rows * 1e6, "peak_rss_mb": sampler.peak_rss / 2 ** 20,
            "cassandra_cpu_s": node_cpu, "cassandra_us_per_row": node_cpu / rows * 1e6}


def markdown(results):
    out = ["| partitions | pair | system | rows | first row s | all rows s | rows/s | CPU s | CPU µs/row | "
           "peak RSS MB | Cassandra CPU s | Cassandra µs/row |", "|" + "---|" * len(FIELDS)]

    def line(r, pair):
        return (f"| {r['partitions']} | {pair} | {r['system']} | {r['rows']} | {r['first_row_s']:.1f} | "
                f"{r['all_rows_s']:.1f} | {r['rows_per_s']:,.0f} | {r['cpu_s']:.1f} | {r['cpu_us_per_row']:.0f} | "
                f"{r['peak_rss_mb']:.0f} | {r['cassandra_cpu_s']:.1f} | {r['cassandra_us_per_row']:.0f} |")
    out += [line(r, r["pair"]) for r in results]
    for key in sorted({(r["partitions"], r["system"]) for r in results}):
        group = [r for r in results if (r["partitions"], r["system"]) == key]
        median = {name: statistics.median(r[name] for r in group) for name in FIELDS[3:]}
        out.append(line({"partitions": key[0], "system": key[1], **median, "rows": int(median["rows"])}, "median"))
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser()
    for name, default in [("--broker", "127.0.0.1:9092"), ("--kascade", None), ("--preset", None),
                          ("--peer", "spark"), ("--spark-submit", ""), ("--spark-jars", ""),
                          ("--spark-keyspace", "spark_streams"), ("--flink-classpath", ""),
                          ("--flink-keyspace", "flink_streams"),
                          ("--kascade-keyspace", "kascade_streams"), ("--work", ".cache/peers/spark"),
                          ("--csv", ".cache/peers/spark-runs.csv")]:
        parser.add_argument(name, default=default, required=default is None)
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--partition-counts", default="1,2")
    parser.add_argument("--spark-cores", type=int, default=2)
    parser.add_argument("--idle-seconds", type=float, default=5.0)
    parser.add_argument("--poll", type=float, default=0.2)
    parser.add_argument("--deadline", type=float, default=1800.0)
    args = parser.parse_args()
    cluster, session = cs.connect()
    results, failed = [], False
    try:
        for partitions in [int(p) for p in args.partition_counts.split(",")]:
            topic = f"peers-users_created-p{partitions}-{uuid.uuid4().hex[:8]}"
            values, spoiled = producer.messages(args.messages, 1000, seed=partitions)
            producer.reset_topic(args.broker, topic, partitions)
            producer.produce(args.broker, topic, values)
            ends = end_offsets(args.broker, topic)
            print(f"bench: {len(values)} messages ({spoiled} spoiled) in {topic}, end offsets {ends}", flush=True)
            peer = {"spark": Spark, "flink": Flink}[args.peer](args)
            systems = [peer, Kascade(args)]
            expected = {peer.name: len(values), "kascade": len(values) - spoiled}
            try:
                for pair in range(1, args.pairs + 1):
                    for system in systems:
                        run_dir = os.path.join(args.work, f"p{partitions}-{pair}-{system.name}")
                        figures = one_run(system, args, session, topic, ends, expected[system.name], run_dir)
                        results.append({"partitions": partitions, "pair": pair, "system": system.name, **figures})
                        print(markdown(results[-1:]).splitlines()[2], flush=True)
                    line, ok = check.verdict(check.compare(session, peer.keyspace, args.kascade_keyspace, topic,
                                                           TABLE), peer.name)
                    print(line, flush=True)
                    failed |= not ok
            finally:
                producer.delete_topic(args.broker, topic)
    finally:
        cluster.shutdown()
    print(markdown(results))
    os.makedirs(os.path.dirname(args.csv) or ".", exist_ok=True)
    with open(args.csv, "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows({name: r[name] for name in FIELDS} for r in results)
    print(f"bench: {len(results)} runs in {args.csv}")
    if failed:
        print(f"bench: FAILED: {args.peer}'s and kascade's tables differ", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
