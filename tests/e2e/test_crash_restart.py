"""kill -9 at 10 random moments across a 500,000-record run: in the end every record once."""
import random
import subprocess
import time

from conftest import KASCADE, kascade, query, topic_end_offsets

RECORDS = 500_000


def landed(data_dir):
    try:
        return query(data_dir, "SELECT count(*) FROM users")[0][0]
    except Exception:  # the store may not exist yet
        return 0


def test_kill_9_ten_times_then_finish(data_dir):
    rng = random.Random(20261121)
    args = [KASCADE, "run", "--source", "generator", "--records", str(RECORDS), "--data-dir", str(data_dir)]
    # Kill points spread across the run: when the store has passed a random
    # count, plus a random extra delay, so kills hit ingest, mapping, sink
    # commits and the final drain alike.
    targets = sorted(rng.sample(range(1_000, RECORDS - 20_000), 10))
    progress = []
    for target in targets:
        process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        while landed(data_dir) < target and process.poll() is None:
            time.sleep(0.01)
        time.sleep(rng.uniform(0, 0.05))
        assert process.poll() is None, "the run ended before it could be killed: the test would prove nothing"
        process.kill()  # SIGKILL: no chance to flush or commit anything
        process.wait()
        progress.append(landed(data_dir))
    # Kills spread across the run (two may see the same count: a kill right
    # after a restart hits recovery and start-up, which is a crash point too),
    # and what the store holds never goes backwards.
    assert progress[-1] < RECORDS, progress
    assert progress == sorted(progress), progress
    assert len(set(progress)) >= 5, progress

    final = kascade("run", "--source", "generator", "--records", RECORDS, "--data-dir", data_dir)
    assert query(data_dir, "SELECT count(*), count(DISTINCT id) FROM users") == [(RECORDS, RECORDS)], final.stdout
    assert query(data_dir, "SELECT count(*) FROM dead_letters") == [(0,)]
    # Nothing was appended twice to the topic, and the store's offsets are at its end.
    ends = topic_end_offsets(data_dir)
    assert sum(ends.values()) == RECORDS
    stored = dict(query(data_dir, "SELECT partition, next_offset FROM consumer_offsets"))
    assert stored == ends
    # The ids are exactly the generator's first RECORDS users: none lost, none foreign.
    expected = kascade("generate", "--records", RECORDS, "--format", "keys").stdout.split()
    assert len(expected) == RECORDS
    ids = [row[0] for row in query(data_dir, "SELECT id FROM users")]
    assert set(ids) == set(expected)
