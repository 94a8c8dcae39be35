"""`kascade serve`: push bodies parsed strictly and without amplifying memory; media types; topic names,
the allow-list of topics and the bound on the topics pushes create."""
import gzip
import http.client
import json
import signal
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import KASCADE, kascade, topic_end_offsets

TOPIC = "users.raw"
BODY_BYTES = 8_000_000  # under serve.max_request_bytes (8 MiB)


def start_server(data_dir, tmp_path, config_text=""):
    config = tmp_path / "serve.yaml"
    config.write_text(config_text)
    process = subprocess.Popen([KASCADE, "serve", "-c", str(config), "--data-dir", str(data_dir), "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    assert "listening on http://127.0.0.1:" in line, (line, process.stderr.read() if process.poll() is not None else "")
    return process, int(line.split("http://127.0.0.1:")[1].split()[0])


def stop_server(process):
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err


@pytest.fixture
def server(data_dir, tmp_path):
    process, port = start_server(data_dir, tmp_path)
    yield port
    stop_server(process)


def post(port, body, content_type="application/json", topic=TOPIC, timeout=120):
    """POSTs to /v1/topics/<topic>/records (the path sent as it is, `..` included); (status, JSON answer)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    connection.request("POST", f"/v1/topics/{topic}/records", body=body if isinstance(body, bytes) else body.encode(),
                       headers={"Content-Type": content_type})
    response = connection.getresponse()
    text = response.read()
    connection.close()
    return response.status, json.loads(text) if text else None


def memory_kb(pid, field):
    """VmRSS (resident now) or VmHWM (the peak) of a process, in KiB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/{pid}/status")


def reset_peak(pid):
    with open(f"/proc/{pid}/clear_refs", "w") as clear_refs:
        clear_refs.write("5")  # resets VmHWM to the current RSS


def small_objects_body(first_id):
    """A JSON array of about BODY_BYTES of 88-byte objects (under serve.max_request_records), and its count."""
    pad = "x" * 43
    items, size, n = [], 2, 0
    while size + 89 <= BODY_BYTES:
        item = f'{{"login":{{"uuid":"u-{first_id + n:09d}"}},"n":{n % 10},"v":"{pad}"}}'
        assert len(item) == 88
        items.append(item)
        size += 89
        n += 1
    return ("[" + ",".join(items) + "]").encode(), n


def settled_rss(pid, at_most_kb, timeout=30):
    """Polls VmRSS until it is at most `at_most_kb` (or the deadline); returns the last reading."""
    deadline = time.time() + timeout
    rss = memory_kb(pid, "VmRSS")
    while rss > at_most_kb and time.time() < deadline:
        time.sleep(0.2)
        rss = memory_kb(pid, "VmRSS")
    return rss


def test_big_bodies_of_small_objects_use_memory_proportional_to_the_body(data_dir, tmp_path):
    process, port = start_server(data_dir, tmp_path)
    try:
        pid = process.pid
        assert post(port, '[{"login":{"uuid":"warm-up"}}]')[0] == 200  # the topic exists, its file is open
        baseline = memory_kb(pid, "VmRSS")
        body_kb = BODY_BYTES // 1024

        # One body: the peak stays within a few times the body, and memory goes back after.
        body, count = small_objects_body(0)
        assert count > 85000
        reset_peak(pid)
        assert post(port, body) == (200, {"accepted": count})
        one_peak = memory_kb(pid, "VmHWM") - baseline
        assert one_peak < 8 * body_kb, f"one {body_kb} KiB body raised the peak RSS by {one_peak} KiB"
        after_one = settled_rss(pid, baseline + 2 * body_kb)
        assert after_one <= baseline + 2 * body_kb, (baseline, after_one)

        # Three at once: three times that at most, and back near the baseline after.
        bodies = [small_objects_body((i + 1) * 1_000_000)[0] for i in range(3)]
        reset_peak(pid)
        with ThreadPoolExecutor(3) as pool:
            answers = list(pool.map(lambda b: post(port, b), bodies))
        assert answers == [(200, {"accepted": count})] * 3
        three_peak = memory_kb(pid, "VmHWM") - baseline
        assert three_peak < 3 * 8 * body_kb, f"three {body_kb} KiB bodies raised the peak RSS by {three_peak} KiB"
        after_three = settled_rss(pid, baseline + 2 * body_kb)
        assert after_three <= baseline + 2 * body_kb, (baseline, after_three)

        # A body of tiny objects (the most records per byte) is refused by the record bound, cheaply.
        tiny = ("[" + ",".join(["{}"] * (BODY_BYTES // 3)) + "]").encode()
        reset_peak(pid)
        status, answer = post(port, tiny)
        assert status == 400, answer
        assert "serve.max_request_records" in answer["error"] and answer["index"] == 100000, answer
        tiny_peak = memory_kb(pid, "VmHWM") - baseline
        assert tiny_peak < 4 * body_kb, f"a {body_kb} KiB body of {{}} raised the peak RSS by {tiny_peak} KiB"
    finally:
        stop_server(process)
    assert sum(topic_end_offsets(data_dir).values()) == 1 + 4 * count


@pytest.mark.parametrize("body, offset", [
    ('[{"a":1}] [{"b":2}]', 10),
    ('[{"a":1}][{"a":1}]', 9),
    ('[{"a":1}],[{"a":1}]', 9),
    ('[{"a":1}]]', 9),
    ('[{"a":1}] {"b":2}', 10),
])
def test_trailing_data_after_the_array_is_refused_and_nothing_written(server, data_dir, body, offset):
    assert post(server, '[{"a":0}]') == (200, {"accepted": 1})
    status, answer = post(server, body)
    assert status == 400, answer
    assert "trailing data after the array" in answer["error"] and answer["offset"] == offset, answer
    assert sum(topic_end_offsets(data_dir).values()) == 1


def test_ndjson_is_one_object_per_line(server, data_dir):
    status, answer = post(server, '{"a":1}\n{"a":2} {"a":3}\n', "application/x-ndjson")
    assert status == 400 and answer["index"] == 1 and answer["offset"] == 16, answer
    assert "line 2: trailing data" in answer["error"], answer
    assert post(server, '\r\n{"a":1}\r\n\r\n{"a":2}\n', "application/x-ndjson") == (200, {"accepted": 2})
    assert sum(topic_end_offsets(data_dir).values()) == 2


def test_only_json_and_ndjson_media_types_are_accepted(server):
    for refused in ["application/jsonx", "application/json-seq", "text/plain", "application/json; charset=latin1",
                    "application/x-ndjsonx"]:
        status, answer = post(server, '[{"a":1}]', refused)
        assert status == 415, (refused, answer)
        assert "Content-Type" in answer["error"] or "charset" in answer["error"], answer
    assert post(server, '[{"a":1}]', "Application/JSON; charset=UTF-8") == (200, {"accepted": 1})
    assert post(server, '{"a":1}\n', "application/x-ndjson;charset=utf-8") == (200, {"accepted": 1})


def test_bad_topic_names_are_refused_with_400(server, data_dir):
    for name in [".", "..", "x" * 201, "a%20b", "%C3%A9t%C3%A9", ""]:
        status, answer = post(server, '[{"a":1}]', topic=name)
        assert status == 400, (name, status, answer)
        assert "bad topic name" in answer["error"], answer
    assert not (data_dir / "log").exists() or sorted(p.name for p in (data_dir / "log").iterdir()) == []


def test_unknown_topics_are_refused_unless_created_up_to_max_topics(data_dir, tmp_path):
    # By default only bus.topic: any other topic is 404 and nothing is created.
    process, port = start_server(data_dir, tmp_path)
    try:
        status, answer = post(port, '[{"a":1}]', topic="other")
        assert status == 404 and "unknown topic 'other'" in answer["error"], answer
        assert post(port, '[{"a":1}]') == (200, {"accepted": 1})
    finally:
        stop_server(process)
    listed = lambda: {json.loads(line)["topic"] for line in
                      kascade("topics", "--data-dir", data_dir, "--format", "ndjson").stdout.splitlines()}
    assert listed() == {TOPIC}

    # Opted in: new topics until the bus holds serve.max_topics of them, then 403.
    process, port = start_server(data_dir, tmp_path, "serve:\n  create_topics: true\n  max_topics: 3\n")
    try:
        assert post(port, '[{"a":1}]', topic="new-1") == (200, {"accepted": 1})
        assert post(port, '[{"a":1}]', topic="new.2") == (200, {"accepted": 1})
        status, answer = post(port, '[{"a":1}]', topic="new_3")
        assert status == 403 and "serve.max_topics: 3" in answer["error"], answer
        status, answer = post(port, '[{"a":1}]', topic="x" * 201)
        assert status == 400, answer
        assert post(port, '[{"a":1}]', topic="new-1") == (200, {"accepted": 1})
        assert post(port, '[{"a":1}]', topic="x" * 200)[0] == 403
    finally:
        stop_server(process)
    assert listed() == {TOPIC, "new-1", "new.2"}

    # An allow-list replaces bus.topic: only what it names.
    process, port = start_server(data_dir, tmp_path, "serve:\n  topics: new-1, orders\n")
    try:
        assert post(port, '[{"a":1}]', topic="orders") == (200, {"accepted": 1})
        status, answer = post(port, '[{"a":1}]')
        assert status == 404 and "serve.topics: new-1, orders" in answer["error"], answer
    finally:
        stop_server(process)


def test_validate_rejects_a_bad_name_in_serve_topics(tmp_path):
    config = tmp_path / "serve.yaml"
    config.write_text("bus:\n  topic: users.raw\nserve:\n  topics: users.raw, ..\n")
    result = kascade("validate", "-c", config, check=False)
    assert result.returncode == 2, result
    assert f"{config}:4:" in result.stderr and "serve.topics" in result.stderr, result.stderr
    assert "bad topic name '..'" in result.stderr, result.stderr
    config.write_text("serve:\n  topics: users.raw, orders\n  create_topics: true\n  max_topics: 10\n")
    assert kascade("validate", "-c", config, check=False).returncode == 0


def test_a_chunked_body_beyond_max_request_bytes_is_refused_without_being_kept(data_dir, tmp_path):
    """Without Content-Length the bound is checked while reading: 100 MB sent, far less kept."""
    process, port = start_server(data_dir, tmp_path)
    try:
        assert post(port, '[{"a":0}]') == (200, {"accepted": 1})
        baseline = memory_kb(process.pid, "VmRSS")
        reset_peak(process.pid)
        chunk = ("[" + ",".join(['{"a":1}'] * 125000) + "]").encode()  # 1 MB, sent 100 times
        with socket.create_connection(("127.0.0.1", port), timeout=60) as connection:
            connection.sendall(f"POST /v1/topics/{TOPIC}/records HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                               "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".encode())
            try:
                for _ in range(100):
                    connection.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                connection.sendall(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server stopped reading once it had answered
            head = connection.recv(4096).decode()
        assert head.startswith("HTTP/1.1 413"), head
        peak = memory_kb(process.pid, "VmHWM") - baseline
        assert peak < 3 * (BODY_BYTES // 1024), f"a refused chunked body raised the peak RSS by {peak} KiB"
    finally:
        stop_server(process)
    assert sum(topic_end_offsets(data_dir).values()) == 1


def test_a_compressed_body_is_bounded_by_its_size_once_decompressed(data_dir, tmp_path):
    """A 300 KB gzip body of 200 MB: refused with 413 while decompressing, not after."""
    process, port = start_server(data_dir, tmp_path)
    try:
        assert post(port, '[{"a":0}]') == (200, {"accepted": 1})
        raw = b"[" + b",".join([b'{"a":1}'] * (200_000_000 // 8)) + b"]"
        body = gzip.compress(raw, 9)
        del raw
        baseline = memory_kb(process.pid, "VmRSS")
        reset_peak(process.pid)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        connection.request("POST", f"/v1/topics/{TOPIC}/records", body=body,
                           headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
        response = connection.getresponse()
        answer = json.loads(response.read())
        connection.close()
        peak = memory_kb(process.pid, "VmHWM") - baseline
        assert peak < 3 * (BODY_BYTES // 1024), f"a refused compressed body raised the peak RSS by {peak} KiB"
        assert response.status == 413 and "serve.max_request_bytes" in answer["error"], answer
    finally:
        stop_server(process)
    assert sum(topic_end_offsets(data_dir).values()) == 1
