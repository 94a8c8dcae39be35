"""Helpers of the Kafka end-to-end tests: the local broker (scripts/services
start kafka), unique names per test, pipeline configs, and an independent
client (confluent-kafka) to check kascade against."""
import json
import os
import signal
import sqlite3
import subprocess
import time
import uuid

import pytest
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient

from conftest import KASCADE, SOURCE_DIR, kascade, query

BROKER = "127.0.0.1:9092"
SASL_BROKER = "127.0.0.1:9094"  # SASL_PLAINTEXT, PLAIN, user kascade (services/kafka)
SERVICES = os.path.join(SOURCE_DIR, "scripts", "services")


def require_broker():
    """Fails (never skips) when the broker is not running."""
    try:
        AdminClient({"bootstrap.servers": BROKER}).list_topics(timeout=10)
    except Exception as error:  # noqa: BLE001 - any failure means "not usable"
        pytest.fail(f"Kafka is not running on {BROKER} (start it: scripts/services start kafka): {error}")


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


class KafkaPipeline:
    """One test's topic, group, source name, data dir and config file."""

    def __init__(self, tmp_path, partitions=4, brokers=BROKER, kafka=None, name="kt"):
        self.topic = unique(f"{name}.raw")
        self.group = unique(f"{name}-group")
        self.source = unique(f"{name}-source")
        self.data_dir = tmp_path / "data"
        self.config = tmp_path / "pipeline.yaml"
        kafka_lines = "".join(f"    {key}: {json.dumps(value)}\n" for key, value in (kafka or {}).items())
        self.config.write_text(
            f"data_dir: {self.data_dir}\n"
            f"bus:\n  type: kafka\n  topic: {self.topic}\n  partitions: {partitions}\n"
            f"  kafka:\n    brokers: {json.dumps(brokers)}\n{kafka_lines}"
            f"source:\n  name: {self.source}\n"
            f"processor:\n  group: {self.group}\n")

    def run(self, command, *args, **kwargs):
        return kascade(command, "-c", self.config, *args, **kwargs)

    def popen(self, command, *args):
        return subprocess.Popen([KASCADE, command, "-c", str(self.config), *map(str, args)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def rows(self):
        try:
            return query(self.data_dir, "SELECT count(*), count(DISTINCT id) FROM users")[0]
        except sqlite3.Error:  # the store or its table does not exist yet
            return (0, 0)

    def stored_offsets(self):
        return dict(query(self.data_dir, "SELECT partition, next_offset FROM consumer_offsets"))

    def lag_json(self):
        out = self.run("lag", "--format", "ndjson").stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()]


def end_offsets(topic):
    """High watermark per partition, read by the independent client."""
    client = Consumer({"bootstrap.servers": BROKER, "group.id": unique("probe")})
    try:
        partitions = client.list_topics(topic, timeout=10).topics[topic].partitions
        return {p: client.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in partitions}
    finally:
        client.close()


def committed_offsets(topic, group):
    """The group's committed offsets per partition, read by the independent client."""
    client = Consumer({"bootstrap.servers": BROKER, "group.id": group, "enable.auto.commit": False})
    try:
        partitions = client.list_topics(topic, timeout=10).topics[topic].partitions
        committed = client.committed([TopicPartition(topic, p) for p in partitions], timeout=10)
        return {tp.partition: tp.offset for tp in committed if tp.offset >= 0}
    finally:
        client.close()


def wait_until(predicate, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def stop(process, timeout=60):
    """SIGTERM, then the process's output; kills it if it does not stop."""
    if process.poll() is None:
        process.terminate()
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        raise AssertionError(f"pid {process.pid} did not stop within {timeout}s:\n{err[-3000:]}")
    return out, err


def process_until_committed(args, topic, group, env=None, timeout=300):
    """`kascade process ARGS` until the group's committed offsets reach the
    topic's end (every record landed or dead-lettered); then SIGTERM, a check
    that it exited 143 (stopped by the signal), and its output."""
    processor = subprocess.Popen([KASCADE, "process", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True, env=env)
    try:
        def done():
            assert processor.poll() is None, processor.communicate()[1][-3000:]
            try:
                return committed_offsets(topic, group) == end_offsets(topic)
            except Exception:  # noqa: BLE001 (the group may not exist yet)
                return False
        try:
            wait_until(done, timeout, f"every record of {topic} landed or dead-lettered, and committed by {group}")
        except AssertionError as timed_out:  # say what the processor said (retries, outages: its log)
            _, err = stop(processor)
            raise AssertionError(f"{timed_out}; its stderr ends with:\n{err[-4000:]}") from None
    finally:
        out, err = stop(processor) if processor.poll() is None else ("", "")
    assert processor.returncode == 128 + signal.SIGTERM, err
    return out + err
