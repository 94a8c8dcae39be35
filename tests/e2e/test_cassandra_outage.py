"""Cassandra out for 30 s mid-stream, two ways: frozen (SIGSTOP, then resumed:
connections stay open and go silent) and stopped (the process ends, every
connection drops, and a new process starts). Each time the pipeline waits,
commits nothing Cassandra has not acknowledged, loses nothing, and its memory
stays bounded while it waits."""
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
    result = kascade("lag", "--data-dir", data_dir, "--format", "ndjson", check=False)
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


def services(action):
    result = subprocess.run([os.path.join(SOURCE_DIR, "scripts", "services"), action, "cassandra"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"services {action} cassandra: {result.stdout}{result.stderr}"


def run_through_outage(cassandra, keyspace, tmp_path, take_down, bring_back):
    data_dir = tmp_path / "data"
    run = subprocess.Popen([KASCADE, "run", "--data-dir", str(data_dir), "--records", str(RECORDS),
                            *cassandra_store_flags(keyspace), "--set", "store.cassandra.request_timeout_ms=2000"],
                           env=kascade_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 300
        while committed(data_dir) < 20_000:
            assert run.poll() is None, run.communicate()
            assert time.monotonic() < deadline, "no progress before the outage"
            time.sleep(0.5)

        take_down()
        down_at = time.monotonic()
        time.sleep(3)  # what was acknowledged just before the outage gets committed
        at_outage = committed(data_dir)
        rss = []
        while time.monotonic() - down_at < PAUSE_S:
            rss.append(rss_mb(run.pid))
            time.sleep(1)
        during = committed(data_dir)
        assert run.poll() is None, "kascade gave up while Cassandra was out"
    finally:
        bring_back()  # leave the node running for the other tests

    assert during == at_outage, f"offsets moved from {at_outage} to {during} while Cassandra could not acknowledge"
    assert during < RECORDS
    out, err = run.communicate(timeout=1200)
    assert run.returncode == 0, err
    assert count_rows(cassandra, f"{keyspace}.users") == RECORDS
    assert committed(data_dir) == RECORDS
    # Bounded: the wait does not grow memory (bounded queue, bounded in-flight requests).
    print(f"RSS during the outage: {min(rss):.0f}..{max(rss):.0f} MB")
    assert max(rss) < 400, rss
    assert max(rss) - rss[0] < 64, rss


def test_a_30s_freeze_loses_nothing(cassandra, keyspace, tmp_path):
    pid = cassandra_pid()
    run_through_outage(cassandra, keyspace, tmp_path,
                       take_down=lambda: os.kill(pid, signal.SIGSTOP),
                       bring_back=lambda: os.kill(pid, signal.SIGCONT))


def test_a_30s_stop_and_restart_loses_nothing(cassandra, keyspace, tmp_path):
    run_through_outage(cassandra, keyspace, tmp_path,
                       take_down=lambda: services("stop"),
                       bring_back=lambda: services("start"))
