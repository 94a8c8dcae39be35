"""1,000,000 generator records through the embedded bus into the real Cassandra
node: every row there exactly once (counted by the Python driver), and every
offset committed only after Cassandra acknowledged its rows."""
import json

from cassandra_support import cassandra, cassandra_store_flags, count_rows, kascade_env, keyspace  # noqa: F401
from conftest import kascade

RECORDS = 1_000_000


def test_a_million_records_land_exactly_once(cassandra, keyspace, tmp_path):
    data_dir = tmp_path / "data"
    result = kascade("run", "--data-dir", data_dir, "--records", RECORDS, *cassandra_store_flags(keyspace),
                     env=kascade_env(), timeout=2400)
    assert f"landed {RECORDS:,} rows" in result.stderr + result.stdout, result.stderr

    assert count_rows(cassandra, f"{keyspace}.users") == RECORDS
    # The keys are the generator's: the same uuids, each once.
    keys = kascade("generate", "--records", 1000, "--format", "keys").stdout.split()
    found = cassandra.execute(f"SELECT count(*) FROM {keyspace}.users WHERE id IN ({', '.join(keys[:100])})").one()[0]
    assert found == 100
    assert cassandra.execute(f"SELECT count(*) FROM {keyspace}.dead_letters").one()[0] == 0

    lag = [json.loads(line) for line in kascade("lag", "--data-dir", data_dir, "--format", "ndjson").stdout.splitlines()]
    assert sum(row["committed_offset"] for row in lag) == RECORDS
    assert all(row["lag"] == 0 for row in lag)
