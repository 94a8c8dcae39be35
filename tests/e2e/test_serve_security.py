"""`kascade serve`'s security: bearer tokens of scope push and read on every route (from the environment and from
a file, never printed), no start off loopback without tokens, the Host check against DNS rebinding, and HTTPS
with the connection limits holding under TLS."""
import http.client
import json
import socket
import ssl
import subprocess
import threading
import time

import pytest

from conftest import KASCADE, kascade
from serve_support import Serve, client_context, make_certificate, raw_exchange, request, trickle

PUSH_FILE, READ_FILE = "push-token-from-the-file-3b1f", "read-token-from-the-file-9c2e"
PUSH_ENV, READ_ENV = "push-token-from-env-77aa", "read-token-from-env-41dd"
TOKENS = (PUSH_FILE, READ_FILE, PUSH_ENV, READ_ENV)
READ_ROUTES = ["/v1/status", "/v1/topics", "/v1/lag", "/v1/dead_letters", "/metrics"]
PUSH_PATH = "/v1/topics/users.raw/records"


def tokens_file(tmp_path):
    path = tmp_path / "tokens"
    path.write_text(f"# serve tokens\npush {PUSH_FILE}\n\nread {READ_FILE}\n")
    return path


def authenticated_options(tmp_path, **extra):
    return {"port": 0, **extra, "auth": {"push_token_env": "SERVE_TEST_PUSH", "read_token_env": "SERVE_TEST_READ",
                                         "tokens_file": str(tokens_file(tmp_path))}}


TOKEN_ENV = {"SERVE_TEST_PUSH": PUSH_ENV, "SERVE_TEST_READ": READ_ENV}


def bearer(token):
    return {"Authorization": f"Bearer {token}"} if token else {}


def test_each_route_asks_for_its_scope(data_dir, tmp_path):
    serve = Serve(data_dir, tmp_path, authenticated_options(tmp_path), env=TOKEN_ENV)
    user = kascade("generate", "--records", 1).stdout.strip()

    push_headers = {"Content-Type": "application/x-ndjson"}
    for token in (None, "not-a-token"):
        status, headers, _ = request(serve.port, "POST", PUSH_PATH, body=user, headers={**push_headers, **bearer(token)})
        assert status == 401 and headers["WWW-Authenticate"].startswith("Bearer")
    for token in (READ_FILE, READ_ENV):
        assert request(serve.port, "POST", PUSH_PATH, body=user, headers={**push_headers, **bearer(token)})[0] == 403
    for token in (PUSH_FILE, PUSH_ENV):
        status, _, body = request(serve.port, "POST", PUSH_PATH, body=user, headers={**push_headers, **bearer(token)})
        assert (status, json.loads(body)) == (200, {"accepted": 1})
    for path in READ_ROUTES:
        for token in (None, "not-a-token", READ_FILE + "x"):
            status, headers, body = request(serve.port, "GET", path, headers=bearer(token))
            assert status == 401 and headers["WWW-Authenticate"].startswith("Bearer"), (path, token, status)
            assert "error" in json.loads(body)
        for token in (PUSH_FILE, PUSH_ENV):
            status, _, body = request(serve.port, "GET", path, headers=bearer(token))
            assert status == 403, (path, status, body)
        for token in (READ_FILE, READ_ENV):
            status, _, body = request(serve.port, "GET", path, headers=bearer(token))
            assert status == 200, (path, status, body)

    # A client waiting for "100 Continue" before its body is refused at once, never invited to send it.
    head = (f"POST {PUSH_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-ndjson\r\n"
            f"Content-Length: {len(user.encode())}\r\nExpect: 100-continue\r\n\r\n").encode()
    answer = raw_exchange(serve.port, head)
    assert answer.startswith(b"HTTP/1.1 401") and b"100 Continue" not in answer, answer
    answer = raw_exchange(serve.port, head.replace(b"Expect:", f"Authorization: Bearer {READ_ENV}\r\nExpect:".encode()))
    assert answer.startswith(b"HTTP/1.1 403"), answer
    with socket.create_connection(("127.0.0.1", serve.port), timeout=10) as connection:  # authorized: invited
        connection.sendall(head.replace(b"Expect:", f"Authorization: Bearer {PUSH_ENV}\r\nExpect:".encode()))
        assert connection.recv(4096).startswith(b"HTTP/1.1 100 Continue")
        connection.sendall(user.encode())
        answer = b""
        while b"accepted" not in answer and (chunk := connection.recv(4096)):
            answer += chunk
        assert b"HTTP/1.1 200" in answer and b'"accepted":1' in answer, answer

    # Only the authorized pushes were written.
    status, _, body = request(serve.port, "GET", "/v1/status", headers=bearer(READ_ENV))
    assert json.loads(body)["records_pushed"] == 3

    # The page (static, no data) and the health check stay open.
    assert request(serve.port, "GET", "/")[0] == 200
    assert request(serve.port, "GET", "/healthz")[0] == 200

    printed = serve.stop()
    assert "bearer tokens required" in printed
    for token in TOKENS:
        assert token not in printed


def test_off_loopback_serve_refuses_to_start_without_tokens(data_dir, tmp_path):
    def start(options, env=None):
        (tmp_path / "refused.yaml").write_text(
            "serve:\n" + "".join(f"  {line}\n" for line in options))
        return subprocess.run([KASCADE, "serve", "-c", str(tmp_path / "refused.yaml"), "--data-dir", str(data_dir),
                               "--port", "0"], capture_output=True, text=True, timeout=60,
                              env={"PATH": "/usr/bin:/bin", **(env or {})})

    refused = start(["host: 0.0.0.0"])
    assert refused.returncode == 2, refused
    assert "serve.host" in refused.stderr and "serve.auth." in refused.stderr, refused.stderr

    unset = start(["host: 0.0.0.0", "auth:", "    push_token_env: SERVE_TEST_UNSET"])
    assert unset.returncode == 2 and "serve.auth.push_token_env" in unset.stderr, unset.stderr

    bad = tmp_path / "bad-tokens"
    bad.write_text("read fine-token-1\nwrite secret-token-2\n")
    bad_file = start(["host: 0.0.0.0", "auth:", f"    tokens_file: {bad}"])
    assert bad_file.returncode == 2 and f"{bad}:2" in bad_file.stderr, bad_file.stderr
    assert "secret-token-2" not in bad_file.stderr + bad_file.stdout

    # With a token it starts on every interface (and is asked on loopback here).
    serve = Serve(data_dir, tmp_path, {"host": "0.0.0.0", "port": 0, "allowed_hosts": "127.0.0.1",
                                       "auth": {"read_token_env": "SERVE_TEST_READ"}}, env=TOKEN_ENV)
    assert request(serve.port, "GET", "/v1/topics")[0] == 401
    assert request(serve.port, "GET", "/v1/topics", headers=bearer(READ_ENV))[0] == 200
    assert request(serve.port, "POST", PUSH_PATH, body="{}", headers=bearer(READ_ENV))[0] == 403
    assert READ_ENV not in serve.stop()


def test_the_host_header_is_checked_on_every_route(data_dir, tmp_path):
    serve = Serve(data_dir, tmp_path)  # loopback, no tokens: the Host check is what stops DNS rebinding
    port = serve.port
    for host in ("127.0.0.1", f"127.0.0.1:{port}", "localhost", f"LOCALHOST:{port}", "[::1]", f"[::1]:{port}"):
        assert request(port, "GET", "/v1/topics", headers={"Host": host})[0] == 200, host
    # A page of attacker.example whose name now resolves to 127.0.0.1: its requests carry its own name.
    for path in ["/", "/healthz", *READ_ROUTES]:
        status, _, body = request(port, "GET", path, headers={"Host": f"attacker.example:{port}"})
        assert status == 421 and "error" in json.loads(body), (path, status)
    status, _, _ = request(port, "POST", PUSH_PATH, body="{}", headers={"Host": "attacker.example",
                                                                        "Content-Type": "application/x-ndjson"})
    assert status == 421
    assert request(port, "GET", "/healthz", headers={"Host": "127.0.0.1.attacker.example"})[0] == 421
    # Without a Host header (HTTP/1.0): refused too.
    assert raw_exchange(port, b"GET /v1/topics HTTP/1.0\r\n\r\n").split(b"\r\n")[0] == b"HTTP/1.1 400 Bad Request"
    serve.stop()

    # serve.allowed_hosts replaces the default names.
    serve = Serve(data_dir, tmp_path, {"port": 0, "allowed_hosts": "kascade.internal, 127.0.0.1"})
    assert request(serve.port, "GET", "/healthz", headers={"Host": f"kascade.internal:{serve.port}"})[0] == 200
    assert request(serve.port, "GET", "/healthz", headers={"Host": "127.0.0.1"})[0] == 200
    assert request(serve.port, "GET", "/healthz", headers={"Host": "localhost"})[0] == 421
    serve.stop()


def test_tls_push_and_read_with_the_limits_holding(data_dir, tmp_path):
    cert, key = make_certificate(tmp_path)
    serve = Serve(data_dir, tmp_path, authenticated_options(tmp_path, header_timeout_ms=4000,
                                                            tls={"cert_file": str(cert), "key_file": str(key)}),
                  env=TOKEN_ENV)
    assert serve.scheme == "https"
    context = client_context(cert)
    users = kascade("generate", "--records", 3).stdout
    status, _, body = request(serve.port, "POST", PUSH_PATH, body=users, context=context,
                              headers={"Content-Type": "application/x-ndjson", **bearer(PUSH_FILE)})
    assert (status, json.loads(body)) == (200, {"accepted": 3})
    status, _, body = request(serve.port, "GET", "/v1/topics", headers=bearer(READ_FILE), context=context)
    assert status == 200 and sum(row["records"] for row in json.loads(body) if row["topic"] == "users.raw") == 3
    assert request(serve.port, "GET", "/v1/topics", context=context)[0] == 401

    # Plain HTTP to the TLS port gets no HTTP answer.
    with pytest.raises((http.client.HTTPException, ConnectionError, OSError)):
        request(serve.port, "GET", "/healthz", timeout=10)

    # Over TLS too: too many headers get 431; a client silent after connecting, or trickling its headers, is
    # cut at the header deadline while others are served.
    def tls_socket():
        raw = socket.create_connection(("127.0.0.1", serve.port), timeout=30)
        return context.wrap_socket(raw, server_hostname="localhost")

    with tls_socket() as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                           b"".join(b"X-%d: 1\r\n" % i for i in range(150)) + b"\r\n")
        assert connection.recv(4096).startswith(b"HTTP/1.1 431")

    cut = {}

    def silent():
        began = time.monotonic()
        with socket.create_connection(("127.0.0.1", serve.port), timeout=30) as connection:
            cut["silent"] = (connection.recv(4096), time.monotonic() - began)

    def trickling():
        began = time.monotonic()
        with tls_socket() as connection:
            connection.sendall(b"GET /healthz HTTP/1.1\r\n")
            answer = trickle(connection, lambda line: b"X-Slow-%d: 1\r\n" % line, 1, 30)
            cut["trickling"] = (answer, time.monotonic() - began)

    threads = [threading.Thread(target=silent), threading.Thread(target=trickling)]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        assert request(serve.port, "GET", "/healthz", context=context, timeout=5)[0] == 200
        time.sleep(0.3)
    assert cut["silent"][0] == b"" and 3 <= cut["silent"][1] <= 10, cut
    assert cut["trickling"][0].startswith(b"HTTP/1.1 408") and 3 <= cut["trickling"][1] <= 10, cut

    printed = serve.stop()
    assert "https://" in printed
    for token in TOKENS:
        assert token not in printed


def test_tls_with_an_unusable_certificate_is_a_config_error(data_dir, tmp_path):
    missing = tmp_path / "missing.pem"
    (tmp_path / "tls.yaml").write_text(f"serve:\n  tls:\n    cert_file: {missing}\n    key_file: {missing}\n")
    refused = subprocess.run([KASCADE, "serve", "-c", str(tmp_path / "tls.yaml"), "--data-dir", str(data_dir),
                              "--port", "0"], capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "serve.tls: cannot use the certificate" in refused.stderr, refused
