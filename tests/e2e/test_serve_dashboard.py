"""`kascade serve`'s dashboard: its JSON routes say what `kascade topics` and `kascade lag` say, and the page,
rendered by a real headless browser, shows those figures."""
import html.parser
import http.client
import json
import shutil
import signal
import socket
import subprocess
import time

import pytest

from conftest import KASCADE, kascade, query, start_processor

RECORDS = 3_000
TOPIC = "users.raw"


@pytest.fixture
def server(data_dir):
    kascade("ingest", "--records", RECORDS, "--data-dir", data_dir)
    process = subprocess.Popen([KASCADE, "serve", "--data-dir", str(data_dir), "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    assert "listening on http://127.0.0.1:" in line, (line, process.stderr.read() if process.poll() is not None else "")
    yield int(line.split("http://127.0.0.1:")[1].split()[0])
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err


def request(port, method, path, body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    answer = response.status, dict(response.getheaders()), response.read().decode()
    connection.close()
    return answer


def get_json(port, path):
    status, headers, body = request(port, "GET", path)
    assert status == 200, (path, status, body)
    assert headers["Content-Type"] == "application/json", headers
    return json.loads(body)


def cli_rows(command, data_dir):
    return [json.loads(line) for line in kascade(command, "--data-dir", data_dir, "--format", "ndjson").stdout.splitlines()]


def total_lag(port):
    return sum(row["lag"] for row in get_json(port, "/v1/lag"))


def push(port, objects):
    body = "\n".join(json.dumps(o) for o in objects)
    status, _, answer = request(port, "POST", f"/v1/topics/{TOPIC}/records", body,
                                {"Content-Type": "application/x-ndjson"})
    assert status == 200, answer


# Objects with a key but none of a user's required fields: the processor dead-letters them.
INVALID = [{"login": {"uuid": f"00000000-0000-4000-8000-00000000000{i}"}} for i in range(5)]


def process_until_no_lag(port, data_dir, timeout=120):
    """`kascade process` until the group has committed every record of the topic, then SIGTERM."""
    processor = start_processor(data_dir)
    try:
        deadline = time.time() + timeout
        while time.time() < deadline and total_lag(port) > 0:
            assert processor.poll() is None, processor.communicate()
            time.sleep(0.1)
        assert total_lag(port) == 0
    finally:
        processor.send_signal(signal.SIGTERM)
        _, err = processor.communicate(timeout=60)
    assert processor.returncode == 128 + signal.SIGTERM, err


def test_json_routes_say_what_the_cli_says(server, data_dir):
    topics = get_json(server, "/v1/topics")
    assert topics == cli_rows("topics", data_dir)
    assert sum(row["records"] for row in topics if row["topic"] == TOPIC) == RECORDS
    lag = get_json(server, "/v1/lag")
    assert lag == cli_rows("lag", data_dir)
    assert [row["committed_offset"] for row in lag] == [None] * len(lag), "nothing processed yet"
    assert total_lag(server) == RECORDS
    assert get_json(server, "/v1/dead_letters") == {"by_class": [], "recent": []}, "no store yet"

    push(server, INVALID)
    process_until_no_lag(server, data_dir)
    lag = get_json(server, "/v1/lag")
    assert lag == cli_rows("lag", data_dir)
    assert all(row["committed_offset"] == row["end_offset"] for row in lag), lag
    assert query(data_dir, "SELECT count(*) FROM users") == [(RECORDS,)]

    dead_letters = get_json(server, "/v1/dead_letters")
    assert [(c["error_class"], c["count"]) for c in dead_letters["by_class"]] == [("validation", 5)], dead_letters
    listed = {(d["partition"], d["offset"]) for d in cli_rows_dlq(data_dir)}
    assert {(d["partition"], d["offset"]) for d in dead_letters["recent"]} == listed and len(listed) == 5
    assert all(d["topic"] == TOPIC and d["attempts"] == 1 and "missing" in d["error_message"]
               for d in dead_letters["recent"]), dead_letters["recent"]

    status, _, metrics = request(server, "GET", "/metrics")
    assert status == 200
    for row in lag:
        member = f'group="kascade-processor",topic="{TOPIC}",partition="{row["partition"]}"'
        assert f"kascade_consumer_lag{{{member}}} 0\n" in metrics, metrics
        assert f"kascade_consumer_committed_offset{{{member}}} {row['committed_offset']}\n" in metrics, metrics
        assert f'kascade_topic_end_offset{{topic="{TOPIC}",partition="{row["partition"]}"}} {row["end_offset"]}\n' in metrics
    assert 'kascade_dead_letters{error_class="validation"} 5\n' in metrics, metrics
    assert "kascade_push_records_total 5\n" in metrics, metrics
    assert "# unavailable" not in metrics, metrics

    status_doc = get_json(server, "/v1/status")
    assert status_doc["records_pushed"] == 5
    assert (status_doc["topic"], status_doc["group"]) == (TOPIC, "kascade-processor")
    assert status_doc["bus"].startswith("embedded log in "), status_doc
    assert status_doc["started_ms"] <= status_doc["now_ms"]


def cli_rows_dlq(data_dir):
    out = kascade("dlq", "ls", "--data-dir", data_dir, "--format", "ndjson").stdout
    return [json.loads(line) for line in out.splitlines()]


def test_known_paths_asked_with_the_wrong_method_get_405(server):
    status, headers, _ = request(server, "DELETE", f"/v1/topics/{TOPIC}/records")
    assert (status, headers.get("Allow")) == (405, "POST")
    status, headers, _ = request(server, "GET", f"/v1/topics/{TOPIC}/records")
    assert (status, headers.get("Allow")) == (405, "POST")
    for path in ("/", "/v1/topics", "/v1/lag", "/v1/status", "/metrics"):
        status, headers, _ = request(server, "PUT", path, body="{}", headers={"Content-Type": "application/json"})
        assert (status, headers.get("Allow")) == (405, "GET"), path
    assert request(server, "GET", "/v1/nothing-here")[0] == 404


class ElementTexts(html.parser.HTMLParser):
    """The text of every element with an id, and the cells of each table body, from a DOM dump."""

    def __init__(self):
        super().__init__()
        self.by_id, self.rows = {}, {}
        self.open_ids, self.body, self.row = [], None, None

    def handle_starttag(self, tag, attrs):
        element_id = dict(attrs).get("id")
        self.open_ids.append((tag, element_id))
        if element_id:
            self.by_id[element_id] = ""
        if tag == "tbody":
            self.body = element_id
            self.rows[element_id] = []
        elif tag == "tr" and self.body:
            self.row = []
            self.rows[self.body].append(self.row)
        elif tag == "td" and self.row is not None:
            self.row.append("")

    def handle_endtag(self, tag):
        while self.open_ids:
            open_tag, _ = self.open_ids.pop()
            if open_tag == tag:
                break
        if tag == "tbody":
            self.body, self.row = None, None

    def handle_data(self, data):
        for _, element_id in self.open_ids:
            if element_id:
                self.by_id[element_id] += data
        if self.row is not None and self.open_ids and self.open_ids[-1][0] == "td":
            self.row[-1] += data


def test_the_page_in_a_browser_shows_the_pipeline(server, data_dir):
    status, headers, _ = request(server, "GET", "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html"), (status, headers)
    push(server, INVALID)
    process_until_no_lag(server, data_dir)
    push(server, [{"login": {"uuid": "unprocessed-1"}}, {"login": {"uuid": "unprocessed-2"}}])

    browser = shutil.which("chromium")
    assert browser, "chromium is needed (deps/debian-packages.txt; scripts/setup installs it)"
    dom = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000",
                          "--dump-dom", f"http://127.0.0.1:{server}/"],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    texts = ElementTexts()
    texts.feed(dom)
    assert texts.by_id["records"] == f"{RECORDS + 7:,}", texts.by_id
    assert texts.by_id["lag"] == "2"
    assert texts.by_id["pushed"] == "7"
    assert texts.by_id["dead-letters"] == "5"
    assert texts.by_id["where"].startswith("embedded log in "), texts.by_id["where"]
    assert "Cannot read" not in texts.by_id["error"]
    topics = get_json(server, "/v1/topics")
    assert [row[:5] for row in texts.rows["topics"]] == [
        [row["topic"], str(row["partition"]), f"{row['start_offset']:,}", f"{row['end_offset']:,}", f"{row['records']:,}"]
        for row in topics]
    assert texts.rows["lag-rows"] == [
        [str(row["partition"]), f"{row['committed_offset']:,}", f"{row['end_offset']:,}", f"{row['lag']:,}"]
        for row in get_json(server, "/v1/lag")]
    dead_letters = get_json(server, "/v1/dead_letters")
    assert texts.rows["dead-letter-classes"] == [[c["error_class"], str(c["count"]), c["latest"]]
                                                 for c in dead_letters["by_class"]]
    assert [row[:2] for row in texts.rows["dead-letter-recent"]] == [
        [f"{d['topic']} / {d['partition']} / {d['offset']}", d["error_class"]] for d in dead_letters["recent"]]


def test_an_unreachable_cassandra_store_fails_its_routes_only_and_is_not_asked_again_at_once(data_dir):
    """With the store on a Cassandra that never answers (a socket that listens and never accepts: each connect
    waits for the handshake timeout), /v1/dead_letters answers 503 with the reason, and the next requests get the
    same answer without a new connection (counted at the socket), so dashboards polling every two seconds never
    pile up waiting; /metrics says the part is unavailable; pushes and the other routes go on."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(64)
    process = subprocess.Popen([KASCADE, "serve", "--data-dir", str(data_dir), "--port", "0",
                                "--set", "store.type=cassandra",
                                "--set", f"store.cassandra.hosts=127.0.0.1:{silent.getsockname()[1]}",
                                "--set", "store.cassandra.connect_timeout_ms=1000"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert "listening on http://127.0.0.1:" in line, line
        port = int(line.split("http://127.0.0.1:")[1].split()[0])

        def connections_so_far():
            silent.settimeout(0.5)
            count = 0
            while True:
                try:
                    connection, _ = silent.accept()
                except socket.timeout:
                    return count
                connection.close()
                count += 1

        status, _, body = request(port, "GET", "/v1/dead_letters")
        assert status == 503 and "Cassandra" in json.loads(body)["error"], body
        tried = connections_so_far()
        assert tried >= 1
        for _ in range(3):
            again = request(port, "GET", "/v1/dead_letters")
            assert again[0] == 503 and again[2] == body, again
        status, _, metrics = request(port, "GET", "/metrics")
        assert status == 200 and "# unavailable: " in metrics and "Cassandra" in metrics, metrics
        assert connections_so_far() == 0, "asked Cassandra again within the retry interval"

        push(port, [{"login": {"uuid": "00000000-0000-4000-8000-000000000001"}}])
        assert get_json(port, "/v1/status")["records_pushed"] == 1
        assert sum(row["records"] for row in get_json(port, "/v1/topics")) == 1
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
        silent.close()
    assert process.returncode == 0, err
