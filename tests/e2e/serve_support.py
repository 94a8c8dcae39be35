"""tests/e2e/serve_support.py: `kascade serve` started with given serve.* options and environment, and raw requests."""
import http.client
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import time

from conftest import KASCADE


def yaml_lines(options, indent=0):
    lines = []
    for key, value in options.items():
        if isinstance(value, dict):
            lines.append(" " * indent + f"{key}:")
            lines += yaml_lines(value, indent + 2)
        else:
            lines.append(" " * indent + f"{key}: {json.dumps(value)}")
    return lines


class Serve:
    """`kascade serve --port 0` with `serve` options (a dict, nested for auth/tls); stop() checks exit 0."""

    def __init__(self, data_dir, tmp_path, serve_options=None, env=None):
        self.config = tmp_path / "serve.yaml"
        self.config.write_text("\n".join(yaml_lines({"serve": serve_options or {"port": 0}})) + "\n")
        self.process = subprocess.Popen([KASCADE, "serve", "-c", str(self.config), "--data-dir", str(data_dir),
                                         "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                        env={**os.environ, **(env or {})})
        self.first_line = self.process.stdout.readline()
        found = re.search(r"listening on (https?)://[^ ]*:(\d+) ", self.first_line)
        assert found, (self.first_line, self.process.stderr.read() if self.process.poll() is not None else "")
        self.scheme, self.port = found.group(1), int(found.group(2))

    def rss_kib(self):
        with open(f"/proc/{self.process.pid}/status") as status:
            return int(re.search(r"VmRSS:\s+(\d+) kB", status.read()).group(1))

    def stop(self):
        """Stops it; returns everything it printed (first line included)."""
        self.process.send_signal(signal.SIGTERM)
        out, err = self.process.communicate(timeout=60)
        assert self.process.returncode == 0, err
        return self.first_line + out + err


def client_context(cert):
    context = ssl.create_default_context(cafile=str(cert))
    return context


def request(port, method, path, body=None, headers=None, context=None, timeout=30):
    """(status, headers, body) over a new connection; `context`: HTTPS."""
    if context:
        connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout, context=context)
    else:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body.encode() if isinstance(body, str) else body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def raw_exchange(port, data, timeout=10):
    """Sends bytes as they are, returns all the server answers until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        connection.sendall(data)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def trickle(connection, piece, quiet_s, rounds):
    """A slow client: sends piece(i) whenever the server stays quiet for quiet_s, at most `rounds` times,
    until the server closes; returns what it answered."""
    connection.settimeout(quiet_s)
    answer = b""
    for i in range(rounds):
        try:
            chunk = connection.recv(4096)
            if not chunk:
                break
            answer += chunk
        except socket.timeout:
            connection.sendall(piece(i))
        except (ssl.SSLError, ConnectionError):  # cut while sending or reading
            break
    return answer


def make_certificate(tmp_path):
    """A self-signed certificate for localhost and 127.0.0.1, made by the openssl CLI: (cert, key)."""
    key, cert = tmp_path / "serve.key", tmp_path / "serve.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


def wait_until(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"not within {timeout} s: {what}")
