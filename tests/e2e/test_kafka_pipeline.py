"""kascade on a real Kafka broker: a million records exactly once, interop
with an independent client (confluent-kafka), and lag against the broker."""
import http.client
import json
import signal
import time

from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, NewTopic

from conftest import query

from kafka_support import (BROKER, KafkaPipeline, committed_offsets, end_offsets, require_broker, stop, unique,
                           wait_until)


def test_a_million_records_through_kafka_land_exactly_once(tmp_path):
    require_broker()
    pipeline = KafkaPipeline(tmp_path, partitions=4, name="million")
    result = pipeline.run("run", "--records", 1_000_000, timeout=1200)
    assert "landed 1,000,000 rows" in result.stdout, result.stdout
    assert pipeline.rows() == (1_000_000, 1_000_000)
    ends = end_offsets(pipeline.topic)
    assert sum(ends.values()) == 1_000_000  # the topic holds each record once
    assert pipeline.stored_offsets() == ends
    assert committed_offsets(pipeline.topic, pipeline.group) == ends
    assert sum(row["lag"] for row in pipeline.lag_json()) == 0


def test_records_produced_by_another_client_are_consumed(tmp_path):
    require_broker()
    # Users written by kascade's generator to a feeder topic, read back and
    # re-produced raw by confluent-kafka to a topic that client created: what
    # kascade consumes there is only what the other client wrote.
    (tmp_path / "feeder").mkdir()
    feeder = KafkaPipeline(tmp_path / "feeder", partitions=1, name="interop-feed")
    feeder.run("ingest", "--records", 2000)
    users = read_all(feeder.topic, 2000)
    assert len(users) == 2000

    pipeline = KafkaPipeline(tmp_path, partitions=3, name="interop-in")
    admin = AdminClient({"bootstrap.servers": BROKER})  # kept alive until the creation finished
    admin.create_topics([NewTopic(pipeline.topic, 3, 1)])[pipeline.topic].result(30)
    producer = Producer({"bootstrap.servers": BROKER})
    for key, value, _ in users:
        producer.produce(pipeline.topic, key=key, value=value)
    assert producer.flush(30) == 0

    processor = pipeline.popen("process")
    try:
        wait_until(lambda: pipeline.rows()[1] == 2000, 120, "2000 rows from the client's records")
    finally:
        out, err = stop(processor)
    assert processor.returncode == 128 + signal.SIGTERM, err
    assert pipeline.rows() == (2000, 2000)
    stored_ids = {row[0] for row in query(pipeline.data_dir, "SELECT id FROM users")}
    assert stored_ids == {json.loads(value)["login"]["uuid"] for _, value, _ in users}


def test_records_produced_by_kascade_are_read_back_intact_by_another_client(tmp_path):
    require_broker()
    pipeline = KafkaPipeline(tmp_path, partitions=3, name="interop-out")
    pipeline.run("ingest", "--records", 3000)
    records = read_all(pipeline.topic, 3000)
    assert len(records) == 3000
    keys = set()
    for key, value, headers in records:
        user = json.loads(value)  # the value arrived byte-exact: it still parses
        assert key == user["login"]["uuid"].encode()
        assert headers["source"] == pipeline.source.encode()
        assert {"fetched_at", "seed", "page"} <= headers.keys(), headers
        keys.add(key)
    assert len(keys) == 3000


def test_lag_json_agrees_with_the_offsets_the_client_reads(tmp_path):
    require_broker()
    pipeline = KafkaPipeline(tmp_path, partitions=4, name="lag")
    pipeline.run("run", "--records", 5000)
    # More records that nobody processes: the lag is theirs.
    pipeline.run("ingest", "--records", 8000)
    rows = pipeline.lag_json()
    committed = committed_offsets(pipeline.topic, pipeline.group)
    ends = end_offsets(pipeline.topic)
    assert len(rows) == 4
    for row in rows:
        assert row["group"] == pipeline.group and row["topic"] == pipeline.topic
        assert row["committed_offset"] == committed[row["partition"]]
        assert row["end_offset"] == ends[row["partition"]]
        assert row["lag"] == ends[row["partition"]] - committed[row["partition"]]
    assert sum(row["lag"] for row in rows) == 3000


def test_the_dashboard_routes_on_kafka_agree_with_the_client(tmp_path):
    require_broker()
    pipeline = KafkaPipeline(tmp_path, partitions=3, name="dash")
    pipeline.run("run", "--records", 2000)
    pipeline.run("ingest", "--records", 2500)
    server = pipeline.popen("serve", "--port", 0)
    try:
        line = server.stdout.readline()
        assert "listening on http://127.0.0.1:" in line, (line, server.poll())
        port = int(line.split("http://127.0.0.1:")[1].split()[0])

        def get(path):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            connection.request("GET", path)
            response = connection.getresponse()
            assert response.status == 200, (path, response.status, response.read())
            return json.loads(response.read())

        lag = get("/v1/lag")
        assert lag == pipeline.lag_json()
        committed, ends = committed_offsets(pipeline.topic, pipeline.group), end_offsets(pipeline.topic)
        assert {row["partition"]: row["committed_offset"] for row in lag} == committed
        assert sum(row["lag"] for row in lag) == 500
        mine = [row for row in get("/v1/topics") if row["topic"] == pipeline.topic]
        assert {row["partition"]: row["end_offset"] for row in mine} == ends
        status = get("/v1/status")
        assert (status["topic"], status["group"]) == (pipeline.topic, pipeline.group)
        assert status["bus"].startswith("kafka"), status

        # The server keeps its handle for committed offsets: it must still read them fresh.
        pipeline.run("run", "--records", 2500)
        lag = get("/v1/lag")
        assert {row["partition"]: row["committed_offset"] for row in lag} == end_offsets(pipeline.topic)
        assert sum(row["lag"] for row in lag) == 0
    finally:
        _, err = stop(server)
    assert server.returncode == 0, err


def read_all(topic, count, timeout=60):
    """(key, value, headers) of `count` records, read with confluent-kafka."""
    consumer = Consumer({"bootstrap.servers": BROKER, "group.id": unique("reader"),
                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe([topic])
    records = []
    try:
        deadline = time.time() + timeout
        while len(records) < count and time.time() < deadline:
            message = consumer.poll(0.5)
            if message is None:
                continue
            assert message.error() is None, message.error()
            headers = {name: value for name, value in (message.headers() or [])}
            records.append((message.key(), message.value(), headers))
    finally:
        consumer.close()
    return records
