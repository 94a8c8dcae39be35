"""Shared fixtures of the end-to-end tests: the kascade binary and a fresh data dir."""
import json
import os
import signal
import sqlite3
import subprocess
import time

import pytest

KASCADE = os.environ.get("KASCADE_BIN", "build/release/kascade")
SOURCE_DIR = os.environ.get("KASCADE_SOURCE_DIR", os.getcwd())


def kascade(*args, check=True, timeout=600, **kwargs):
    """Runs the binary, returns the CompletedProcess (text mode)."""
    result = subprocess.run([KASCADE, *map(str, args)], capture_output=True, text=True, timeout=timeout, **kwargs)
    if check and result.returncode != 0:
        raise AssertionError(f"kascade {' '.join(map(str, args))} exited {result.returncode}:\n"
                             f"stdout: {result.stdout}\nstderr: {result.stderr}")
    return result


def query(data_dir, sql):
    """Reads the store with Python's own SQLite (not through kascade)."""
    with sqlite3.connect(f"file:{data_dir}/store.db?mode=ro", uri=True) as db:
        return db.execute(sql).fetchall()


def landed_users(data_dir):
    """Rows in the store's users table; 0 while the store does not exist yet."""
    try:
        return query(data_dir, "SELECT count(*) FROM users")[0][0]
    except Exception:  # the store may not exist yet
        return 0


def start_processor(data_dir):
    """Starts `kascade process` on the data dir (stop it with stop_when_landed)."""
    return subprocess.Popen([KASCADE, "process", "--data-dir", str(data_dir)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def stop_when_landed(processor, data_dir, rows, timeout=120):
    """Waits until the store's users table holds `rows` rows (at most `timeout`
    seconds), then stops the processor with SIGTERM, checks it exited 143 (a
    signal before any goal), and returns its standard output."""
    try:
        deadline = time.time() + timeout
        while time.time() < deadline and landed_users(data_dir) < rows:
            time.sleep(0.1)
    finally:
        processor.send_signal(signal.SIGTERM)
        out, err = processor.communicate(timeout=60)
    assert processor.returncode == 128 + signal.SIGTERM, err
    return out


def kill_9_at_progress(args, data_dir, rng, total, kills=10):
    """Starts `args` once per kill and SIGKILLs it when the store has passed a
    random count (plus a random extra delay), so kills hit ingest, mapping,
    sink commits and recovery alike. Returns the row counts after each kill,
    after checking they are spread across the run and never go backwards."""
    # The last tenth is left out: one commit can land tens of thousands of
    # rows at once, and a kill after the last row landed proves nothing.
    targets = sorted(rng.sample(range(1_000, total - total // 10), kills))
    progress = []
    for target in targets:
        process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        while landed_users(data_dir) < target and process.poll() is None:
            time.sleep(0.01)
        time.sleep(rng.uniform(0, 0.05))
        assert process.poll() is None, "the run ended before it could be killed: the test would prove nothing"
        process.kill()  # SIGKILL: no chance to flush or commit anything
        process.wait()
        progress.append(landed_users(data_dir))
    # Two kills may see the same count (a kill right after a restart hits
    # recovery and start-up, which is a crash point too).
    assert progress[-1] < total, progress
    assert progress == sorted(progress), progress
    assert len(set(progress)) >= kills // 2, progress
    return progress


def topic_end_offsets(data_dir, topic="users.raw"):
    rows = [json.loads(line) for line in kascade("topics", "--data-dir", data_dir, "--format", "ndjson").stdout.splitlines()]
    return {row["partition"]: row["end_offset"] for row in rows if row["topic"] == topic}


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "data"
