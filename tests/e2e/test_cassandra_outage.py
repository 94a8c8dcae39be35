"""Cassandra frozen (SIGSTOP) for 30 s mid-stream, then resumed: the pipeline
waits, commits nothing Cassandra has not acknowledged, loses nothing, and its
memory stays bounded while it waits."""
import json
import os
import signal
import subprocess
import time
from pathlib import Path

from cassandra_support import cassandra, cassandra_store_flags, count_rows, kascade_env, keyspace  # noqa: F401
from conftest import KASCADE, SOURCE_DIR, kascade

RECORDS = 300_000
PAUSE_S = 30


def cassandra_pid():
    services_dir = Path(os.environ.get("KASCADE_SERVICES_DIR", Path(SOURCE_DIR) / ".services"))
    return int((services_dir / "cassandra" / "cassandra.pid").read_text())


def committed(data_dir):
    result = kascade("lag", "--data-dir", data_dir, "--format", "json", check=False)
    if "no embedded log" in result.stderr:
        return 0  # kascade has not created its topic yet
    assert result.returncode == 0, result.stderr
    out = result.stdout.splitlines()
    return sum(json.loads(line)["committed_offset"] or 0 for line in out)


def rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def test_a_30s_freeze_loses_nothing(cassandra, keyspace, tmp_path):
    data_dir = tmp_path / "data"
    run = subprocess.Popen([KASCADE, "run", "--data-dir", str(data_dir), "--records", str(RECORDS),
                            *cassandra_store_flags(keyspace), "--set", "store.cassandra.request_timeout_ms=2000"],
                           env=kascade_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    pid = cassandra_pid()
    try:
        deadline = time.monotonic() + 300
        while committed(data_dir) < 20_000:
            assert run.poll() is None, run.communicate()
            assert time.monotonic() < deadline, "no progress before the freeze"
            time.sleep(0.5)

        os.kill(pid, signal.SIGSTOP)
        time.sleep(3)  # what was acknowledged just before the freeze gets committed
        at_freeze = committed(data_dir)
        rss = []
        for _ in range(PAUSE_S - 3):
            rss.append(rss_mb(run.pid))
            time.sleep(1)
        during = committed(data_dir)
        assert run.poll() is None, "kascade gave up while Cassandra was frozen"
    finally:
        os.kill(pid, signal.SIGCONT)  # leave the node running for the other tests

    assert during == at_freeze, f"offsets moved from {at_freeze} to {during} while Cassandra could not acknowledge"
    assert during < RECORDS
    out, err = run.communicate(timeout=1200)
    assert run.returncode == 0, err
    assert count_rows(cassandra, f"{keyspace}.users") == RECORDS
    assert committed(data_dir) == RECORDS
    # Bounded: the wait does not grow memory (bounded queue, bounded in-flight requests).
    print(f"RSS during the freeze: {min(rss):.0f}..{max(rss):.0f} MB")
    assert max(rss) < 400, rss
    assert max(rss) - rss[0] < 64, rss
