"""Roles as separate processes, --duration, signals, and progress on a terminal."""
import os
import pty
import signal
import sqlite3
import subprocess
import time

from conftest import KASCADE, kascade, query, start_processor, stop_when_landed, topic_end_offsets


def stored_offsets(data_dir):
    return dict(query(data_dir, "SELECT partition, next_offset FROM consumer_offsets"))


def test_ingest_and_process_as_separate_processes(data_dir):
    processor = start_processor(data_dir)  # running while ingest appends
    kascade("ingest", "--records", 50000, "--data-dir", data_dir)
    out = stop_when_landed(processor, data_dir, 50000, timeout=60)
    assert "landed 50,000 rows" in out, out
    assert query(data_dir, "SELECT count(DISTINCT id) FROM users") == [(50000,)]
    assert stored_offsets(data_dir) == topic_end_offsets(data_dir)


def test_duration_stops_an_endless_source_and_drains(data_dir):
    started = time.time()
    result = kascade("run", "--duration", "2s", "--data-dir", data_dir)
    elapsed = time.time() - started
    assert 1.9 <= elapsed < 30, elapsed
    ends = topic_end_offsets(data_dir)
    assert sum(ends.values()) > 0
    # Everything the source produced before the deadline landed: nothing left behind.
    assert query(data_dir, "SELECT count(*) FROM users")[0][0] == sum(ends.values()), result.stdout
    assert stored_offsets(data_dir) == ends


def test_sigterm_stops_gracefully_and_a_restart_finishes(data_dir):
    process = subprocess.Popen([KASCADE, "run", "--records", "2000000", "--data-dir", str(data_dir)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Stop it mid-run: once the store holds its first rows.
    deadline = time.time() + 60
    while time.time() < deadline and process.poll() is None:
        try:
            if query(data_dir, "SELECT count(*) FROM users")[0][0] > 0:
                break
        except sqlite3.Error:  # the store or its table does not exist yet
            pass
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM, err  # stopped before its goal
    assert "(interrupted)" in out, out
    rows = query(data_dir, "SELECT count(*) FROM users")[0][0]
    assert 0 < rows < 2000000
    # What the store holds is exactly what its offsets say it has consumed.
    assert rows == sum(stored_offsets(data_dir).values())
    # The rest lands on the next run, once.
    total = sum(topic_end_offsets(data_dir).values()) + 100000
    kascade("run", "--records", total, "--data-dir", data_dir)
    assert query(data_dir, "SELECT count(*), count(DISTINCT id) FROM users") == [(total, total)]


def test_progress_is_shown_on_a_terminal(data_dir):
    controller, terminal = pty.openpty()
    process = subprocess.Popen([KASCADE, "run", "--duration", "3s", "--data-dir", str(data_dir)],
                               stdout=subprocess.PIPE, stderr=terminal)
    os.close(terminal)
    seen = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal closed: the process ended
            break
        if not chunk:
            break
        seen += chunk
    process.wait(timeout=60)
    os.close(controller)
    assert process.returncode == 0
    assert b"ingested" in seen and b"/s)" in seen and b"landed" in seen, seen[:500]
