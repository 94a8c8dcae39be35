"""tests/e2e/test_observe.py: --http-port on the pipeline roles: /metrics scraped by a real Prometheus (a `process`
on Kafka and Cassandra, an `ingest`, a `serve`) and checked against what the pipeline did; /readyz following a
private broker stopped and started again; every series the Grafana dashboard names is one kascade exports."""
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.parse

import pytest

from cassandra_support import cassandra, cassandra_store_flags, count_rows, kascade_env, keyspace  # noqa: F401
from conftest import KASCADE, SOURCE_DIR, kascade
from confluent_kafka import Producer
from kafka_support import BROKER, KafkaPipeline, end_offsets, require_broker, stop, unique, wait_until

DASHBOARD = os.path.join(SOURCE_DIR, "contrib", "grafana", "kascade.json")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path, host="127.0.0.1", timeout=30):
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def samples(metrics_text):
    """{series with labels: value} of a /metrics answer."""
    out = {}
    for line in metrics_text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


def start_role(args, env=None):
    """`kascade ARGS --http-port P`; returns (process, P) once it says where its endpoint listens."""
    port = free_port()
    process = subprocess.Popen([KASCADE, *map(str, args), "--http-port", str(port)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=env)
    line = process.stdout.readline()
    assert f"observe endpoint on http://127.0.0.1:{port} " in line, (line, process.poll() is not None
                                                                       and process.stderr.read())
    return process, port


class Prometheus:
    """Debian's prometheus, a plain process on 127.0.0.1 scraping `targets` ({job: port}) every second."""

    def __init__(self, tmp_path, targets):
        binary = shutil.which("prometheus")
        if binary is None:
            pytest.fail("prometheus is not installed (deps/debian-packages.txt; scripts/setup installs it)")
        self.port = free_port()
        config = tmp_path / "prometheus.yml"
        # serve's /metrics describes every topic of the cluster (the shared broker holds many): it gets longer.
        slow = {"serve": "    scrape_interval: 5s\n    scrape_timeout: 5s\n"}
        jobs = "".join(f"  - job_name: {job}\n{slow.get(job, '')}    static_configs:\n"
                       f"      - targets: ['127.0.0.1:{port}']\n" for job, port in targets.items())
        config.write_text("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n" + jobs)
        self.log = open(tmp_path / "prometheus.log", "w")
        self.process = subprocess.Popen(
            [binary, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{self.port}"], stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 90
        while time.time() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"prometheus exited {self.process.returncode}: {(tmp_path / 'prometheus.log').read_text()}")
            try:
                if get(self.port, "/-/ready", timeout=5)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        pytest.fail("prometheus did not become ready within 90 s")

    def query(self, expr):
        """The instant vector of `expr`: [(labels, value)]."""
        status, body = get(self.port, "/api/v1/query?" + urllib.parse.urlencode({"query": expr}))
        assert status == 200, body
        return [(r["metric"], float(r["value"][1])) for r in json.loads(body)["data"]["result"]]

    def value(self, expr):
        result = self.query(expr)
        return result[0][1] if len(result) == 1 else None

    def targets(self, job):
        """What Prometheus says of its scrapes of `job` (for messages)."""
        active = json.loads(get(self.port, "/api/v1/targets")[1])["data"]["activeTargets"]
        return [(t["health"], t["lastError"], t["lastScrapeDuration"]) for t in active if t["labels"]["job"] == job]

    def close(self):
        self.process.terminate()
        self.process.wait(timeout=60)
        self.log.close()


def test_prometheus_scrapes_process_ingest_and_serve(cassandra, keyspace, tmp_path):  # noqa: F811
    require_broker()
    pipeline = KafkaPipeline(tmp_path, partitions=2, name="observe")
    valid, garbage = 3000, 150
    pipeline.run("ingest", "--source", "generator", "--records", valid)
    producer = Producer({"bootstrap.servers": BROKER})  # records that are not JSON: dead letters of class parse
    for i in range(garbage):
        producer.produce(pipeline.topic, key=f"g{i}", value=b"{not json " + str(i).encode())
    assert producer.flush(60) == 0
    total = valid + garbage

    # process: the Kafka topic into Cassandra; ingest: an endless, slow source onto a topic of its own;
    # serve: pushes onto a third topic.
    mock = subprocess.Popen([KASCADE, "mock-api", "--port", "0"], stdout=subprocess.PIPE, text=True)
    mock_url = mock.stdout.readline().split("listening on ")[1].split()[0]
    live_topic, push_topic = unique("observe-live"), unique("observe-push")
    process, process_port = start_role(["process", "-c", pipeline.config, *cassandra_store_flags(keyspace)],
                                       env=kascade_env())
    ingest, ingest_port = start_role(
        ["ingest", "-c", pipeline.config, "--source", "randomuser", "--set", f"bus.topic={live_topic}",
         "--set", f"source.name={unique('observe-live')}", "--set", f"source.randomuser.url={mock_url}/api/",
         "--set", "source.randomuser.results_per_page=10", "--set", "source.http.requests_per_second=4",
         "--set", "source.batch_records=10"])
    serve_config = tmp_path / "serve.yaml"
    serve_config.write_text(pipeline.config.read_text() + f"serve:\n  topics: {push_topic}\n")
    serve = subprocess.Popen([KASCADE, "serve", "-c", serve_config, "--port", "0"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    serve_port = int(re.search(r"listening on http://[^ ]*:(\d+) ", serve.stdout.readline()).group(1))
    prometheus = Prometheus(tmp_path, {"process": process_port, "ingest": ingest_port, "serve": serve_port})
    try:
        pushed = 25
        body = "\n".join(json.dumps({"login": {"uuid": f"u{i}"}, "n": i}) for i in range(pushed))
        connection = http.client.HTTPConnection("127.0.0.1", serve_port, timeout=30)
        connection.request("POST", f"/v1/topics/{push_topic}/records", body, {"Content-Type": "application/x-ndjson"})
        assert connection.getresponse().status == 200
        connection.close()

        # Everything the ingest put on the topic is read, written and scraped: lag 0 on both partitions.
        def processed():
            lag = prometheus.query('kascade_consumer_lag{job="process"}')
            return (prometheus.value('kascade_records_out_total{job="process"}') == total and len(lag) == 2
                    and all(value == 0 for _, value in lag))
        wait_until(processed, 300, "Prometheus to see every record processed")
        rows = count_rows(cassandra, f"{keyspace}.users")
        letters = {}
        for row in cassandra.execute(f"SELECT error_class FROM {keyspace}.dead_letters"):
            letters[row.error_class] = letters.get(row.error_class, 0) + 1
        assert rows == valid and letters == {"parse": garbage}, (rows, letters)
        wait_until(lambda: prometheus.value('kascade_rows_written_total{job="process"}') == rows, 60,
                   f"rows written = {rows} rows in Cassandra")
        for error_class, count in letters.items():
            assert prometheus.value(
                f'kascade_dead_letters_total{{job="process",error_class="{error_class}"}}') == count, error_class
        assert prometheus.value('sum(kascade_dead_letters_total{job="process"})') == sum(letters.values())
        assert prometheus.value('kascade_assigned_partitions{job="process"}') == 2
        writes = prometheus.value('kascade_sink_write_seconds_count{job="process"}')
        assert writes and writes >= prometheus.value('kascade_sink_writes_total{job="process"}') > 0
        p99 = prometheus.value('histogram_quantile(0.99, kascade_sink_write_seconds_bucket{job="process"})')
        assert p99 is not None and 0 < p99 <= 10
        assert prometheus.value('sum(kascade_retries_total{job="process"})') == 0
        assert prometheus.value('kascade_sink_in_flight{job="process"}') == 0
        assert prometheus.value('kascade_window_groups{job="process"}') == 0  # no windows on Cassandra by default
        assert prometheus.value('kascade_records_in_total{job="process"}') == 0  # it reads, it does not ingest

        # ingest: what the bus acknowledged, never more than the topic holds.
        wait_until(lambda: (prometheus.value('kascade_records_in_total{job="ingest"}') or 0) >= 20, 120,
                   "the live ingest to be scraped with records")
        assert prometheus.value('kascade_records_in_total{job="ingest"}') <= sum(end_offsets(live_topic).values())
        assert prometheus.query('kascade_consumer_lag{job="ingest"}') == []  # it does not consume

        # serve: the same naming scheme, the push counted.
        wait_until(lambda: prometheus.value('kascade_push_records_total{job="serve"}') == pushed, 90,
                   f"serve's pushes scraped ({prometheus.targets('serve')})")
        for job, role in (("process", process), ("ingest", ingest), ("serve", serve)):
            with open(f"/proc/{role.pid}/status") as status:
                rss = int(re.search(r"VmRSS:\s+(\d+) kB", status.read()).group(1)) * 1024
            scraped = prometheus.value(f'process_resident_memory_bytes{{job="{job}"}}')
            assert scraped is not None and 0.5 * rss < scraped < 2 * rss, (job, scraped, rss)
            fds = prometheus.value(f'process_open_fds{{job="{job}"}}')
            assert fds is not None and 3 <= fds <= len(os.listdir(f"/proc/{role.pid}/fd")) + 32, (job, fds)
        assert prometheus.value('up{job="process"}') == 1
    finally:
        prometheus.close()
        for role in (process, ingest, serve):
            stop(role)
        mock.terminate()
        mock.wait(timeout=30)
    # SIGTERM ends process and ingest before any goal (128 + 15); serve has no goal: a stop is its normal end.
    assert (process.returncode, ingest.returncode, serve.returncode) == (143, 143, 0)


@pytest.fixture
def private_broker(tmp_path):
    """A Kafka broker of this test's own on 127.0.0.2:9092 (the shared one is never stopped)."""
    env = {**os.environ, "KASCADE_SERVICES_DIR": str(tmp_path / "services"), "KASCADE_SERVICES_HOST": "127.0.0.2"}
    services = os.path.join(SOURCE_DIR, "scripts", "services")
    # The jars once fetched for the shared broker are the same: linked, not fetched again.
    shared_libs = os.path.join(os.environ.get("KASCADE_SERVICES_DIR", os.path.join(SOURCE_DIR, ".services")),
                               "kafka", "libs")
    if os.path.isdir(shared_libs):
        os.makedirs(tmp_path / "services" / "kafka")
        os.symlink(shared_libs, tmp_path / "services" / "kafka" / "libs")

    def run(action):
        done = subprocess.run([services, action, "kafka"], env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, f"services {action} kafka on 127.0.0.2: {done.stdout}{done.stderr}"
    run("start")
    yield run
    run("stop")


def test_readyz_fails_while_the_broker_is_down_and_recovers(private_broker, tmp_path):
    pipeline = KafkaPipeline(tmp_path, partitions=2, brokers="127.0.0.2:9092", name="ready")
    pipeline.run("ingest", "--source", "generator", "--records", 100)
    process, port = start_role(["process", "-c", pipeline.config])
    try:
        def readyz():
            status, body = get(port, "/readyz")
            return status, json.loads(body)
        wait_until(lambda: readyz()[0] == 200, 120, "/readyz 200 with the broker up")
        assert readyz()[1] == {"ready": True, "checks": {"run": "ok", "bus": "ok", "store": "ok",
                                                         "partitions": "ok"}}
        wait_until(lambda: pipeline.rows()[0] == 100, 120, "the 100 records landed")

        private_broker("stop")
        wait_until(lambda: readyz()[0] == 503, 120, "/readyz 503 with the broker down")
        status, document = readyz()
        assert document["ready"] is False and document["checks"]["bus"] != "ok", document
        assert get(port, "/healthz")[0] == 200  # alive all along

        private_broker("start")
        wait_until(lambda: readyz()[0] == 200, 180, "/readyz 200 again after the broker is back")
        assert process.poll() is None
    finally:
        stop(process, timeout=120)


def promql_metric_names(expr):
    """Metric names an expression reads: identifiers that are not functions, keywords, labels or durations."""
    expr = re.sub(r'"[^"]*"', '""', expr)          # label values
    expr = re.sub(r"\{[^}]*\}", "", expr)          # label matchers
    expr = re.sub(r"\[[^\]]*\]", "", expr)         # range durations
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)  # grouping labels
    names = set()
    for match in re.finditer(r"[a-zA-Z_:][a-zA-Z0-9_:]*", expr):
        following = expr[match.end():].lstrip()
        if following.startswith("("):
            continue  # a function or an aggregation
        if match.group(0) in {"and", "or", "unless", "bool", "offset"}:
            continue
        names.add(match.group(0))
    return names


def test_grafana_dashboard_names_only_exported_series(data_dir):
    with open(DASHBOARD) as file:
        dashboard = json.load(file)
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]
    assert exprs, "the dashboard has no queries"
    named = set().union(*map(promql_metric_names, exprs))
    assert promql_metric_names('histogram_quantile(0.9, sum by (le) (rate(a_bucket{x="y"}[5m]))) / b') == {
        "a_bucket", "b"}

    kascade("ingest", "--data-dir", data_dir, "--records", 500, "--set", "source.malformed_ratio=0.05")
    process, port = start_role(["process", "--data-dir", data_dir])
    try:
        wait_until(lambda: samples(get(port, "/metrics")[1]).get("kascade_records_out_total") == 500, 120,
                   "every record read")
        exported = {re.sub(r"\{.*", "", series) for series in samples(get(port, "/metrics")[1])}
    finally:
        stop(process)
    assert named - exported == set(), f"the dashboard names series kascade does not export: {named - exported}"
    # And it covers what the endpoint is for.
    for wanted in ("kascade_records_in_total", "kascade_rows_written_total", "kascade_dead_letters_total",
                   "kascade_consumer_lag", "kascade_sink_write_seconds_bucket", "kascade_retries_total",
                   "process_resident_memory_bytes"):
        assert wanted in named, wanted
