"""One processor per embedded data dir: `process` holds `<data-dir>/process.lock` (flock, its pid
written in it); a second `process`, a `run` or a `dlq replay` on the same data dir exits 1 naming the
holder's pid, while `ingest` and `query` run beside it. kill -9 releases the lock: a restart works."""
import os
import signal
import subprocess
import time

from conftest import KASCADE, kascade, landed_users


def holder(data_dir):
    try:
        return (data_dir / "process.lock").read_text().strip()
    except FileNotFoundError:
        return ""


def start_process(data_dir):
    processor = subprocess.Popen([KASCADE, "process", "--data-dir", str(data_dir)], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while holder(data_dir) != str(processor.pid):
        assert processor.poll() is None, processor.communicate()
        assert time.time() < deadline, f"process.lock holds '{holder(data_dir)}', not {processor.pid}"
        time.sleep(0.05)
    return processor


def test_a_second_processor_is_refused_and_kill_9_releases_the_lock(data_dir):
    kascade("ingest", "--records", 2000, "--data-dir", data_dir)
    first = start_process(data_dir)
    try:
        for command in (["process"], ["run", "--records", 3000], ["dlq", "replay"]):
            result = kascade(*command, "--data-dir", data_dir, check=False, timeout=120)
            assert result.returncode == 1, (command, result.returncode, result.stderr)
            assert f"pid {first.pid}" in result.stderr and "process.lock" in result.stderr, (command, result.stderr)
        # Writers of the log and readers of the store run beside it.
        kascade("ingest", "--records", 3000, "--data-dir", data_dir, timeout=120)
        deadline = time.time() + 120
        while landed_users(data_dir) < 3000:
            assert first.poll() is None and time.time() < deadline, landed_users(data_dir)
            time.sleep(0.1)
        assert kascade("query", "--data-dir", data_dir, "--format", "csv",
                       "SELECT count(*) FROM users").stdout.split() == ["count(*)", "3000"]
        assert holder(data_dir) == str(first.pid)
    finally:
        first.kill()  # SIGKILL: the kernel releases the flock with the process
        first.wait()
    kascade("ingest", "--records", 4000, "--data-dir", data_dir, timeout=120)
    second = start_process(data_dir)
    deadline = time.time() + 120
    while landed_users(data_dir) < 4000 and second.poll() is None and time.time() < deadline:
        time.sleep(0.1)
    second.send_signal(signal.SIGTERM)
    _, err = second.communicate(timeout=60)
    assert second.returncode == 128 + signal.SIGTERM, err
    assert landed_users(data_dir) == 4000
    assert holder(data_dir) == str(second.pid) and not os.path.exists(f"/proc/{second.pid}")
