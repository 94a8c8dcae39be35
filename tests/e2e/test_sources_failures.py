"""HTTP sources keep credentials on the configured origin, fail loudly when they cannot fetch, and check pointers."""
import json
import os
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import KASCADE, kascade, query

TOKEN = "s3cret-bearer-token"
API_KEY = "X-Api-Key: k-123456"


class Origin:
    """A local HTTP server on its own 127.0.0.1 port (an origin). `routes` maps a
    path to (status, headers, body); every request's path and headers are kept."""

    def __init__(self):
        self.routes = {}
        self.requests = []
        origin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the http.server API
                origin.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                status, headers, body = origin.routes.get(self.path, (404, {}, b"{}"))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def page(self, path, users, headers=None, wrapper="results"):
        body = json.dumps({wrapper: users}).encode() if wrapper else json.dumps(users).encode()
        self.routes[path] = (200, {"Content-Type": "application/json", **(headers or {})}, body)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def origins():
    a, b = Origin(), Origin()
    yield a, b
    a.close()
    b.close()


@pytest.fixture(scope="module")
def users():
    """Ten users shaped like the randomuser API's, so that they land as rows."""
    out = kascade("generate", "--records", 10).stdout
    return [json.loads(line) for line in out.splitlines()]


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def link_run(data_dir, url, *extra):
    env = dict(os.environ, SOURCE_TOKEN=TOKEN)
    return kascade("run", "--source", "http", "--data-dir", data_dir,
                   "--set", f"source.http.url={url}", "--set", "source.http.pagination=link",
                   "--set", "source.http.records_pointer=/results",
                   "--set", "source.http.auth=bearer", "--set", "source.http.token_env=SOURCE_TOKEN",
                   "--set", f"source.http.headers={API_KEY}", *extra, check=False, timeout=180, env=env)


def rows(data_dir):
    return query(data_dir, "SELECT count(*) FROM users")[0][0]


def assert_no_secrets(requests):
    for path, headers in requests:
        assert "authorization" not in headers, (path, headers)
        assert "x-api-key" not in headers, (path, headers)


def test_link_next_to_another_origin_is_refused(origins, users, data_dir):
    a, b = origins
    a.page("/users", users[:5], {"Link": f'<{b.url}/more>; rel="next"'})
    b.page("/more", users[5:])
    result = link_run(data_dir, f"{a.url}/users")
    assert result.returncode == 1, result
    assert f"refused to follow {b.url}/more" in result.stderr, result.stderr
    assert "source.http.allowed_origins" in result.stderr, result.stderr
    assert TOKEN not in result.stderr + result.stdout
    assert b.requests == [], "the other origin was asked at all"
    assert a.requests and all(h.get("authorization") == f"Bearer {TOKEN}" for _, h in a.requests)
    assert all(h.get("x-api-key") == "k-123456" for _, h in a.requests)


def test_allowed_origin_is_followed_without_credentials(origins, users, data_dir):
    a, b = origins
    a.page("/users", users[:5], {"Link": f'<{b.url}/more>; rel="next"'})
    b.page("/more", users[5:])
    result = link_run(data_dir, f"{a.url}/users", "--set", f"source.http.allowed_origins={b.url}")
    assert result.returncode == 0, result.stderr
    assert rows(data_dir) == 10
    assert [path for path, _ in b.requests] == ["/more"]
    assert_no_secrets(b.requests)


def test_redirect_to_another_origin_drops_credentials(origins, users, data_dir):
    a, b = origins
    a.routes["/users"] = (302, {"Location": f"{b.url}/moved"}, b"")
    b.page("/moved", users[:7])
    env = dict(os.environ, SOURCE_TOKEN=TOKEN)
    result = kascade("run", "--source", "http", "--data-dir", data_dir, "--set", f"source.http.url={a.url}/users",
                     "--set", "source.http.records_pointer=/results", "--set", "source.http.auth=bearer",
                     "--set", "source.http.token_env=SOURCE_TOKEN", "--set", f"source.http.headers={API_KEY}",
                     check=False, timeout=180, env=env)
    assert result.returncode == 0, result.stderr
    assert rows(data_dir) == 7
    assert [path for path, _ in b.requests] == ["/moved"]
    assert_no_secrets(b.requests)
    assert a.requests[0][1].get("authorization") == f"Bearer {TOKEN}"


def test_same_origin_redirect_keeps_credentials(origins, users, data_dir):
    a, _ = origins
    a.routes["/users"] = (301, {"Location": "/v2/users"}, b"")
    a.page("/v2/users", users[:3])
    result = link_run(data_dir, f"{a.url}/users")
    assert result.returncode == 0, result.stderr
    assert rows(data_dir) == 3
    assert [(p, h.get("authorization")) for p, h in a.requests] == [("/users", f"Bearer {TOKEN}"),
                                                                   ("/v2/users", f"Bearer {TOKEN}")]


def test_unreachable_api_fails_the_run_with_the_reason(data_dir):
    url = f"http://127.0.0.1:{closed_port()}/api/"
    process = subprocess.Popen([KASCADE, "run", "--source", "randomuser", "--duration", "6s", "--data-dir",
                                str(data_dir), "--set", f"source.randomuser.url={url}",
                                # Retries every few ms: hundreds of attempts, reported a few lines only.
                                "--set", "source.http.backoff_initial_ms=1", "--set", "source.http.backoff_max_ms=10",
                                "--set", "source.http.breaker_failures=1000000", "--set", "log.repeat_interval_ms=1000"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = process.stderr.readline()
    while first and "failed attempt" not in first:  # the log's start line comes before
        first = process.stderr.readline()
    running = process.poll() is None
    stdout, rest = process.communicate(timeout=120)
    assert "source 'randomuser': 1 failed attempt" in first, first
    assert "Couldn't connect" in first, first
    assert running, "the failed attempt was reported only at the end"
    assert process.returncode == 1, (stdout, rest)
    assert "never fetched successfully" in rest and "Couldn't connect" in rest, rest
    assert "ingested" not in stdout, stdout
    # Rate-limited: a line per log.repeat_interval_ms (1 s here) at most, however many attempts failed.
    attempts = int(rest.split("never fetched successfully (")[1].split(" ")[0])
    lines = [line for line in (first + rest).splitlines() if "failed attempt" in line and "source 'randomuser'" in line]
    assert attempts >= 100, rest
    assert 2 <= len(lines) <= 9, lines


def test_schedule_records_the_failed_run_with_its_reason(data_dir):
    url = f"http://127.0.0.1:{closed_port()}/api/"
    result = kascade("schedule", "--every", "1s", "--runs", 1, "--duration", "2s", "--job", "api",
                     "--source", "randomuser", "--data-dir", data_dir, "--set", f"source.randomuser.url={url}",
                     check=False, timeout=120)
    assert result.returncode == 1, result
    assert "run 1 failed" in result.stdout, result.stdout
    runs = [json.loads(line) for line in
            kascade("jobs", "ls", "--data-dir", data_dir, "--format", "ndjson").stdout.splitlines()]
    assert [r["outcome"] for r in runs if r["outcome"] != "skipped"] == ["failed"], runs  # 1 s ticks during the 2 s run
    assert "never fetched successfully" in runs[0]["reason"], runs
    assert "Couldn't connect" in runs[0]["reason"], runs


@pytest.mark.parametrize("key,value,problem", [
    ("source.http.cursor_pointer", "meta/next", "must be empty or start with '/'"),
    ("source.http.records_pointer", "/data/~2", "'~' must be followed by 0 or 1"),
    ("serve.key_pointer", "/id~", "'~' must be followed by 0 or 1"),
])
def test_validate_rejects_a_bad_pointer(tmp_path, key, value, problem):
    section, *rest = key.split(".")
    config = tmp_path / "pipeline.yaml"
    if section == "source":
        config.write_text(f"source:\n  type: http\n  http:\n    url: http://127.0.0.1:1/x\n    {rest[1]}: \"{value}\"\n")
        line = 5
    else:
        config.write_text(f"serve:\n  {rest[0]}: \"{value}\"\n")
        line = 2
    result = kascade("validate", "-c", config, check=False)
    assert result.returncode == 2, result
    assert f"{config}:{line}:" in result.stderr, result.stderr
    assert key in result.stderr and problem in result.stderr, result.stderr


def test_validate_accepts_escaped_pointers(tmp_path):
    config = tmp_path / "pipeline.yaml"
    config.write_text("source:\n  http:\n    records_pointer: \"/a~0b/c~1d\"\n    key_pointer: \"\"\n")
    assert kascade("validate", "-c", config, check=False).returncode == 0


@pytest.mark.parametrize("option,pointer", [("cursor_pointer", "/meta/next"), ("records_pointer", "/items")])
def test_first_page_without_the_pointer_fails_naming_it(origins, users, data_dir, option, pointer):
    a, _ = origins
    a.routes["/users?cursor="] = (200, {}, json.dumps({"results": users, "paging": {"next": "c2"}}).encode())
    result = kascade("run", "--source", "http", "--data-dir", data_dir,
                     "--set", f"source.http.url={a.url}/users?cursor={{cursor}}",
                     "--set", "source.http.pagination=cursor", "--set", "source.http.records_pointer=/results",
                     "--set", "source.http.cursor_pointer=/paging/next", "--set", f"source.http.{option}={pointer}",
                     check=False, timeout=60)
    assert result.returncode == 1, result
    assert f"source.http.{option} '{pointer}' matches nothing in the first page" in result.stderr, result.stderr
    assert len(a.requests) == 1
