"""`kascade query` only reads: statements that write or escape the store (VACUUM INTO, ATTACH, DML,
DDL, pragmas that set) are refused and leave every file as it was; a query past --timeout is stopped
with exit 1; a corrupt store is a runtime failure (exit 1) for `query` and `dlq ls`, never a usage error."""
import hashlib
import time

import pytest

from conftest import kascade, query

REFUSED = [
    "VACUUM INTO '{copy}'",
    "VACUUM",
    "ATTACH DATABASE '{copy}' AS other",
    "DELETE FROM users",
    "UPDATE users SET country = 'X'",
    "INSERT INTO users (id) VALUES ('00000000-0000-0000-0000-000000000000')",
    "CREATE TABLE notes (x)",
    "CREATE TEMP TABLE notes (x)",
    "DROP TABLE users",
    "PRAGMA query_only = 0",
    "PRAGMA journal_mode = DELETE",
    "PRAGMA user_version = 7",
    "BEGIN IMMEDIATE",
    "REINDEX",
    "ANALYZE",
    "SELECT 1; DELETE FROM users",
]


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def store(tmp_path):
    data_dir = tmp_path / "data"
    kascade("run", "--records", 50, "--data-dir", data_dir)
    return data_dir


def test_statements_that_write_or_escape_are_refused(store, tmp_path):
    before = digest(store / "store.db")
    copy = tmp_path / "copy.db"
    for template in REFUSED:
        sql = template.format(copy=copy)
        result = kascade("query", "--data-dir", store, sql, check=False)
        assert result.returncode == 2, (sql, result.returncode, result.stdout, result.stderr)
        assert "SQL error" in result.stderr, (sql, result.stderr)
        assert not copy.exists(), sql
    assert digest(store / "store.db") == before
    assert query(store, "SELECT count(*) FROM users") == [(50,)]
    assert "readonly" in kascade("query", "--data-dir", store, f"VACUUM INTO '{copy}'", check=False).stderr


def test_reads_still_work(store):
    def rows(sql):
        return kascade("query", "--data-dir", store, "--format", "csv", sql).stdout.splitlines()[1:]

    assert rows("SELECT count(*) FROM users") == ["50"]
    assert "country" in "\n".join(rows("PRAGMA table_info(users)"))
    assert rows("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000) "
                "SELECT count(*) FROM c") == ["1000"]
    assert rows("SELECT count(*) FROM users;  ") == ["50"]


def test_a_query_past_its_timeout_is_stopped(store):
    endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
    started = time.monotonic()
    result = kascade("query", "--data-dir", store, "--timeout", "1s", endless, check=False, timeout=120)
    elapsed = time.monotonic() - started
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert "--timeout" in result.stderr and "1000 ms" in result.stderr, result.stderr
    assert elapsed < 60, elapsed
    bad = kascade("query", "--data-dir", store, "--timeout", "soon", "SELECT 1", check=False)
    assert bad.returncode == 2 and "--timeout" in bad.stderr, bad.stderr


def test_a_corrupt_store_is_a_runtime_failure(store):
    path = store / "store.db"
    for suffix in ("-wal", "-shm"):
        (store / f"store.db{suffix}").unlink(missing_ok=True)
    data = bytearray(path.read_bytes())
    # Pages after the first (the schema) overwritten: the users table's B-tree is garbage.
    data[4096:] = b"\xa5" * (len(data) - 4096)
    path.write_bytes(bytes(data))
    for command in (["query", "--data-dir", store, "SELECT count(*), max(email) FROM users"],
                    ["dlq", "ls", "--data-dir", store]):
        result = kascade(*command, check=False)
        assert result.returncode == 1, (command, result.returncode, result.stderr)
        assert "malformed" in result.stderr, result.stderr
    # A file that is not a database at all.
    path.write_bytes(b"this is not a SQLite database, just text. " * 200)
    for command in (["query", "--data-dir", store, "SELECT 1 FROM users"], ["dlq", "ls", "--data-dir", store]):
        result = kascade(*command, check=False)
        assert result.returncode == 1, (command, result.returncode, result.stderr)
        assert "not a database" in result.stderr, result.stderr
