"""The randomuser source against `kascade mock-api` on 127.0.0.1 with 20% injected faults of every kind."""
import json
import subprocess
import urllib.request

import pytest

from conftest import KASCADE, kascade, query, topic_end_offsets

USERS = 200_000
PER_PAGE = 1_000
BACKOFF_INITIAL_MS = 100
RETRY_AFTER_S = 1


@pytest.fixture
def mock_api():
    """A mock API on a free port; yields its base URL, stops it afterwards."""
    server = subprocess.Popen([KASCADE, "mock-api", "--port", "0", "--fail-rate", "0.2", "--faults", "all",
                               "--fault-seed", "11", "--stall-ms", "1500", "--retry-after", str(RETRY_AFTER_S)],
                              stdout=subprocess.PIPE, text=True)
    line = server.stdout.readline()
    assert "listening on http://127.0.0.1:" in line, line
    base = line.split("listening on ")[1].split()[0]
    yield base
    server.terminate()
    server.wait(timeout=30)


def stats(base):
    with urllib.request.urlopen(base + "/_stats", timeout=30) as response:
        return json.load(response)


def test_every_user_lands_once_through_faults(mock_api, data_dir):
    kascade("run", "--source", "randomuser", "--records", USERS, "--data-dir", data_dir,
            "--set", f"source.randomuser.url={mock_api}/api/",
            "--set", f"source.randomuser.results_per_page={PER_PAGE}",
            "--set", "source.http.timeout_ms=1000",
            "--set", f"source.http.backoff_initial_ms={BACKOFF_INITIAL_MS}",
            "--set", "source.http.breaker_failures=8",
            "--set", "source.http.breaker_open_ms=500", timeout=900)
    served = stats(mock_api)
    faults = served["by_fault"]
    for kind in ("5xx", "429", "truncated", "malformed", "reset", "stall"):
        assert faults.get(kind, 0) > 0, f"no {kind} fault was injected: {faults}"

    # Exactly the users of pages 1..200 of the seed: the same keys `kascade generate` gives.
    expected = set(kascade("generate", "--seed", "kascade", "--records", USERS, "--format", "keys").stdout.split())
    landed = {row[0] for row in query(data_dir, "SELECT id FROM users")}
    assert len(landed) == USERS
    assert landed == expected

    # No duplicates on the topic: it holds the users plus one record per malformed body, nothing else.
    bad_bodies = faults.get("truncated", 0) + faults.get("malformed", 0)
    source_letters = query(data_dir, "SELECT count(*) FROM dead_letters WHERE error_class = 'source'")[0][0]
    assert source_letters == bad_bodies, "every malformed body is dead-lettered"
    assert sum(topic_end_offsets(data_dir).values()) == USERS + bad_bodies
    assert query(data_dir, "SELECT count(*) FROM dead_letters WHERE error_class != 'source'")[0][0] == 0
    reasons = [row[0] for row in query(data_dir, "SELECT error_message FROM dead_letters")]
    assert all(reason.startswith("malformed body of page ") for reason in reasons), reasons[:3]

    # Every page was served whole at least once. A page may be served whole
    # twice when the client gave up on a slow answer (its timeout) and asked
    # again; the topic's exact count above shows no such page was appended twice.
    log = served["log"]
    good = [r for r in log if r["status"] == 200 and r["fault"] == ""]
    assert len({r["page"] for r in good}) == USERS // PER_PAGE


def test_retries_back_off_and_honour_retry_after(mock_api, data_dir):
    kascade("run", "--source", "randomuser", "--records", 60_000, "--data-dir", data_dir,
            "--set", f"source.randomuser.url={mock_api}/api/",
            "--set", "source.randomuser.results_per_page=500",
            "--set", "source.http.timeout_ms=1000",
            "--set", f"source.http.backoff_initial_ms={BACKOFF_INITIAL_MS}",
            "--set", "source.http.breaker_failures=100", timeout=900)
    # The server logs a request when it has answered (a stall answers late): order by arrival.
    log = sorted(stats(mock_api)["log"], key=lambda r: r["at_ms"])
    assert len(log) > 120
    consecutive = 0
    checked_retry_after = checked_backoff = 0
    for failed, following in zip(log, log[1:]):
        if failed["fault"] == "":
            consecutive = 0
            continue
        consecutive += 1
        gap = following["at_ms"] - failed["at_ms"]
        # Equal jitter: the k-th consecutive failure waits at least half of initial * 2^(k-1).
        floor = BACKOFF_INITIAL_MS * 2 ** (consecutive - 1) / 2
        assert gap >= floor - 2, f"retry after {gap} ms, backoff floor {floor} ms: {failed}"
        checked_backoff += 1
        if failed["status"] in (429, 503):
            assert gap >= RETRY_AFTER_S * 1000 - 2, f"Retry-After ignored: {gap} ms after {failed}"
            checked_retry_after += 1
    assert checked_backoff > 10 and checked_retry_after > 2


def test_nationalities_asked_for_are_the_only_ones_landed(data_dir):
    server = subprocess.Popen([KASCADE, "mock-api", "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        assert "listening on http://127.0.0.1:" in line, line
        base = line.split("listening on ")[1].split()[0]
        kascade("run", "--source", "randomuser", "--records", 3000, "--data-dir", data_dir,
                "--set", f"source.randomuser.url={base}/api/",
                "--set", "source.randomuser.results_per_page=500",
                "--set", "source.randomuser.nat=fr,de")
    finally:
        server.terminate()
        server.wait(timeout=30)
    counts = dict(query(data_dir, "SELECT nationality, count(*) FROM users GROUP BY nationality"))
    assert sum(counts.values()) == 3000
    assert set(counts) == {"FR", "DE"}, counts
