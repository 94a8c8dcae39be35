"""Windowed analytics end to end: 1,000,000 users with out-of-order and late event times; the
users-per-country table equals a reference recomputed here, for every window and country."""
import sqlite3
import subprocess
import time

from conftest import KASCADE, kascade, query
from windows_reference import assert_results_equal_reference

RECORDS = 1_000_000
SIZE_MS = 1000
LATENESS_MS = 300
SKEW = ["--set", "source.event_time_jitter_ms=1500", "--set", "source.late_ratio=0.01",
        "--set", "source.late_by_ms=20000"]
WINDOWS = ["--set", f"windows.size_ms={SIZE_MS}", "--set", f"windows.allowed_lateness_ms={LATENESS_MS}"]


def test_window_results_equal_the_reference(data_dir):
    kascade("run", "--records", RECORDS, "--data-dir", data_dir, *SKEW, *WINDOWS,
            "--set", "windows.late_records=dead_letter", timeout=900)
    expected, late, stored = assert_results_equal_reference(data_dir, RECORDS, SIZE_MS, LATENESS_MS)
    # The input really was out of order and late, and windows closed as the watermark passed.
    assert late > RECORDS // 200, late
    assert len(expected) > 100, len(expected)
    closed = sum(1 for row in stored.values() if row[7] == 1)
    assert closed > len(stored) // 2, (closed, len(stored))
    # Late records are dead-lettered (class late) and still land in users.
    assert query(data_dir, "SELECT count(*) FROM dead_letters WHERE error_class = 'late'") == [(late,)]
    assert query(data_dir, "SELECT count(*) FROM users") == [(RECORDS,)]
    # Closed windows leave no state behind; what remains is only the windows still open at the end.
    open_windows = query(data_dir, "SELECT count(DISTINCT window_start) FROM window_state")[0][0]
    assert open_windows == len({start for (_, start), row in stored.items() if row[7] == 0})


def test_windows_can_be_turned_off(data_dir):
    kascade("run", "--records", 1000, "--data-dir", data_dir, "--set", "windows.enabled=off")
    tables = {row[0] for row in query(data_dir, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "users_per_country_minute" not in tables and "window_state" not in tables


def test_a_bad_window_option_is_a_config_error(data_dir):
    result = kascade("run", "--records", 10, "--data-dir", data_dir, "--set", "windows.aggregates=x=median(age)",
                     check=False)
    assert result.returncode == 2, result
    assert "windows.aggregates" in result.stderr and "median" in result.stderr
    result = kascade("run", "--records", 10, "--data-dir", data_dir, "--set", "windows.slide_ms=7000", check=False)
    assert result.returncode == 2 and "must divide" in result.stderr, result.stderr


def _snapshots_while_running(data_dir, records, *flags):
    """Runs `kascade run` and reads the store every 20 ms while it runs, each read one
    snapshot: (users rows landed, users counted in provisional results, in all results)."""
    run = subprocess.Popen([KASCADE, "run", "--records", str(records), "--data-dir", str(data_dir), *flags],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    snapshots = []
    try:
        while run.poll() is None:
            try:
                snapshots.append(query(data_dir, "SELECT (SELECT count(*) FROM users), "
                                       "(SELECT coalesce(sum(users), 0) FROM users_per_country_minute WHERE closed = 0), "
                                       "(SELECT coalesce(sum(users), 0) FROM users_per_country_minute)")[0])
            except sqlite3.Error:  # the store or its tables do not exist yet
                pass
            time.sleep(0.02)
        assert run.wait(timeout=300) == 0, run.stderr.read()
    finally:
        if run.poll() is None:
            run.kill()
    return snapshots


def test_early_updates_show_open_windows_while_the_run_goes_on(data_dir):
    records = 400_000
    snapshots = _snapshots_while_running(data_dir, records, "--set", "windows.early_updates_ms=100")
    mid_run = [s for s in snapshots if 0 < s[0] < records]
    assert len(mid_run) >= 5, snapshots
    live = {provisional for _, provisional, _ in mid_run if provisional > 0}
    # Open windows were upserted while records still came in, and grew between updates.
    assert len(live) >= 2, mid_run
    # An early result never counts a record that has not landed (both go in one transaction).
    assert all(counted <= landed for landed, _, counted in snapshots), snapshots
    # The final results count every record once: the early rows were replaced, never added.
    assert query(data_dir, "SELECT sum(users) FROM users_per_country_minute") == [(records,)]


def test_without_early_updates_open_windows_appear_only_when_the_run_ends(data_dir):
    records = 200_000
    snapshots = _snapshots_while_running(data_dir, records)
    mid_run = [s for s in snapshots if 0 < s[0] < records]
    assert len(mid_run) >= 3, snapshots
    assert all(provisional == 0 for _, provisional, _ in mid_run), mid_run
    assert query(data_dir, "SELECT sum(users) FROM users_per_country_minute") == [(records,)]
