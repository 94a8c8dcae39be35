"""The http source paginates `kascade mock-api`'s cursor API across kill -9 and restarts: every item lands once."""
import os
import random
import signal
import sqlite3
import subprocess
import time

import pytest

from conftest import KASCADE, kascade, query, topic_end_offsets

ITEMS = 60_000
ITEMS_SEED = "kascade-items"  # the mock's default seed of /items


@pytest.fixture
def mock_api():
    """A mock API (no faults) on a free port; yields its base URL."""
    server = subprocess.Popen([KASCADE, "mock-api", "--port", "0", "--items", str(ITEMS)], stdout=subprocess.PIPE,
                              text=True)
    line = server.stdout.readline()
    assert "listening on http://127.0.0.1:" in line, line
    yield line.split("listening on ")[1].split()[0]
    server.terminate()
    server.wait(timeout=30)


def http_args(base, data_dir, *extra):
    return ["run", "--source", "http", "--data-dir", str(data_dir),
            "--set", f"source.http.url={base}/items?limit=500&cursor={{cursor}}",
            "--set", "source.http.pagination=cursor",
            "--set", "source.http.records_pointer=/data/users",
            "--set", "source.http.cursor_pointer=/paging/next_cursor",
            "--set", "source.http.auth=bearer", "--set", "source.http.token_env=ITEMS_TOKEN",
            "--set", "source.batch_records=300", *extra]


def landed(data_dir):
    try:
        return query(data_dir, "SELECT count(*) FROM users")[0][0]
    except sqlite3.Error:  # the store may not exist yet
        return 0


def test_cursor_pagination_survives_kill_9(mock_api, data_dir):
    env = dict(os.environ, ITEMS_TOKEN="s3cret-token-value")
    rng = random.Random(7331)
    targets = sorted(rng.sample(range(2_000, ITEMS - 10_000), 4))
    progress = []
    for target in targets:
        process = subprocess.Popen([KASCADE, *http_args(mock_api, data_dir)], env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE)
        while landed(data_dir) < target and process.poll() is None:
            time.sleep(0.005)
        time.sleep(rng.uniform(0, 0.05))
        assert process.poll() is None, "the run ended before the kill: the test would prove nothing"
        process.send_signal(signal.SIGKILL)
        process.wait()
        progress.append(landed(data_dir))
    assert progress == sorted(progress) and progress[-1] < ITEMS, progress

    final = kascade(*http_args(mock_api, data_dir), env=env, timeout=600)
    assert "s3cret-token-value" not in final.stdout + final.stderr

    # Every item once in the store, exactly the mock's items.
    assert query(data_dir, "SELECT count(*), count(DISTINCT id) FROM users") == [(ITEMS, ITEMS)]
    expected = set(kascade("generate", "--seed", ITEMS_SEED, "--records", ITEMS, "--format", "keys").stdout.split())
    assert {row[0] for row in query(data_dir, "SELECT id FROM users")} == expected
    assert query(data_dir, "SELECT count(*) FROM dead_letters") == [(0,)]
    # Nothing appended twice to the topic across the kills.
    assert sum(topic_end_offsets(data_dir).values()) == ITEMS

    # Running again adds nothing: the checkpoint says the API was read to its end.
    again = kascade(*http_args(mock_api, data_dir), env=env)
    assert sum(topic_end_offsets(data_dir).values()) == ITEMS, again.stdout


def test_missing_token_is_a_config_error_naming_the_variable(mock_api, data_dir):
    env = {k: v for k, v in os.environ.items() if k != "ITEMS_TOKEN"}
    result = kascade(*http_args(mock_api, data_dir), env=env, check=False)
    assert result.returncode == 2, result.stderr
    assert "ITEMS_TOKEN" in result.stderr


def test_link_pagination_with_a_record_bound(mock_api, data_dir):
    kascade("run", "--source", "http", "--data-dir", data_dir, "--records", 1_234,
            "--set", f"source.http.url={mock_api}/items?limit=100",
            "--set", "source.http.pagination=link",
            "--set", "source.http.records_pointer=/data/users")
    expected = kascade("generate", "--seed", ITEMS_SEED, "--records", 1_234, "--format", "keys").stdout.split()
    assert sorted(row[0] for row in query(data_dir, "SELECT id FROM users")) == sorted(expected)
    assert sum(topic_end_offsets(data_dir).values()) == 1_234
