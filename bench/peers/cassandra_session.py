# bench/peers/cassandra_session.py: the local Cassandra node through the Python driver, for the peer
# benchmarks: a session, fresh tables, a cheap look for a first row, and a row count slice by slice.
import os
import time

from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import Cluster

HOST = os.environ.get("PEERS_CASSANDRA_HOST", "127.0.0.1")
USER = os.environ.get("PEERS_CASSANDRA_USER", "cassandra")
PASSWORD = os.environ.get("PEERS_CASSANDRA_PASSWORD", "cassandra")


def connect():
    cluster = Cluster([HOST], auth_provider=PlainTextAuthProvider(USER, PASSWORD), connect_timeout=10,
                      control_connection_timeout=10)
    session = cluster.connect()
    session.default_timeout = 120
    return cluster, session


def table_exists(session, keyspace, table):
    return session.execute("SELECT table_name FROM system_schema.tables WHERE keyspace_name = %s AND "
                           "table_name = %s", (keyspace, table)).one() is not None


def truncate(session, keyspace, *tables):
    for table in tables:
        if table_exists(session, keyspace, table):
            session.execute(f"TRUNCATE {keyspace}.{table}", timeout=300)


def has_a_row(session, keyspace, table):
    """Whether the table holds any row (False while it does not exist yet)."""
    try:
        return session.execute(f"SELECT id FROM {keyspace}.{table} LIMIT 1", timeout=10).one() is not None
    except Exception:  # noqa: BLE001 (the system under test creates the table when it starts)
        return False


def count_rows(session, table, key="id", slices=64):
    """Rows of a table counted one token range at a time (a count of the whole ring at once would pass
    the node's range-read timeout on large tables); a slice that fails is counted again."""
    lo, hi = -(2 ** 63), 2 ** 63 - 1
    step = (hi - lo) // slices
    bounds = [lo + i * step for i in range(slices)] + [hi]
    total = 0
    for a, b in zip(bounds, bounds[1:]):
        for attempt in range(5):
            try:
                total += session.execute(f"SELECT count(*) FROM {table} WHERE token({key}) > {a} AND "
                                         f"token({key}) <= {b}", timeout=300).one()[0]
                break
            except Exception:  # noqa: BLE001 (timeouts of a busy node)
                if attempt == 4:
                    raise
                time.sleep(2)
    return total
