"""`kascade cql` against the real Cassandra node: every supported type written by
kascade and read by the Python cassandra-driver, written by the driver and read by
kascade, and the error paths with their exit codes (1 runtime, 2 usage)."""
import datetime
import ipaddress
import json
import socket
import time
import uuid
from decimal import Decimal

from cassandra_support import cassandra, keyspace, kascade_env, login_flags  # noqa: F401 (fixtures)
from conftest import kascade

COLUMNS = ("id int PRIMARY KEY, t text, vc varchar, a ascii, i int, bi bigint, si smallint, ti tinyint, b boolean, "
           "d double, f float, dec decimal, vi varint, u uuid, tu timeuuid, ts timestamp, dt date, tm time, "
           "bl blob, ip inet, l list<int>, s set<text>, m map<text, int>")
NAMES = "id, t, vc, a, i, bi, si, ti, b, d, f, dec, vi, u, tu, ts, dt, tm, bl, ip, l, s, m"
UUID = "01234567-89ab-cdef-0123-456789abcdef"
TIMEUUID = "50554d6e-29bb-11e5-b345-feff819cdc9f"


def cql(*args, check=True, **kwargs):
    return kascade("cql", *login_flags(), *args, check=check, env=kascade_env(), **kwargs)


def make_table(cassandra, keyspace):
    cassandra.execute(f"CREATE TABLE {keyspace}.types ({COLUMNS})")


def test_values_written_by_kascade_read_identically_by_the_driver(cassandra, keyspace):
    make_table(cassandra, keyspace)
    cql(f"INSERT INTO {keyspace}.types ({NAMES}) VALUES (1, 'héllo ✓', 'varchar', 'ascii', -42, 9007199254740993, "
        f"-32768, 127, true, 3.141592653589793, 1.5, -123.456, -123456789012345678901234567890, {UUID}, {TIMEUUID}, "
        f"'2024-02-29 12:34:56.789+0000', '2024-02-29', '12:34:56.123456789', 0xcafebabe, '2001:db8::1', "
        f"[1, 2, 3], {{'a', 'b'}}, {{'x': 1, 'y': 2}})")
    cql(f"INSERT INTO {keyspace}.types (id) VALUES (2)")
    row = cassandra.execute(f"SELECT {NAMES} FROM {keyspace}.types WHERE id = 1").one()
    assert row.t == "héllo ✓" and row.vc == "varchar" and row.a == "ascii"
    assert (row.i, row.bi, row.si, row.ti) == (-42, 9007199254740993, -32768, 127)
    assert row.b is True and row.d == 3.141592653589793 and row.f == 1.5
    assert row.dec == Decimal("-123.456") and row.vi == -123456789012345678901234567890
    assert row.u == uuid.UUID(UUID) and row.tu == uuid.UUID(TIMEUUID)
    assert row.ts == datetime.datetime(2024, 2, 29, 12, 34, 56, 789000)
    assert row.dt.date() == datetime.date(2024, 2, 29)
    assert row.tm.nanosecond_time == ((12 * 60 + 34) * 60 + 56) * 10**9 + 123456789
    assert row.bl == bytes.fromhex("cafebabe") and ipaddress.ip_address(row.ip) == ipaddress.ip_address("2001:db8::1")
    assert row.l == [1, 2, 3] and set(row.s) == {"a", "b"} and dict(row.m) == {"x": 1, "y": 2}
    empty = cassandra.execute(f"SELECT {NAMES} FROM {keyspace}.types WHERE id = 2").one()
    assert all(value is None for value in empty[1:])


def test_values_written_by_the_driver_read_identically_through_kascade(cassandra, keyspace):
    from cassandra.util import Date, Time
    make_table(cassandra, keyspace)
    insert = cassandra.prepare(f"INSERT INTO {keyspace}.types ({NAMES}) VALUES ({', '.join('?' * 23)})")
    cassandra.execute(insert, (
        7, "naïve\n\"quoted\"", "v", "asc", 2**31 - 1, -(2**63), 32767, -128, False, -0.1, 1.1,
        Decimal("0.000123"), 2**100, uuid.UUID(UUID), uuid.UUID(TIMEUUID),
        datetime.datetime(1969, 7, 20, 20, 17, 40, 123000), Date(datetime.date(1900, 1, 1)),
        Time(1), b"\x00\xff", "192.168.0.1", [-1], {"z"}, {"k": -5}))
    cassandra.execute(f"INSERT INTO {keyspace}.types (id) VALUES (8)")
    out = cql("--format", "ndjson", f"SELECT {NAMES} FROM {keyspace}.types").stdout.splitlines()
    rows = {r["id"]: r for r in (json.loads(line, parse_float=str) for line in out)}
    assert rows[7] == {
        "id": 7, "t": "naïve\n\"quoted\"", "vc": "v", "a": "asc", "i": 2**31 - 1, "bi": -(2**63), "si": 32767,
        "ti": -128, "b": False, "d": "-0.1", "f": "1.1", "dec": "0.000123", "vi": 2**100, "u": UUID,
        "tu": TIMEUUID, "ts": "1969-07-20T20:17:40.123Z", "dt": "1900-01-01", "tm": "00:00:00.000000001",
        "bl": "0x00ff", "ip": "192.168.0.1", "l": [-1], "s": ["z"], "m": {"k": -5}}
    assert set(rows[8].values()) == {8, None}


def test_table_and_csv_formats_and_paging(cassandra, keyspace):
    cassandra.execute(f"CREATE TABLE {keyspace}.many (k int PRIMARY KEY, v text)")
    insert = cassandra.prepare(f"INSERT INTO {keyspace}.many (k, v) VALUES (?, ?)")
    for k in range(12000):  # more than one page (5000 rows)
        cassandra.execute_async(insert, (k, f"v{k}"))
    time.sleep(0.5)
    assert cassandra.execute(f"SELECT count(*) FROM {keyspace}.many").one()[0] == 12000
    csv = cql("--format", "csv", f"SELECT k, v FROM {keyspace}.many").stdout.splitlines()
    assert csv[0] == "k,v" and len(csv) == 12001
    table = cql(f"SELECT k, v FROM {keyspace}.many WHERE k = 5").stdout
    assert "v5" in table and "(1 row)" in table


def test_wrong_password_is_a_clear_runtime_failure():
    env = {**kascade_env(), "WRONG_PASSWORD": "not-the-password"}
    result = kascade("cql", "--username", "cassandra", "--password-env", "WRONG_PASSWORD", "SELECT now() FROM system.local",
                     check=False, env=env)
    assert result.returncode == 1, result
    assert "refused the login of 'cassandra'" in result.stderr
    assert "not-the-password" not in result.stderr + result.stdout


def test_missing_password_variable_is_a_usage_error():
    result = kascade("cql", "--username", "cassandra", "--password-env", "KASCADE_NO_SUCH_VARIABLE", "SELECT 1",
                     check=False)
    assert result.returncode == 2
    assert "KASCADE_NO_SUCH_VARIABLE is not set" in result.stderr


def test_unreachable_host_fails_within_the_connect_timeout():
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there: connection refused
    result = cql("--hosts", f"127.0.0.1:{port}", "SELECT 1", check=False)
    assert result.returncode == 1
    assert f"cannot connect to Cassandra at 127.0.0.1:{port}" in result.stderr

    # A peer that accepts the connection and never answers: bounded by --connect-timeout-ms.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    started = time.monotonic()
    result = cql("--hosts", f"127.0.0.1:{silent.getsockname()[1]}", "--connect-timeout-ms", "1000", "SELECT 1",
                 check=False)
    elapsed = time.monotonic() - started
    silent.close()
    assert result.returncode == 1
    assert "did not answer" in result.stderr
    assert elapsed < 5, elapsed


def test_syntax_error_is_a_usage_error(cassandra):
    result = cql("SELEC * FROM system.local", check=False)
    assert result.returncode == 2
    assert "syntax error" in result.stderr.lower()
    result = cql("SELECT * FROM no_such_keyspace.t", check=False)
    assert result.returncode == 2
    assert "no_such_keyspace" in result.stderr
