"""`kascade serve`: push ingest over HTTP, idempotent retries, limits, then `kascade process` lands the rows."""
import http.client
import json
import signal
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import KASCADE, kascade, query, start_processor, stop_when_landed, topic_end_offsets

TOPIC = "users.raw"


@pytest.fixture
def server(data_dir):
    process = subprocess.Popen([KASCADE, "serve", "--data-dir", str(data_dir), "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    assert "listening on http://127.0.0.1:" in line, (line, process.stderr.read() if process.poll() is not None else "")
    port = int(line.split("http://127.0.0.1:")[1].split()[0])
    yield port
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err


def post(port, body, content_type="application/x-ndjson", idempotency_key=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": content_type}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    connection.request("POST", f"/v1/topics/{TOPIC}/records", body=body.encode(), headers=headers)
    response = connection.getresponse()
    answer = response.status, response.read()
    connection.close()
    return answer


def test_pushed_users_land_once_despite_retries(server, data_dir):
    users = kascade("generate", "--records", 100000).stdout.splitlines()
    assert len(users) == 100000
    batches = [users[i:i + 1000] for i in range(0, len(users), 1000)]

    def push(numbered):
        number, batch = numbered
        # Alternate the two body formats; every request is sent twice (a client's retry).
        if number % 2:
            body, content_type = "\n".join(batch), "application/x-ndjson"
        else:
            body, content_type = "[" + ",".join(batch) + "]", "application/json"
        answers = [post(server, body, content_type, idempotency_key=f"batch-{number}") for _ in range(2)]
        for status, _ in answers:
            assert status == 200, answers
        first, retry = (json.loads(text) for _, text in answers)
        assert first == {"accepted": 1000}
        assert retry == {"accepted": 1000, "duplicate": True}

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(push, enumerate(batches)))

    ends = topic_end_offsets(data_dir)
    assert sum(ends.values()) == 100000

    stop_when_landed(start_processor(data_dir), data_dir, 100000)
    assert query(data_dir, "SELECT count(*), count(DISTINCT id) FROM users") == [(100000, 100000)]
    assert sum(topic_end_offsets(data_dir).values()) == 100000

    connection = http.client.HTTPConnection("127.0.0.1", server, timeout=10)
    connection.request("GET", "/metrics")
    metrics = connection.getresponse().read().decode()
    assert "kascade_push_records_total 100000" in metrics, metrics
    assert 'kascade_push_requests_total{code="200"} 200' in metrics, metrics


def test_oversize_and_bad_bodies_write_nothing(server, data_dir):
    users = kascade("generate", "--records", 5).stdout.splitlines()
    assert post(server, "\n".join(users))[0] == 200
    before = topic_end_offsets(data_dir)
    assert sum(before.values()) == 5

    # The server refuses by the announced length, before reading the body: send only the head.
    with socket.create_connection(("127.0.0.1", server), timeout=10) as connection:
        connection.sendall(f"POST /v1/topics/{TOPIC}/records HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           f"Content-Type: application/x-ndjson\r\nContent-Length: {9 << 20}\r\n\r\n".encode())
        head = connection.recv(4096).decode()
    assert head.startswith("HTTP/1.1 413"), head

    bad = users[:2] + ['{"login": {"uuid": "x"}, "broken": '] + users[3:]
    status, text = post(server, "\n".join(bad))
    assert status == 400, text
    assert json.loads(text)["index"] == 2
    not_object = "[" + ",".join(users[:2] + ["42"] + users[3:]) + "]"
    status, text = post(server, not_object, "application/json")
    assert status == 400, text
    assert json.loads(text)["index"] == 2

    assert topic_end_offsets(data_dir) == before


def test_beyond_max_in_flight_answers_429_with_retry_after_and_writes_nothing(data_dir, tmp_path):
    config = tmp_path / "serve.yaml"
    config.write_text("serve:\n  max_in_flight: 1\n")
    process = subprocess.Popen([KASCADE, "serve", "-c", str(config), "--data-dir", str(data_dir), "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    assert "listening on http://127.0.0.1:" in line, (line, process.stderr.read() if process.poll() is not None else "")
    port = int(line.split("http://127.0.0.1:")[1].split()[0])
    users = kascade("generate", "--records", 40000).stdout.splitlines()
    batches = ["\n".join(users[i:i + 5000]) for i in range(0, len(users), 5000)]

    def push_until_accepted(body):
        """A client that honours Retry-After: returns how often it was refused."""
        refused = 0
        while True:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            connection.request("POST", f"/v1/topics/{TOPIC}/records", body=body.encode(),
                               headers={"Content-Type": "application/x-ndjson"})
            response = connection.getresponse()
            text = response.read()
            connection.close()
            if response.status == 200:
                assert json.loads(text) == {"accepted": 5000}
                return refused
            assert response.status == 429, (response.status, text)
            assert response.getheader("Retry-After") == "1"
            refused += 1
            time.sleep(0.05)  # shorter than Retry-After asks, to keep the test quick

    try:
        # Eight requests at once against one slot: some must be refused.
        with ThreadPoolExecutor(8) as pool:
            refusals = sum(pool.map(push_until_accepted, batches))
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert refusals > 0
    # A refused request wrote nothing: the topic holds each record once.
    assert sum(topic_end_offsets(data_dir).values()) == 40000
