"""The embedded log never drops acknowledged records: a batch failing its CRC (the newest of a partition, or one
in the middle) makes `kascade topics` and the consumers exit 1 naming file, partition and offsets, and nothing is
cut; `kascade log repair` moves it into the topic file's quarantined_batches table and prints the offsets lost;
the processor then runs again. `kascade serve` keeps taking pushes and shows the corruption on /v1/topics and
/metrics. Many topics make no command fail."""
import http.client
import json
import resource
import signal
import sqlite3
import subprocess

import pytest

from conftest import KASCADE, kascade, landed_users, start_processor, stop_when_landed

RECORDS = 20_000
TOPIC = "users.raw"


def topic_file(data_dir, topic=TOPIC):
    return data_dir / "log" / f"{topic}.db"


def flip_bit(data_dir, which):
    """Flips one bit in the payload of partition 0's newest batch (which="newest") or of one in the middle, with
    Python's own SQLite; returns (rowid, base_offset, last_offset, record_count)."""
    with sqlite3.connect(topic_file(data_dir)) as db:
        rows = db.execute("SELECT rowid, base_offset, last_offset, record_count FROM batches WHERE partition=0 "
                          "ORDER BY last_offset").fetchall()
        assert len(rows) >= (1 if which == "newest" else 3), rows
        rowid, base, last, count = rows[-1] if which == "newest" else rows[len(rows) // 2]
        payload = bytearray(db.execute("SELECT payload FROM batches WHERE rowid=?", (rowid,)).fetchone()[0])
        payload[len(payload) // 2] ^= 0x10
        db.execute("UPDATE batches SET payload=? WHERE rowid=?", (bytes(payload), rowid))
    return rowid, base, last, count


def batch_rows(data_dir, table, rowid=None):
    with sqlite3.connect(topic_file(data_dir)) as db:
        if rowid is None:
            return db.execute(f"SELECT partition, base_offset, last_offset FROM {table}").fetchall()
        return db.execute(f"SELECT partition, base_offset, last_offset FROM {table} WHERE rowid=?",
                          (rowid,)).fetchall()


def assert_names_the_batch(text, data_dir, base, last):
    assert str(topic_file(data_dir)) in text, text
    assert f"partition 0, offsets {base}-{last}" in text, text


def topics_json(result):
    return [json.loads(line) for line in result.stdout.splitlines()]


def check_reported_not_cut(data_dir, rowid, base, last):
    """`topics`, `log check` and `process` exit 1 naming the batch; its row is still there, flipped bit and all."""
    topics = kascade("topics", "--data-dir", data_dir, "--format", "ndjson", check=False)
    assert topics.returncode == 1, topics
    assert_names_the_batch(topics.stderr, data_dir, base, last)
    rows = {row["partition"]: row for row in topics_json(topics)}
    assert rows[0]["corrupt_batches"] == 1 and rows[1]["corrupt_batches"] == 0, rows
    assert rows[0]["end_offset"] > last, "the end offset never moves back"

    check = kascade("log", "check", "--data-dir", data_dir, check=False)
    assert check.returncode == 1, check
    assert_names_the_batch(check.stderr, data_dir, base, last)

    process = kascade("process", "--data-dir", data_dir, "--duration", "300s", check=False, timeout=400)
    assert process.returncode == 1, process
    assert_names_the_batch(process.stderr, data_dir, base, last)
    assert batch_rows(data_dir, "batches", rowid) == [(0, base, last)], "the corrupt batch must not be cut"
    return rows[0]["end_offset"]


def repair(data_dir, base, last, count):
    result = kascade("log", "repair", "--data-dir", data_dir)
    assert f"topic {TOPIC} partition 0: offsets {base}-{last} lost ({count} records" in result.stdout, result.stdout
    assert "will not fetch them again" in result.stdout, result.stdout
    assert batch_rows(data_dir, "quarantined_batches") == [(0, base, last)]
    assert all(row[1] != base for row in batch_rows(data_dir, "batches")), "moved, not copied"
    kascade("log", "check", "--data-dir", data_dir, "--topic", TOPIC)
    assert kascade("log", "check", "--data-dir", data_dir, "--topic", "no-such-topic", check=False).returncode == 1
    assert kascade("log", "check", "--data-dir", data_dir, "--topic", "../up", check=False).returncode == 2
    again = kascade("log", "repair", "--data-dir", data_dir)
    assert "nothing changed" in again.stdout, again.stdout


def test_flipped_bit_in_the_newest_batch_is_reported_then_quarantined(data_dir):
    kascade("ingest", "--records", RECORDS, "--data-dir", data_dir)
    rowid, base, last, count = flip_bit(data_dir, "newest")
    end = check_reported_not_cut(data_dir, rowid, base, last)
    assert landed_users(data_dir) == 0, "the processor refused to start"

    repair(data_dir, base, last, count)
    rows = {row["partition"]: row for row in topics_json(kascade("topics", "--data-dir", data_dir, "--format", "ndjson"))}
    assert rows[0]["end_offset"] == end and rows[0]["corrupt_batches"] == 0, rows
    # A bounded run (the source already produced its records) skips the gap at the end and stops.
    result = kascade("run", "--records", RECORDS, "--data-dir", data_dir, timeout=400)
    assert f"landed {RECORDS - count:,} rows" in result.stdout, result.stdout
    assert landed_users(data_dir) == RECORDS - count


def test_flipped_bit_in_a_middle_batch_is_reported_then_quarantined(data_dir):
    kascade("ingest", "--records", RECORDS, "--data-dir", data_dir)
    rowid, base, last, count = flip_bit(data_dir, "middle")
    check_reported_not_cut(data_dir, rowid, base, last)
    assert landed_users(data_dir) < RECORDS

    repair(data_dir, base, last, count)
    processor = start_processor(data_dir)
    stop_when_landed(processor, data_dir, RECORDS - count, timeout=300)
    assert landed_users(data_dir) == RECORDS - count


def request(port, method, path, body=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request(method, path, body=body, headers={"Content-Type": "application/x-ndjson"} if body else {})
    response = connection.getresponse()
    answer = response.status, response.read().decode()
    connection.close()
    return answer


def common_fd_limit():
    """The usual soft limit of open files (1024), which many topics kept open at once exceed."""
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))


@pytest.fixture
def serve(data_dir):
    processes = []

    def start():
        # Pushes may create topics (up to 1,000) here: the 600-topic test makes them that way.
        process = subprocess.Popen([KASCADE, "serve", "--data-dir", str(data_dir), "--port", "0",
                                    "--set", "serve.create_topics=true", "--set", "serve.max_topics=1000"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   preexec_fn=common_fd_limit)
        processes.append(process)
        line = process.stdout.readline()
        assert "listening on http://127.0.0.1:" in line, (line, process.stderr.read())
        return int(line.split("http://127.0.0.1:")[1].split()[0])

    yield start
    for process in processes:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
        assert process.returncode == 0, err


def test_serve_keeps_taking_pushes_and_shows_the_corruption(data_dir, serve):
    kascade("ingest", "--records", 3_000, "--data-dir", data_dir)
    _, base, last, _ = flip_bit(data_dir, "newest")
    port = serve()
    status, body = request(port, "GET", "/v1/topics")
    assert status == 200, body
    rows = {row["partition"]: row for row in json.loads(body)}
    assert rows[0]["corrupt_batches"] == 1 and rows[1]["corrupt_batches"] == 0, rows
    status, metrics = request(port, "GET", "/metrics")
    assert status == 200, metrics
    assert f'kascade_log_corrupt_batches{{topic="{TOPIC}",partition="0"}} 1' in metrics, metrics
    assert f'kascade_log_corrupt_batches{{topic="{TOPIC}",partition="1"}} 0' in metrics, metrics

    # Pushes still land, after the corrupt batch: no offset is reused.
    status, body = request(port, "POST", f"/v1/topics/{TOPIC}/records",
                           "\n".join(json.dumps({"login": {"uuid": f"pushed-{i}"}}) for i in range(50)))
    assert status == 200, body
    ends = {row["partition"]: row["end_offset"] for row in json.loads(request(port, "GET", "/v1/topics")[1])}
    assert ends[0] >= last + 1

    kascade("log", "repair", "--data-dir", data_dir)
    status, metrics = request(port, "GET", "/metrics")
    assert f'kascade_log_corrupt_batches{{topic="{TOPIC}",partition="0"}} 0' in metrics, metrics


def test_six_hundred_topics_make_no_command_fail(data_dir, serve):
    """Every process runs with the common limit of 1024 open files."""
    kascade("ingest", "--records", 100, "--data-dir", data_dir, preexec_fn=common_fd_limit)
    port = serve()
    for i in range(600):
        status, body = request(port, "POST", f"/v1/topics/many-{i}/records", json.dumps({"n": i}))
        assert status == 200, (i, body)
    # A second server and a processor start on the same data dir, and the first one still answers.
    second = serve()
    assert request(second, "GET", "/v1/topics")[0] == 200
    processor = subprocess.Popen([KASCADE, "process", "--data-dir", str(data_dir)], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, preexec_fn=common_fd_limit)
    stop_when_landed(processor, data_dir, 100, timeout=300)
    status, body = request(port, "GET", "/v1/topics")
    assert status == 200, body
    assert len({row["topic"] for row in json.loads(body)}) == 601
    topics = kascade("topics", "--data-dir", data_dir, "--format", "ndjson", preexec_fn=common_fd_limit)
    assert len({row["topic"] for row in topics_json(topics)}) == 601
    kascade("log", "check", "--data-dir", data_dir, preexec_fn=common_fd_limit)
