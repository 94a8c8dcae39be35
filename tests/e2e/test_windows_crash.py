"""kill -9 at 10 moments of a windowed run: after restarts the users-per-country table still
equals the reference exactly (window state is checkpointed with the offsets)."""
import random

from conftest import KASCADE, kascade, kill_9_at_progress, query
from windows_reference import assert_results_equal_reference

RECORDS = 1_000_000
SIZE_MS = 1000
LATENESS_MS = 300
OPTIONS = ["--set", "source.event_time_jitter_ms=1500", "--set", "source.late_ratio=0.01",
           "--set", "source.late_by_ms=20000", "--set", f"windows.size_ms={SIZE_MS}",
           "--set", f"windows.allowed_lateness_ms={LATENESS_MS}"]


def test_kill_9_ten_times_then_window_results_are_exact(data_dir):
    rng = random.Random(20260505)
    args = [KASCADE, "run", "--records", str(RECORDS), "--data-dir", str(data_dir), *OPTIONS]
    kill_9_at_progress(args, data_dir, rng, RECORDS)
    # Window state was checkpointed part-way (the kills interrupted open windows).
    assert query(data_dir, "SELECT count(*) FROM window_state")[0][0] > 0

    kascade("run", "--records", RECORDS, "--data-dir", data_dir, *OPTIONS, timeout=900)
    assert query(data_dir, "SELECT count(*), count(DISTINCT id) FROM users") == [(RECORDS, RECORDS)]
    expected, late, _ = assert_results_equal_reference(data_dir, RECORDS, SIZE_MS, LATENESS_MS)
    assert late > 0 and len(expected) > 50
