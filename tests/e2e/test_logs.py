"""The operator's log on stderr: JSON lines that parse, carry their keys and no secret; one warning, interval
lines and one recovery line when a Cassandra node is stopped for 15 s under `kascade process` (Kafka bus,
Cassandra store) with every record landing; a status line at the interval when stderr is a pipe."""
import json
import os
import re
import signal
import subprocess
import threading
import time
import uuid

import pytest

from cassandra_support import PASSWORD, PASSWORD_ENV, USER
from conftest import KASCADE, SOURCE_DIR, kascade
from kafka_support import SASL_BROKER, KafkaPipeline, require_broker

TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
KAFKA_SECRET = "sasl-secret-7d1e"
CASSANDRA_SECRET = "cql-secret-93ab"
SASL = f"security.protocol=SASL_PLAINTEXT;sasl.mechanisms=PLAIN;sasl.username=kascade;sasl.password={KAFKA_SECRET}"
PRIVATE_HOST = "127.0.0.3"
SERVICES = os.path.join(SOURCE_DIR, "scripts", "services")


def json_events(stderr, allowed_other=()):
    """Every stderr line as a JSON event; lines that are not JSON must start with one of allowed_other."""
    events = []
    for line in stderr.splitlines():
        if not line.startswith("{"):
            assert line.startswith(tuple(allowed_other)), f"not a JSON log line: {line!r}"
            continue
        event = json.loads(line)
        for key in ("time", "level", "component", "message"):
            assert key in event, (key, line)
        assert TIME.match(event["time"]), line
        assert event["level"] in ("trace", "debug", "info", "warn", "error"), line
        events.append(event)
    return events


def test_json_lines_parse_carry_their_keys_and_no_secret(tmp_path):
    config = tmp_path / "pipeline.yaml"
    config.write_text(
        f"data_dir: {tmp_path / 'data'}\n"
        f"bus:\n  kafka:\n    properties: {json.dumps(SASL)}\n"
        "source:\n  malformed_ratio: 0.05\n"
        f"store:\n  cassandra:\n    username: {USER}\n    password_env: {PASSWORD_ENV}\n"
        "log:\n  format: json\n  status_interval_ms: 100\n")
    env = {**os.environ, PASSWORD_ENV: CASSANDRA_SECRET}
    result = kascade("run", "-c", config, "--records", 20000, env=env)
    assert KAFKA_SECRET not in result.stderr + result.stdout
    assert CASSANDRA_SECRET not in result.stderr + result.stdout
    events = json_events(result.stderr)

    start = events[0]
    assert start["message"].startswith("kascade ") and start["message"].endswith(" run starting"), start
    assert start["component"] == "kascade" and start["level"] == "info" and start["version"], start
    assert start["bus.kafka.properties"] == ("security.protocol=SASL_PLAINTEXT;sasl.mechanisms=PLAIN;"
                                             "sasl.username=kascade;sasl.password=***"), start
    assert start["store.cassandra.password_env"] == PASSWORD_ENV and start["log.format"] == "json", start
    assert start["bus.partitions"] == "4" and start["source.records"] == "20000", start
    assert f"log.format@{config}:" in start["origins"] and "source.records@--set" in start["origins"], start

    # Malformed records: dead letters summed up per class, with the newest reason.
    bursts = [e for e in events if e.get("event") == "dead_letters"]
    assert bursts and all(e["level"] == "warn" and e["count"] > 0 and e["newest_reason"] for e in bursts), bursts
    assert sum(e["count"] for e in bursts) == int(
        re.search(r"landed [\d,]+ rows and ([\d,]+) dead letters", result.stdout).group(1).replace(",", ""))
    assert [e for e in events if e.get("event") == "checkpoint" and e["source"] == "generator"], events
    status = [e for e in events if e.get("event") == "status"]
    assert status and all(isinstance(e["rows"], int) and "lag" in e for e in status), status

    # A refused SASL login: the librdkafka lines and the outage go through the log too, without the password.
    require_broker()
    (tmp_path / "sasl").mkdir()
    pipeline = KafkaPipeline(tmp_path / "sasl", brokers=SASL_BROKER, name="logs-sasl",
                             kafka={"request_timeout_ms": 8000, "properties": SASL})
    failed = pipeline.run("run", "--records", 10, "--set", "log.format=json", check=False, timeout=120)
    assert failed.returncode == 1, failed.stderr
    assert KAFKA_SECRET not in failed.stderr + failed.stdout
    events = json_events(failed.stderr, allowed_other=("kascade run: ",))
    assert [e for e in events if e["component"] == "kafka"], failed.stderr


def test_status_line_at_the_interval_when_stderr_is_a_pipe(tmp_path):
    args = ["process", "--data-dir", tmp_path / "data", "--duration", "4s", "--set", "log.format=json"]
    result = kascade(*args, "--set", "log.status_interval_ms=500")
    status = [e for e in json_events(result.stderr) if e.get("event") == "status"]
    assert 5 <= len(status) <= 9, status
    assert all(e["component"] == "pipeline" and e["rows"] == 0 and e["lag"] == 0 for e in status), status
    stamps = [time.mktime(time.strptime(e["time"][:19], "%Y-%m-%dT%H:%M:%S")) + int(e["time"][20:23]) / 1000
              for e in status]
    gaps = [b - a for a, b in zip(stamps, stamps[1:])]
    assert all(0.4 <= gap <= 1.5 for gap in gaps), gaps

    quiet = kascade(*args[:4], "1s", "--set", "log.status_interval_ms=0")
    assert " pipeline: status: " not in quiet.stderr, quiet.stderr


# --- the acceptance: a Cassandra node stopped for 15 s under `kascade process` -------------------------------


def services(action, private_dir):
    env = {**os.environ, "KASCADE_SERVICES_DIR": str(private_dir), "KASCADE_SERVICES_HOST": PRIVATE_HOST,
           "KASCADE_CASSANDRA_HEAP": "512m"}
    subprocess.run([SERVICES, action, "cassandra"], env=env, check=True, timeout=600)


@pytest.fixture
def private_node(tmp_path_factory):
    """A Cassandra node of this test's own on 127.0.0.3 (the shared one is never stopped); always stopped."""
    private_dir = tmp_path_factory.mktemp("services")
    try:
        services("start", private_dir)
        yield private_dir
    finally:
        services("stop", private_dir)


def private_rows(keyspace):
    from cassandra.auth import PlainTextAuthProvider
    from cassandra.cluster import Cluster
    cluster = Cluster([PRIVATE_HOST], port=9042, auth_provider=PlainTextAuthProvider(USER, PASSWORD),
                      connect_timeout=10, control_connection_timeout=10)
    try:
        session = cluster.connect()
        rows = session.execute(f"SELECT id FROM {keyspace}.users", timeout=120)
        return {row.id for row in rows}
    finally:
        cluster.shutdown()


class StderrLines:
    """Collects a process's stderr lines as they come."""

    def __init__(self, process):
        self.lines = []
        self.thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self.thread.start()

    def _read(self, process):
        for line in process.stderr:
            self.lines.append(line)

    def events(self):
        return [json.loads(line) for line in list(self.lines) if line.startswith("{")]


def poll(what, condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def test_a_stopped_cassandra_node_gives_one_warning_interval_lines_one_recovery_and_loses_nothing(
        tmp_path, private_node):
    require_broker()
    keyspace = f"kascade_logs_{uuid.uuid4().hex[:10]}"
    pipeline = KafkaPipeline(tmp_path, partitions=2, name="logs-outage")
    store = ["--set", "store.type=cassandra", "--set", f"store.cassandra.hosts={PRIVATE_HOST}",
             "--set", f"store.cassandra.keyspace={keyspace}", "--set", f"store.cassandra.username={USER}",
             "--set", f"store.cassandra.password_env={PASSWORD_ENV}", "--set", "store.cassandra.request_timeout_ms=3000",
             "--set", "processor.batch_records=200"]
    logs = ["--set", "log.format=json", "--set", "log.repeat_interval_ms=3000", "--set", "log.status_interval_ms=1000"]
    env = {**os.environ, PASSWORD_ENV: PASSWORD}
    process = subprocess.Popen([KASCADE, "process", "-c", str(pipeline.config), *store, *logs],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    stderr = StderrLines(process)

    # A trickle of records all along: 200 more every quarter second, so writes meet the outage.
    ingested = [0]
    stop_ingest = threading.Event()

    def trickle():
        while not stop_ingest.is_set():
            pipeline.run("ingest", "--records", ingested[0] + 200, timeout=120)
            ingested[0] += 200
            time.sleep(0.25)

    feeder = threading.Thread(target=trickle, daemon=True)
    feeder.start()
    try:
        poll("rows landing before the outage",
             lambda: any(e.get("event") == "status" and e["rows"] > 0 for e in stderr.events()), 180)
        services("stop", private_node)
        time.sleep(15)  # the outage itself
        services("start", private_node)
        poll("rows landing after the outage",
             lambda: any(e.get("event") == "recovered" and e["component"] == "cql" for e in stderr.events()), 300)
        time.sleep(2)
    finally:
        stop_ingest.set()
        feeder.join(timeout=180)
    total = ingested[0]
    poll(f"all {total} rows landing",
         lambda: any(e.get("event") == "status" and e["rows"] >= total for e in stderr.events()), 300)
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=120)
    stderr.thread.join(timeout=30)
    assert process.returncode == 143, "".join(stderr.lines[-20:])  # stopped by SIGTERM: 128 + 15

    node = f"{PRIVATE_HOST}:9042"
    events = json_events("".join(stderr.lines))
    of_node = [e for e in events if e.get("node") == node]
    down = [e for e in of_node if e["event"] == "down"]
    still = [e for e in of_node if e["event"] == "still_down"]
    back = [e for e in of_node if e["event"] == "recovered"]
    assert len(down) == 1 and down[0]["level"] == "warn", of_node
    assert node in down[0]["message"] and "retr" in down[0]["message"], down
    assert len(still) >= 2 and all(e["level"] == "warn" for e in still), of_node
    assert len(back) == 1 and back[0]["level"] == "info" and back[0]["down_ms"] >= 15000, of_node
    assert "back after" in back[0]["message"], back
    # The sink's retries: one warning naming the cause, one recovery.
    sink = [e for e in events if e["component"] == "processor" and e.get("event") in ("down", "recovered")]
    assert [e["event"] for e in sink] == ["down", "recovered"], sink
    assert sink[0]["cause"], sink

    assert len(private_rows(keyspace)) == total
