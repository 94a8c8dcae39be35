"""TLS to the real Cassandra node (its native port takes TLS and plaintext; see
scripts/services.d/cassandra.sh): `kascade cql --tls` verifies the node's
certificate against the given CA and the host it was reached at, refuses a
certificate for another name or from another CA (exit 1, OpenSSL's reason in
the message), and a pipeline with store.cassandra.tls=true lands every row."""
import json
import os
import select
import socket
import ssl
import subprocess
import threading

from cassandra_support import (HOST, PORT, cassandra, cassandra_store_flags, cassandra_tls_flags,  # noqa: F401
                               count_rows, kascade_env, keyspace, login_flags, tls_dir)
from conftest import kascade

RECORDS = 5000


def cql(*args, check=True):
    return kascade("cql", *login_flags(), *args, check=check, env=kascade_env(), timeout=120)


class TlsProxy:
    """A TLS endpoint on 127.0.0.1 presenting a chosen certificate, relaying the
    decrypted bytes to the node's plaintext port: a node with another name."""

    def __init__(self, cert, key):
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.handshakes = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self):
        self.listener.close()

    def _accept(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(conn,), daemon=True).start()

    def _relay(self, conn):
        try:
            client = self.context.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError):
            conn.close()  # the client refused our certificate
            return
        self.handshakes += 1
        upstream = socket.create_connection((HOST, PORT))
        try:
            while True:
                readable = [client] if client.pending() else select.select([client, upstream], [], [], 30)[0]
                if not readable:
                    return
                for source, target in ((client, upstream), (upstream, client)):
                    if source in readable:
                        data = source.recv(65536)
                        if not data:
                            return
                        target.sendall(data)
        except (ssl.SSLError, OSError):
            return
        finally:
            client.close()
            upstream.close()


def make_foreign_ca(tmp_path):
    """A CA that signed nothing the node has."""
    key, pem = tmp_path / "foreign-ca.key", tmp_path / "foreign-ca.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", pem,
                    "-days", "2", "-subj", "/CN=some other CA"], check=True, capture_output=True)
    return pem


def test_tls_query_verified_against_the_ca_and_the_host(cassandra):
    ca = os.path.join(tls_dir(), "ca.pem")
    for host in ("127.0.0.1", "localhost"):  # the IP and the DNS name of the certificate
        out = cql("--hosts", f"{host}:{PORT}", "--tls", "--tls-ca-file", ca, "--format", "ndjson",
                  "SELECT cluster_name FROM system.local").stdout
        assert json.loads(out.splitlines()[0])["cluster_name"] == "kascade-test"
    # The node itself says a client connection is encrypted; the driver's are not, so it is kascade's.
    out = cql("--tls", "--tls-ca-file", ca, "--format", "ndjson",
              "SELECT ssl_enabled, ssl_protocol FROM system_views.clients").stdout
    rows = [json.loads(line) for line in out.splitlines()]
    assert any(row["ssl_enabled"] is True and row["ssl_protocol"].startswith("TLSv1.") for row in rows), rows


def test_a_certificate_for_another_name_is_refused(cassandra):
    tls = tls_dir()
    ca = os.path.join(tls, "ca.pem")
    proxy = TlsProxy(os.path.join(tls, "other-name.pem"), os.path.join(tls, "other-name.key"))
    try:
        statement = "SELECT cluster_name FROM system.local"
        for host, reason in (("127.0.0.1", "IP address mismatch"), ("localhost", "hostname mismatch")):
            result = cql("--hosts", f"{host}:{proxy.port}", "--tls", "--tls-ca-file", ca, statement, check=False)
            assert result.returncode == 1, result.stderr
            assert f"certificate of Cassandra at {host}:{proxy.port} failed verification" in result.stderr
            assert reason in result.stderr, result.stderr
        assert proxy.handshakes == 0
        # The same certificate passes when only its chain is checked: the refusals were the name's.
        ok = cql("--hosts", f"127.0.0.1:{proxy.port}", "--tls", "--tls-ca-file", ca, "--no-verify-host", statement)
        assert "kascade-test" in ok.stdout
        assert proxy.handshakes == 1
    finally:
        proxy.close()


def test_a_certificate_from_another_ca_is_refused(cassandra, tmp_path):
    result = cql("--tls", "--tls-ca-file", make_foreign_ca(tmp_path), "SELECT cluster_name FROM system.local",
                 check=False)
    assert result.returncode == 1, result.stderr
    assert f"certificate of Cassandra at 127.0.0.1:{PORT} failed verification" in result.stderr
    # The node sends its CA along with its certificate: OpenSSL meets an untrusted root.
    assert "self-signed certificate in certificate chain" in result.stderr, result.stderr


def test_a_missing_ca_file_is_a_config_error(cassandra, tmp_path):
    result = cql("--tls", "--tls-ca-file", tmp_path / "absent.pem", "SELECT now() FROM system.local", check=False)
    assert result.returncode == 2, result.stderr
    assert "absent.pem" in result.stderr


def test_a_tls_pipeline_lands_every_row(cassandra, keyspace, tmp_path):
    ca = os.path.join(tls_dir(), "ca.pem")
    result = kascade("run", "--data-dir", tmp_path / "data", "--records", RECORDS, *cassandra_store_flags(keyspace),
                     *cassandra_tls_flags(ca), env=kascade_env(), timeout=600)
    assert f"landed {RECORDS:,} rows" in result.stderr + result.stdout, result.stderr
    assert count_rows(cassandra, f"{keyspace}.users", slices=8) == RECORDS
    # The same run with a CA that did not sign the node's certificate lands nothing.
    bad = kascade("run", "--data-dir", tmp_path / "bad", "--records", 10, *cassandra_store_flags(keyspace),
                  *cassandra_tls_flags(make_foreign_ca(tmp_path)), env=kascade_env(), timeout=300, check=False)
    assert bad.returncode == 1, bad.stderr
    assert "failed verification" in bad.stderr
