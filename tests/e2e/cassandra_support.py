"""Helpers of the Cassandra end-to-end tests: the real node started by
`scripts/services start cassandra`, read through the independent Python
cassandra-driver. Every test using them FAILS (never skips) when the node is down."""
import os
import time
import uuid

import pytest

HOST = "127.0.0.1"
PORT = 9042
USER = "cassandra"
PASSWORD = "cassandra"
PASSWORD_ENV = "KASCADE_TEST_CASSANDRA_PASSWORD"


def driver_session(keyspace=None):
    from cassandra.auth import PlainTextAuthProvider
    from cassandra.cluster import Cluster, NoHostAvailable
    cluster = Cluster([HOST], port=PORT, auth_provider=PlainTextAuthProvider(USER, PASSWORD),
                      connect_timeout=10, control_connection_timeout=10)
    try:
        session = cluster.connect(keyspace)
    except NoHostAvailable as e:
        pytest.fail(f"Cassandra is not running on {HOST}:{PORT} (start it: scripts/services start cassandra): {e}")
    session.default_timeout = 120
    return cluster, session


@pytest.fixture
def cassandra():
    cluster, session = driver_session()
    yield session
    cluster.shutdown()


@pytest.fixture
def keyspace(cassandra):
    """A fresh keyspace, dropped afterwards."""
    name = f"kascade_test_{uuid.uuid4().hex[:12]}"
    cassandra.execute(f"CREATE KEYSPACE {name} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}")
    yield name
    cassandra.execute(f"DROP KEYSPACE IF EXISTS {name}", timeout=120)


def kascade_env():
    return {**os.environ, PASSWORD_ENV: PASSWORD}


def login_flags():
    return ["--username", USER, "--password-env", PASSWORD_ENV]


def cassandra_store_flags(keyspace):
    return ["--set", "store.type=cassandra", "--set", f"store.cassandra.keyspace={keyspace}",
            "--set", f"store.cassandra.username={USER}", "--set", f"store.cassandra.password_env={PASSWORD_ENV}"]


def count_rows(session, table, key="id", slices=256):
    """Counts a table slice by slice of the token ring: a count(*) over millions
    of rows at once would exceed the node's range-read timeout. A slice whose
    read fails (a busy node) is counted again."""
    lo, hi = -(2 ** 63), 2 ** 63 - 1
    step = (hi - lo) // slices
    bounds = [lo + i * step for i in range(slices)] + [hi]

    def count(where):
        for attempt in range(5):
            try:
                return session.execute(f"SELECT count(*) FROM {table} WHERE {where}", timeout=300).one()[0]
            except Exception:  # noqa: BLE001 (read timeouts and failures of an overloaded node)
                if attempt == 4:
                    raise
                time.sleep(2)

    # No key has the minimum token (Murmur3Partitioner maps it to the maximum), and
    # Cassandra reads `token = min` as the whole ring: the slices start above it.
    total = 0
    for a, b in zip(bounds, bounds[1:]):
        total += count(f"token({key}) > {a} AND token({key}) <= {b}")
    return total


def tls_dir():
    """The node's test CA and certificates, made by `scripts/services start cassandra`."""
    from conftest import SOURCE_DIR
    services = os.environ.get("KASCADE_SERVICES_DIR", os.path.join(SOURCE_DIR, ".services"))
    path = os.path.join(services, "cassandra", "tls")
    if not os.path.exists(os.path.join(path, "ca.pem")):
        pytest.fail(f"no {path}/ca.pem: the node was not started with TLS (restart it: "
                    "scripts/services stop cassandra && scripts/services start cassandra)")
    return path


def cassandra_tls_flags(ca_file):
    return ["--set", "store.cassandra.tls=true", "--set", f"store.cassandra.tls_ca_file={ca_file}"]
