"""`kascade serve` under hostile connections: slow clients are cut at the header deadline and never starve the
others, a flood of headers is answered 431 with memory bounded, connections beyond the bound get 503 at once."""
import socket
import threading
import time

from conftest import kascade
from serve_support import Serve, raw_exchange, request, trickle, wait_until

SLOW_CLIENTS = 24


def slow_client(port, results, index, header_deadline_s, start):
    """A slowloris client: a request line, then one header line every 2 s; notes when and how it was cut."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        answer = trickle(connection, lambda line: f"X-Slow-{line}: still here\r\n".encode(), 2,
                         int(header_deadline_s * 4))
    results[index] = (time.monotonic() - start, answer)


def test_slow_clients_are_cut_at_the_header_deadline_and_never_starve_the_others(data_dir, tmp_path):
    header_deadline_s = 8
    serve = Serve(data_dir, tmp_path, {"port": 0, "header_timeout_ms": header_deadline_s * 1000})
    users = kascade("generate", "--records", 50).stdout.splitlines()
    results = [None] * SLOW_CLIENTS
    start = time.monotonic()
    slow = [threading.Thread(target=slow_client, args=(serve.port, results, i, header_deadline_s, start))
            for i in range(SLOW_CLIENTS)]
    for thread in slow:
        thread.start()
    time.sleep(1)  # the slow clients are all connected and trickling

    # Meanwhile others are answered at once, health checks and pushes alike.
    slowest = 0.0
    pushed = 0
    while any(thread.is_alive() for thread in slow):
        began = time.monotonic()
        status, _, _ = request(serve.port, "GET", "/healthz", headers={"Host": "127.0.0.1"}, timeout=5)
        assert status == 200
        status, _, body = request(serve.port, "POST", "/v1/topics/users.raw/records", body=users[pushed % 50],
                                  headers={"Content-Type": "application/x-ndjson"}, timeout=5)
        assert status == 200, body
        pushed += 1
        slowest = max(slowest, time.monotonic() - began)
        time.sleep(0.2)
    assert slowest < 3, slowest
    for thread in slow:
        thread.join()

    # Each slow client was cut after the header deadline (and well before its 4 * deadline of trickling), told 408.
    for elapsed, answer in results:
        assert header_deadline_s - 1 <= elapsed <= header_deadline_s + 6, results
        assert answer.startswith(b"HTTP/1.1 408"), answer
    serve.stop()


def test_a_million_headers_get_431_and_memory_stays_bounded(data_dir, tmp_path):
    serve = Serve(data_dir, tmp_path)
    rss_before = serve.rss_kib()

    # Too many headers, small ones: 431 and closed.
    many = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(150)) + b"\r\n"
    assert raw_exchange(serve.port, many).startswith(b"HTTP/1.1 431"), "150 headers"

    # A million headers (about 20 MB), sent while the answer is read.
    connection = socket.create_connection(("127.0.0.1", serve.port), timeout=30)

    def flood():
        try:
            connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            for block in range(1000):
                connection.sendall(b"".join(b"X-Header-%07d: value\r\n" % (block * 1000 + i) for i in range(1000)))
            connection.sendall(b"\r\n")
        except OSError:
            pass  # the server closed the connection

    sender = threading.Thread(target=flood)
    sender.start()
    answer = b""
    while chunk := connection.recv(65536):
        answer += chunk
    sender.join()
    connection.close()
    assert answer.startswith(b"HTTP/1.1 431"), answer[:200]
    assert serve.rss_kib() - rss_before < 20 << 10, (rss_before, serve.rss_kib())

    # A request line alone beyond the bytes bound: 431 too.
    long_line = b"GET /" + b"a" * (70 << 10) + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    try:
        assert raw_exchange(serve.port, long_line).startswith(b"HTTP/1.1 431")
    except ConnectionResetError:
        raise AssertionError("reset instead of 431")
    assert request(serve.port, "GET", "/healthz")[0] == 200
    serve.stop()


def test_connections_beyond_the_bound_get_503_at_once(data_dir, tmp_path):
    serve = Serve(data_dir, tmp_path, {"port": 0, "max_connections": 4, "header_timeout_ms": 60000})
    holders = []
    for _ in range(4):
        holder = socket.create_connection(("127.0.0.1", serve.port), timeout=30)
        holder.sendall(b"GET /healthz HTTP/1.1\r\n")  # and nothing more
        holders.append(holder)
    time.sleep(0.5)  # all four accepted

    began = time.monotonic()
    status, headers, body = request(serve.port, "GET", "/healthz", timeout=10)
    assert status == 503 and headers["Connection"] == "close", (status, headers, body)
    assert time.monotonic() - began < 2

    # A place freed is taken by the next connection.
    holders.pop().close()
    wait_until(lambda: request(serve.port, "GET", "/healthz", timeout=10)[0] == 200, 30, "a freed connection")
    for holder in holders:
        holder.close()
    serve.stop()


def test_a_body_trickling_past_the_body_deadline_is_cut(data_dir, tmp_path):
    serve = Serve(data_dir, tmp_path, {"port": 0, "body_timeout_ms": 3000})
    began = time.monotonic()
    with socket.create_connection(("127.0.0.1", serve.port), timeout=30) as connection:
        connection.sendall(b"POST /v1/topics/users.raw/records HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           b"Content-Type: application/x-ndjson\r\nContent-Length: 1000\r\n\r\n")
        answer = trickle(connection, lambda _: b" ", 0.5, 60)
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert 2.5 <= time.monotonic() - began <= 10
    serve.stop()
