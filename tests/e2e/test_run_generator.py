"""`kascade run --source generator --records 100000`: exactly 100,000 users, no dead letters."""
from conftest import kascade, query, topic_end_offsets


def test_hundred_thousand_users_land_exactly_once(data_dir):
    result = kascade("run", "--source", "generator", "--records", 100000, "--data-dir", data_dir)
    assert "landed 100,000 rows and 0 dead letters" in result.stdout, result.stdout
    # Not a terminal: no progress line, only the log's (the start line, checkpoints; no warning).
    assert "\r" not in result.stderr and " info  kascade: kascade " in result.stderr, result.stderr
    assert all(" info  " in line for line in result.stderr.splitlines()), result.stderr

    assert query(data_dir, "SELECT count(*), count(DISTINCT id) FROM users") == [(100000, 100000)]
    assert query(data_dir, "SELECT count(*) FROM dead_letters") == [(0,)]
    assert sum(topic_end_offsets(data_dir).values()) == 100000, "each record was appended once"

    # The row is typed and complete where the API always gives values.
    assert query(data_dir, "SELECT count(*) FROM users WHERE first_name IS NULL OR email IS NULL OR dob IS NULL "
                           "OR country IS NULL OR fetched_at IS NULL OR processed_at IS NULL") == [(0,)]
    assert query(data_dir, "SELECT typeof(age), typeof(latitude), typeof(post_code) FROM users LIMIT 1") == [
        ("integer", "real", "text")]
    # Secrets never reach the store.
    columns = [row[1] for row in query(data_dir, "PRAGMA table_info(users)")]
    assert not {"password", "salt", "md5", "sha1", "sha256"} & set(columns)
    # Real-world variety survived: non-ASCII names.
    assert query(data_dir, "SELECT count(*) > 0 FROM users WHERE first_name GLOB '*[^ -~]*'") == [(1,)]

    # A second run with the same bound resumes at the end: nothing is added or doubled.
    again = kascade("run", "--source", "generator", "--records", 100000, "--data-dir", data_dir)
    assert "ingested 0 records" in again.stdout, again.stdout
    assert query(data_dir, "SELECT count(*) FROM users") == [(100000,)]
    assert sum(topic_end_offsets(data_dir).values()) == 100000

    # Raising the bound continues the same deterministic sequence.
    kascade("run", "--records", 120000, "--data-dir", data_dir)
    assert query(data_dir, "SELECT count(*), count(DISTINCT id) FROM users") == [(120000, 120000)]


def test_query_formats(data_dir):
    kascade("run", "--records", 50, "--data-dir", data_dir)
    table = kascade("query", "--data-dir", data_dir, "SELECT count(*) AS n FROM users").stdout
    assert table.splitlines() == ["n", "--", "50", "(1 row)"], table
    csv = kascade("query", "--data-dir", data_dir, "--format", "csv", "SELECT count(*) AS n FROM users").stdout
    assert csv == "n\n50\n"
    json_out = kascade("query", "--data-dir", data_dir, "--format", "ndjson", "SELECT count(*) AS n FROM users").stdout
    assert json_out == '{"n":50}\n'
